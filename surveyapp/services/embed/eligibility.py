"""Whether a page's event shows a survey: the planning service decides, for the web channel.

``surveyapp.track("checkout.completed", {...})`` is an interaction at that touchpoint. The
touchpoint's active website rules are tried like email rules (the best priority whose
conditions hold), and ``planning.decide`` runs the same checks as for email: published survey,
conditions, consent, recontact periods, sampling and daily cap. Deciding writes nothing: a
yes is answered with a sealed *offer* that the widget hands back when it shows the survey
(``displays.show_offer``), and only then are the contact, interaction and invitation stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.eligibility import Check
from surveyapp.domain.embed import Offer, seal_offer
from surveyapp.domain.i18n import N_
from surveyapp.domain.survey_definition import SurveyDefinition, from_document
from surveyapp.domain.tokens import generate_token
from surveyapp.models import ConsentText, Contact, Interaction, TriggerRule
from surveyapp.services import consent, planning
from surveyapp.services.embed import facts
from surveyapp.services.embed.facts import (
    RuleSet,
    SiteView,
    VisitorRecord,
    WebFacts,
    load_visitor,
    transient,
)
from surveyapp.services.embed.visitors import Identified, Visitor, identify
from surveyapp.services.errors import ValidationFailed

log = logging.getLogger(__name__)

OFFER_LIFETIME = timedelta(minutes=15)
MAX_ATTRIBUTES = 50
MAX_EVENT = 120
# The consent check fails this way when the visitor has simply not been asked yet.
ASKABLE = "opt_in:none"

_ANY_CONSENT_TEXT = select(ConsentText.id).limit(1)


@dataclass(frozen=True)
class TrackData:
    """One ``surveyapp.track`` call: the touchpoint key, its attributes, who, which language."""

    event: str
    attributes: Mapping[str, Any]
    visitor: Visitor
    locale: str | None = None


@dataclass(frozen=True)
class Eligibility:
    """The answer to a track call: an offer to show (maybe after consent), or the reasons."""

    offer: str | None
    consent_required: bool
    checks: tuple[Check, ...]

    @property
    def reasons(self) -> list[str]:
        """The reason codes of the failed checks (none when an offer is made)."""
        return [check.reason for check in self.checks if not check.passed]


@dataclass(frozen=True)
class Verdict:
    """One decision for a visitor: all checks, and whether asking for consent would do."""

    rule: TriggerRule
    checks: tuple[Check, ...]
    consent_required: bool
    version_id: int | None

    @property
    def may_show(self) -> bool:
        """Whether every check passed, or only the consent the widget may ask for."""
        passed = self.consent_required or all(check.passed for check in self.checks)
        return passed and self.version_id is not None


def load_site_and_rules(
    connection: Connection, site_key: str, event: str
) -> tuple[SiteView | None, RuleSet]:
    """The site with ``site_key`` (active or not) and the website rules of ``event``.

    One statement: every track call starts here. ``ValidationFailed`` for a malformed event.
    """
    return facts.load_site_and_rules(connection, site_key, event_key(event))


def check_eligibility(
    connection: Connection,
    site: SiteView,
    rules: RuleSet,
    track: TrackData,
    *,
    app_secret: str,
    clock: Clock,
) -> Eligibility:
    """Decide whether ``track`` shows a survey now; reads on ``connection``, writes nothing.

    ``rules`` are the website rules of ``track.event`` (``load_site_and_rules``). Raises
    ``PermissionDenied`` for a contact id with a bad signature and ``ValidationFailed`` for a
    malformed event or attributes. The offer is valid for ``OFFER_LIFETIME``.
    """
    event = event_key(track.event)
    if len(track.attributes) > MAX_ATTRIBUTES:
        raise ValidationFailed.on_field("attributes", N_("Give at most 50 attributes."))
    identified = identify(site, track.visitor, app_secret=app_secret)
    if identified is None:
        return _no(Check("visitor", False, "no_visitor", "no contact id and no visitor id"))
    if not rules.rules:
        return _no(Check("rule", False, "no_web_rule", event))
    now = clock.now()
    key = "web-" + generate_token(18)
    record = load_visitor(connection, identified.external_id, rules.survey_ids)
    verdict = evaluate(
        connection, identified, record, rules, key, track.attributes, occurred_at=now, clock=clock
    )
    if not verdict.may_show or verdict.version_id is None:
        return Eligibility(None, False, verdict.checks)
    document = rules.documents[verdict.version_id]
    locale = _definition(document).best_locale(record.locale, track.locale)
    offer = Offer(
        site_id=site.id,
        event=event,
        rule_id=verdict.rule.id,
        version_id=verdict.version_id,
        contact_ref=identified.external_id,
        interaction_key=key,
        occurred_at=now,
        locale=locale,
        consent_required=verdict.consent_required,
        expires_at=now + OFFER_LIFETIME,
        attributes=dict(track.attributes),
    )
    return Eligibility(seal_offer(app_secret, offer), verdict.consent_required, verdict.checks)


def evaluate(  # noqa: PLR0917 -- the parts of one decision, named at every call
    connection: Connection,
    identified: Identified,
    record: VisitorRecord,
    rules: RuleSet,
    key: str,
    attributes: Mapping[str, Any],
    *,
    occurred_at: datetime,
    clock: Clock,
    rule_id: int | None = None,
) -> Verdict:
    """Every check for showing a survey to the visitor now, with ``planning.decide``.

    The rule is the best of ``rules`` whose conditions hold (or ``rule_id``). Besides
    planning's checks: an anonymous visitor needs a rule that allows them, an erased contact
    is never asked, and consent may be asked in the widget only under opt-in for a visitor who
    never answered (not after a withdrawal) and when a consent text exists.
    """
    interaction = _interaction(record.contact, key, attributes, occurred_at)
    rule = next((r for r in rules.rules if r.id == rule_id), None) or planning.choose_rule(
        rules.rules, interaction
    )
    checks: list[Check] = []
    if identified.is_anonymous:
        allowed = rule.allow_anonymous
        checks.append(
            Check("visitor", allowed, "anonymous_allowed" if allowed else "anonymous_not_allowed")
        )
    else:
        checks.append(Check("visitor", True, "identified"))
    if record.erased_at is not None:
        checks.append(Check("visitor", False, "contact_erased"))
    decision = planning.decide(
        None, interaction, rule, clock=clock, facts=WebFacts(connection, rules, record)
    )
    checks.extend(decision.checks)
    failed = [check for check in checks if not check.passed]
    askable = len(failed) == 1 and (failed[0].name, failed[0].detail) == ("consent", ASKABLE)
    if askable and connection.execute(_ANY_CONSENT_TEXT).first() is None:
        checks.append(Check("consent_text", False, "no_consent_text"))
        askable = False
    version_id = decision.version.id if decision.version is not None else None
    return Verdict(rule, tuple(checks), askable, version_id)


def _interaction(
    contact: Contact, key: str, attributes: Mapping[str, Any], occurred_at: datetime
) -> Interaction:
    """The event as planning sees it: an interaction never added to a session."""
    return transient(
        Interaction,
        idempotency_key=key,
        occurred_at=occurred_at,
        attributes=dict(attributes),
        contact=contact,
    )


def consent_text_for(session: Session, locales: Sequence[str]) -> ConsentText | None:
    """The newest consent wording in the first of ``locales`` that has one, else any."""
    for locale in locales:
        text = consent.current_consent_text(session, locale)
        if text is not None:
            return text
    return session.scalars(
        select(ConsentText).order_by(ConsentText.created_at.desc(), ConsentText.id.desc())
    ).first()


@lru_cache(maxsize=256)
def _definition(document: str) -> SurveyDefinition:
    """Parsed once per process: published documents never change (shared, immutable)."""
    return from_document(json.loads(document))


def event_key(raw: str) -> str:
    """The touchpoint key of a tracked event; ``ValidationFailed`` when empty or too long."""
    event = raw.strip().lower()
    if not event or len(event) > MAX_EVENT:
        raise ValidationFailed.on_field("event", N_("Give an event of 1 to 120 characters."))
    return event


def _no(check: Check) -> Eligibility:
    return Eligibility(None, False, (check,))
