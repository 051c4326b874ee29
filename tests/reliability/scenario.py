"""A workspace for fault and load runs: a survey with many personal links, and an API key.

Built with the product's services (survey, touchpoint, rule, key); the personal links are
bulk-inserted test invitations with tokens the run knows, as ``create_test_invitation`` makes
them one at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import (
    Channel,
    Contact,
    Interaction,
    Invitation,
    Response,
    SurveyVersion,
)
from surveyapp.services import api_keys, consent, touchpoints, trigger_rules
from surveyapp.services.trigger_rules import RuleSettings
from tests.factories import make_published_survey, make_user

TOUCHPOINT = "support.ticket_closed"
SCORE = "9"
LINK_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class Workspace:
    """What a run needs: the published version, personal link tokens and an API secret."""

    version_id: int
    version_number: int
    tokens: tuple[str, ...]
    api_secret: str


def build_workspace(session: Session, clock: Clock, *, links: int) -> Workspace:
    """A published NPS survey sent by a rule on ``TOUCHPOINT``, ``links`` personal links."""
    admin = make_user(session, role=Role.ADMIN)
    survey, version = make_published_survey(session, actor=admin)
    touchpoint = touchpoints.create_touchpoint(
        session, key=TOUCHPOINT, name="Ticket closed", clock=clock, actor=admin
    )
    trigger_rules.save_rule(
        session,
        RuleSettings(name="After support", touchpoint_id=touchpoint.id, survey_id=survey.id),
        clock=clock,
        actor=admin,
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
    )
    secret = api_keys.create_key(
        session, name="Reliability", scopes=api_keys.SCOPES, clock=clock, actor=admin
    ).secret
    tokens = tuple(generate_token() for _ in range(links))
    now = clock.now()
    for start in range(0, links, 5000):
        session.execute(
            insert(Invitation),
            [
                {
                    "token_hash": hash_token(token),
                    "survey_version_id": version.id,
                    "channel": Channel.TEST,
                    "state": InvitationState.SENT,
                    "send_at": now,
                    "locale": "en",
                    "checks": [],
                    "suppression_reasons": [],
                    "created_at": now,
                    "expires_at": now + LINK_LIFETIME,
                    "created_by_id": admin.id,
                }
                for token in tokens[start : start + 5000]
            ],
        )
    return Workspace(version.id, version.number, tokens, secret)


def answer_form(csrf_token: str, version_number: int, comment: str = "") -> dict[str, str]:
    """The NPS form as the browser posts it: the rating, or with a comment both steps at once."""
    steps = "all" if comment else "first"
    form = {"csrf_token": csrf_token, "version": str(version_number), "steps": steps}
    form["score"] = SCORE
    if comment:
        form["liked"] = comment
    return form


def interaction_template(occurred_at: datetime | None = None) -> str:
    """An interaction of a new contact on ``TOUCHPOINT``, ``%d`` where its number goes.

    ``occurred_at`` (default: now) decides when its invitation is due and when it expires.
    """
    when = (occurred_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "id": "reliability-NUMBER",
        "touchpoint": TOUCHPOINT,
        "occurred_at": when,
        "contact": {"external_id": "R-NUMBER", "email": "rNUMBER@example.com"},
    }
    return json.dumps(body).replace("%", "%%").replace("NUMBER", "%d")


def interaction_body(number: int, occurred_at: datetime | None = None) -> str:
    """Interaction ``number`` (its own id and contact: each one plans a new invitation)."""
    template = interaction_template(occurred_at)
    return template % ((number,) * template.count("%d"))


def token_of_invitation(session: Session, tokens: tuple[str, ...]) -> dict[int, str]:
    """Invitation id -> token, for the given tokens."""
    by_hash = {hash_token(token): token for token in tokens}
    rows = session.execute(
        select(Invitation.id, Invitation.token_hash).where(Invitation.token_hash.in_(by_hash))
    )
    return {invitation_id: by_hash[token_hash] for invitation_id, token_hash in rows}


def incomplete_responses(session: Session) -> list[str]:
    """Every response row that is not whole: no survey, no rating, a rating not in answers."""
    problems = []
    rows = session.execute(select(Response, SurveyVersion.id).outerjoin(SurveyVersion))
    for response, version_id in rows:
        answers: dict[str, Any] = response.answers or {}
        if version_id is None:
            problems.append(f"response {response.id}: no survey version")
        if response.submitted_at is None or response.score is None:
            problems.append(f"response {response.id}: not submitted or without score")
        elif str(answers.get("score")) != str(response.score):
            problems.append(f"response {response.id}: score {response.score} vs {answers}")
        if response.nps_category is None:
            problems.append(f"response {response.id}: no NPS category")
    return problems


def contacts_without_email(session: Session) -> int:
    """Contacts the API stored without the address it was sent (half-written contacts)."""
    return len(session.scalars(select(Contact.id).where(Contact.email.is_(None))).all())


def api_orphans(session: Session) -> list[str]:
    """Rows an interaction call left half-done: a contact without its interaction, or an
    interaction without the invitation its rule plans."""
    problems = []
    lonely_contacts = session.scalars(
        select(Contact.external_id).where(
            Contact.external_id.like("R-%"),
            ~select(Interaction.id).where(Interaction.contact_id == Contact.id).exists(),
        )
    ).all()
    problems += [
        f"contact {external_id} without its interaction" for external_id in lonely_contacts
    ]
    unplanned = session.scalars(
        select(Interaction.idempotency_key).where(
            ~select(Invitation.id).where(Invitation.interaction_id == Interaction.id).exists()
        )
    ).all()
    problems += [f"interaction {key} without an invitation" for key in unplanned]
    return problems


def stored_interactions(session: Session) -> list[str]:
    """The idempotency keys of the stored interactions, once per row."""
    return list(session.scalars(select(Interaction.idempotency_key)))
