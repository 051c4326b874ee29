"""The demo's customer journey: touchpoints, trigger rules, contacts and recent interactions.

With these a new user sees invitations planned and suppressed, each with its reasons, before
connecting any system of their own.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.models import Survey, Team, Touchpoint, User
from surveyapp.services import consent, contacts, ingest, touchpoints, trigger_rules
from surveyapp.services.contacts import ContactData
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings

log = logging.getLogger(__name__)

SEED = 4711
CONTACTS = 240
INTERACTIONS = 360
# (touchpoint key, name, stage, owning team, survey, delay in minutes, sampling rate)
JOURNEY = (
    (
        "support.ticket_closed",
        "Support ticket closed",
        "support",
        "Customer Support",
        "After support",
        120,
        1.0,
    ),
    ("orders.delivered", "Order delivered", "purchase", "Delivery", "Order delivered", 1440, 0.5),
    ("returns.handled", "Return handled", "support", "Delivery", "Returns handled", 240, 1.0),
)
REGIONS = ("DE-BY", "DE-BE", "AT", "CH", "GB")
CONSENT_TEXTS = {
    "en": "Yes, you may ask me about my experience now and then (at most once a month).",
    "de": "Ja, Sie dürfen mich gelegentlich nach meinen Erfahrungen fragen "
    "(höchstens einmal im Monat).",
}


def seed_demo_journey(session: Session, *, actor: User, clock: Clock) -> int:
    """Create the demo touchpoints, rules, contacts and interactions; return interactions.

    Does nothing (returns 0) when the demo touchpoints exist. Email consent is opt-in and
    most contacts granted it; the rest show "no consent" on their invitations. Flushes.
    """
    keys = [key for key, *_ in JOURNEY]
    if session.scalar(select(Touchpoint.id).where(Touchpoint.key.in_(keys)).limit(1)):
        return 0
    rng = random.Random(SEED)  # noqa: S311 -- reproducible demo data, nothing secret
    _journey(session, actor=actor, clock=clock)
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_IN, clock=clock, actor=actor
    )
    for locale, body in CONSENT_TEXTS.items():
        consent.save_consent_text(session, locale=locale, body=body, clock=clock, actor=actor)
    _contacts(session, rng, clock)
    items = _interactions(rng, clock)
    # Interactions of the last three days, recorded as they arrived.
    for start in range(0, len(items), 120):
        ingest.record_interactions(session, items[start : start + 120], clock=clock)
    log.info("Demo journey seeded with %d interactions", len(items))
    return len(items)


def _journey(session: Session, *, actor: User, clock: Clock) -> None:
    teams = {team.name: team.id for team in session.scalars(select(Team))}
    survey_ids = {survey.name: survey.id for survey in session.scalars(select(Survey))}
    for key, name, stage, team, survey, delay, rate in JOURNEY:
        touchpoint = touchpoints.create_touchpoint(
            session,
            key=key,
            name=name,
            team_id=teams.get(team),
            stage_key=stage,
            clock=clock,
            actor=actor,
        )
        trigger_rules.save_rule(
            session,
            RuleSettings(
                name=f"{name}: email survey",
                touchpoint_id=touchpoint.id,
                survey_id=survey_ids[survey],
                delay_minutes=delay,
                sampling_rate=rate,
                recontact_days_contact=30,
                recontact_days_survey=90,
                quiet={"start": "20:00", "end": "08:00", "days": [7]},
                holidays=[{"region": "*", "date": "2026-12-25"}],
                expiry_days=14,
            ),
            clock=clock,
            actor=actor,
        )


def _contacts(session: Session, rng: random.Random, clock: Clock) -> None:
    for number in range(1, CONTACTS + 1):
        german = rng.random() < 0.6  # noqa: PLR2004 -- the demo's share of German customers
        contact, _ = contacts.upsert_contact(
            session,
            ContactData(
                external_id=f"C-{1000 + number}",
                email=f"customer{number}@example.com",
                name=f"{'Kundin' if german else 'Customer'} {number}",
                locale="de" if german else "en",
                timezone="Europe/Berlin" if german else "Europe/London",
                attributes={"region": rng.choice(REGIONS), "plan": rng.choice(("basic", "pro"))},
            ),
            clock=clock,
        )
        if rng.random() < 0.85:  # noqa: PLR2004 -- most customers agreed when they signed up
            consent.record_event(
                session,
                contact,
                channel=ConsentChannel.EMAIL,
                action=ConsentAction.GRANTED,
                source=ConsentSource.IMPORT,
                clock=clock,
                occurred_at=clock.now() - timedelta(days=rng.randint(30, 400)),
            )


def _interactions(rng: random.Random, clock: Clock) -> list[InteractionData]:
    now = clock.now()
    items = []
    for number in range(INTERACTIONS):
        key, *_ = JOURNEY[rng.randrange(len(JOURNEY))]
        customer = rng.randint(1, CONTACTS)
        items.append(
            InteractionData(
                idempotency_key=f"DEMO-{number + 1}",
                touchpoint_key=key,
                contact=ContactData(f"C-{1000 + customer}"),
                occurred_at=now - timedelta(minutes=rng.randint(10, 3 * 24 * 60)),
                attributes={"queue": rng.choice(("billing", "technical", "shipping"))},
                agent_name=rng.choice(("Ada Agent", "Ben Becker", "Chris Doe")),
                first_response_seconds=rng.randint(60, 7200),
                resolution_seconds=rng.randint(600, 172_800),
                solved_first_contact=rng.random() < 0.7,  # noqa: PLR2004
            )
        )
    return sorted(items, key=lambda item: item.occurred_at)
