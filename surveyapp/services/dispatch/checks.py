"""Send-time checks: what planning checked is checked again when the message is about to go.

Consent may have been withdrawn, the address may have bounced or been erased, another survey
may have reached the contact, the invitation may have expired, or the moment may now fall in
quiet hours. A failing check suppresses with its reason; quiet hours move the send instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain import eligibility
from surveyapp.domain.consent import ConsentChannel
from surveyapp.models import Invitation, SurveyVersion
from surveyapp.services.planning import DEFAULT_TIMEZONE, quiet_hours
from surveyapp.services.planning_facts import BatchFacts


@dataclass(frozen=True)
class Verdict:
    """Send now, suppress for ``reasons``, or wait until ``defer_until``."""

    reasons: tuple[str, ...] = ()
    defer_until: datetime | None = None

    @property
    def may_send(self) -> bool:
        """Whether nothing stands in the way."""
        return not self.reasons and self.defer_until is None


SEND = Verdict()


class SendFacts:
    """Consent, suppressions and earlier sends of a batch's contacts, read in a few queries."""

    def __init__(self, session: Session, invitations: Sequence[Invitation]) -> None:
        """Load the facts for ``invitations`` (their contacts must be loaded)."""
        contacts = [i.contact for i in invitations if i.contact is not None]
        self._batch = BatchFacts(
            session, [c.id for c in contacts], [c.email for c in contacts if c.email]
        )
        self._last_sent = _last_sent_elsewhere(
            session, {c.id for c in contacts}, [i.id for i in invitations]
        )

    def consent_allows(self, contact_id: int) -> bool:
        """Whether email consent (policy and ledger) allows a message now."""
        return self._batch.consent(contact_id, ConsentChannel.EMAIL).allowed

    def is_suppressed(self, email: str) -> bool:
        """Whether the address was erased, bounced or complained."""
        return self._batch.is_suppressed(email)

    def last_sent(self, contact_id: int, survey_id: int | None) -> datetime | None:
        """When another invitation (of ``survey_id``, or any) last reached the contact."""
        sent = self._last_sent.get(contact_id, {})
        if survey_id is None:
            return max(sent.values(), default=None)
        return sent.get(survey_id)


def check_invitation(invitation: Invitation, facts: SendFacts, now: datetime) -> Verdict:
    """The send-time verdict for a first invitation."""
    reasons = _address_and_consent(invitation, facts)
    if now >= invitation.expires_at:
        reasons.append("expired")
    reasons.extend(_recontact(invitation, facts, now))
    if reasons:
        return Verdict(reasons=tuple(reasons))
    return _quiet_hours(invitation, now)


def check_reminder(invitation: Invitation, facts: SendFacts, now: datetime) -> Verdict:
    """The send-time verdict for a reminder (no recontact check: it is the same invitation)."""
    reasons = _address_and_consent(invitation, facts)
    if now >= invitation.expires_at:
        reasons.append("expired")
    if reasons:
        return Verdict(reasons=tuple(reasons))
    return _quiet_hours(invitation, now)


def _address_and_consent(invitation: Invitation, facts: SendFacts) -> list[str]:
    contact = invitation.contact
    if contact is None or contact.erased_at is not None or not contact.email:
        return ["no_email"]
    reasons = []
    if facts.is_suppressed(contact.email):
        reasons.append("suppressed_address")
    if not facts.consent_allows(contact.id):
        reasons.append("consent_withdrawn")
    return reasons


def _recontact(invitation: Invitation, facts: SendFacts, now: datetime) -> list[str]:
    rule, contact = invitation.trigger_rule, invitation.contact
    if rule is None or contact is None:
        return []
    reasons = []
    for days, survey_id, reason in (
        (rule.recontact_days_contact, None, "recontact_contact"),
        (rule.recontact_days_survey, rule.survey_id, "recontact_survey"),
    ):
        last = facts.last_sent(contact.id, survey_id) if days else None
        if days and eligibility.within_recontact_period(last, now, timedelta(days=days)):
            reasons.append(reason)
    return reasons


def _quiet_hours(invitation: Invitation, now: datetime) -> Verdict:
    rule, contact = invitation.trigger_rule, invitation.contact
    if rule is None or contact is None:
        return SEND
    moment = eligibility.next_send_time(
        now, contact.timezone or DEFAULT_TIMEZONE, quiet_hours(rule, contact)
    )
    return SEND if moment <= now else Verdict(defer_until=moment)


def _last_sent_elsewhere(
    session: Session, contact_ids: Iterable[int], exclude_ids: Sequence[int]
) -> dict[int, dict[int, datetime]]:
    ids = sorted(contact_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Invitation.contact_id, SurveyVersion.survey_id, func.max(Invitation.sent_at))
        .join(SurveyVersion, SurveyVersion.id == Invitation.survey_version_id)
        .where(
            Invitation.contact_id.in_(ids),
            Invitation.sent_at.is_not(None),
            Invitation.id.not_in(exclude_ids),
        )
        .group_by(Invitation.contact_id, SurveyVersion.survey_id)
    )
    found: dict[int, dict[int, datetime]] = {}
    for contact_id, survey_id, sent_at in rows:
        if contact_id is not None and sent_at is not None:
            found.setdefault(contact_id, {})[survey_id] = sent_at
    return found
