"""The facts planning decides on, read one query at a time or preloaded for a whole batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from typing import Protocol, TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from surveyapp.domain.consent import (
    ConsentChannel,
    ConsentDecision,
    LedgerEntry,
    decide,
    latest_action,
)
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import hash_token
from surveyapp.models import (
    ConsentEvent,
    ConsentSetting,
    Invitation,
    SuppressedAddress,
    SurveyVersion,
    TriggerRule,
)
from surveyapp.services import consent, contacts, surveys

_T = TypeVar("_T")

# Invitations that count as "asked" for recontact periods and daily caps.
ASKED_STATES = (
    InvitationState.QUEUED,
    InvitationState.SENDING,
    InvitationState.SENT,
    InvitationState.ANSWERED,
    InvitationState.EXPIRED,
    InvitationState.UNCERTAIN,
)


# Planning a single interaction runs these for every call: built once.
_ACTIVE_RULES = (
    select(TriggerRule)
    .where(TriggerRule.touchpoint_id == bindparam("touchpoint_id"), TriggerRule.is_active.is_(True))
    .order_by(TriggerRule.priority, TriggerRule.id)
)
_LAST_ASKED = select(func.max(Invitation.send_at)).where(
    Invitation.contact_id == bindparam("contact_id"), Invitation.state.in_(ASKED_STATES)
)
_LAST_ASKED_BY_SURVEY = _LAST_ASKED.join(SurveyVersion).where(
    SurveyVersion.survey_id == bindparam("survey_id")
)
_ASKED_TODAY = select(func.count()).where(
    Invitation.trigger_rule_id == bindparam("rule_id"),
    Invitation.state.in_(ASKED_STATES),
    Invitation.created_at >= bindparam("day_start"),
)
_ASKED_TODAY_BY_RULE = (
    select(Invitation.trigger_rule_id, func.count())
    .where(
        Invitation.trigger_rule_id.in_(bindparam("ids", expanding=True)),
        Invitation.state.in_(ASKED_STATES),
        Invitation.created_at >= bindparam("day_start"),
    )
    .group_by(Invitation.trigger_rule_id)
)
# Website decisions count daily caps on a plain connection (services/embed/facts.py).
ASKED_TODAY = _ASKED_TODAY


class PlanningFacts(Protocol):
    """What a planning decision needs to know beyond the interaction and its contact."""

    def rules(self, touchpoint_id: int) -> Sequence[TriggerRule]:
        """Active rules of the touchpoint, best priority first."""
        ...

    def latest_version(self, survey_id: int) -> SurveyVersion | None:
        """The survey's newest published version."""
        ...

    def consent(self, contact_id: int, channel: ConsentChannel) -> ConsentDecision:
        """Whether the contact may be surveyed on the channel."""
        ...

    def last_asked(self, contact_id: int, survey_id: int | None) -> datetime | None:
        """When the contact was last asked (by this survey, or any when ``None``)."""
        ...

    def is_suppressed(self, email: str) -> bool:
        """Whether the address belongs to an erased contact."""
        ...

    def asked_today(self, rule_id: int, day_start: datetime) -> int:
        """How many invitations the rule queued since ``day_start``."""
        ...

    def note(self, invitation: Invitation, survey_id: int) -> None:
        """Remember a just-planned invitation for the following decisions."""
        ...


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of ``moment``'s day (daily caps count per UTC day)."""
    return datetime.combine(moment.date(), time.min, tzinfo=UTC)


class QueryFacts:
    """Facts read straight from the database: right for one interaction or a dry run."""

    def __init__(self, session: Session) -> None:
        """Read through ``session``."""
        self._session = session

    def rules(self, touchpoint_id: int) -> Sequence[TriggerRule]:
        """Active rules of the touchpoint, best priority first."""
        return self._session.scalars(_ACTIVE_RULES, {"touchpoint_id": touchpoint_id}).all()

    def latest_version(self, survey_id: int) -> SurveyVersion | None:
        """The survey's newest published version."""
        return surveys.latest_version(self._session, survey_id)

    def consent(self, contact_id: int, channel: ConsentChannel) -> ConsentDecision:
        """Whether the contact may be surveyed on the channel."""
        return consent.decision_for(self._session, contact_id, channel)

    def last_asked(self, contact_id: int, survey_id: int | None) -> datetime | None:
        """When the contact was last asked (by this survey, or any when ``None``)."""
        if survey_id is None:
            return self._session.scalar(_LAST_ASKED, {"contact_id": contact_id})
        parameters = {"contact_id": contact_id, "survey_id": survey_id}
        return self._session.scalar(_LAST_ASKED_BY_SURVEY, parameters)

    def is_suppressed(self, email: str) -> bool:
        """Whether the address belongs to an erased contact."""
        return contacts.is_suppressed(self._session, email)

    def asked_today(self, rule_id: int, day_start: datetime) -> int:
        """How many invitations the rule queued since ``day_start``."""
        parameters = {"rule_id": rule_id, "day_start": day_start}
        return self._session.scalar(_ASKED_TODAY, parameters) or 0

    def note(self, invitation: Invitation, survey_id: int) -> None:
        """Nothing to remember: the next query sees the flushed invitation."""

    def rules_all(self) -> Sequence[TriggerRule]:
        """Every active rule, best priority first."""
        query = (
            select(TriggerRule)
            .where(TriggerRule.is_active.is_(True))
            .order_by(TriggerRule.priority, TriggerRule.id)
        )
        return self._session.scalars(query).all()


class BatchFacts:
    """Facts preloaded with a handful of queries for a whole batch of interactions.

    Decisions inside the batch see each other through ``note``: a second interaction of the
    same contact meets the recontact period, and daily caps count the batch's own invitations.
    """

    def __init__(self, session: Session, contact_ids: Iterable[int], emails: Iterable[str]) -> None:
        """Load rules, versions, policies, ledgers, last-asked times and suppressions."""
        self._session = session
        ids = sorted(set(contact_ids))
        self._rules: dict[int, list[TriggerRule]] = defaultdict(list)
        for rule in QueryFacts(session).rules_all():
            self._rules[rule.touchpoint_id].append(rule)
        self._versions: dict[int, SurveyVersion | None] = {}
        self._policies = {
            setting.channel: setting.policy for setting in session.scalars(select(ConsentSetting))
        }
        self._ledgers = self._load_ledgers(ids)
        self._last_any, self._last_survey = self._load_last_asked(ids)
        self._suppressed = self._load_suppressed(emails)
        self._today: dict[tuple[int, datetime], int] = {}

    def rules(self, touchpoint_id: int) -> Sequence[TriggerRule]:
        """Active rules of the touchpoint, best priority first."""
        return self._rules.get(touchpoint_id, [])

    def latest_version(self, survey_id: int) -> SurveyVersion | None:
        """The survey's newest published version (read once per survey)."""
        if survey_id not in self._versions:
            self._versions[survey_id] = surveys.latest_version(self._session, survey_id)
        return self._versions[survey_id]

    def consent(self, contact_id: int, channel: ConsentChannel) -> ConsentDecision:
        """Whether the contact may be surveyed on the channel."""
        policy = self._policies.get(channel, consent.DEFAULT_POLICY)
        return decide(policy, latest_action(self._ledgers.get(contact_id, []), channel))

    def last_asked(self, contact_id: int, survey_id: int | None) -> datetime | None:
        """When the contact was last asked (by this survey, or any when ``None``)."""
        if survey_id is None:
            return self._last_any.get(contact_id)
        return self._last_survey.get((contact_id, survey_id))

    def is_suppressed(self, email: str) -> bool:
        """Whether the address belongs to an erased contact."""
        return hash_token(email.strip().lower()) in self._suppressed

    def asked_today(self, rule_id: int, day_start: datetime) -> int:
        """How many invitations the rule queued since ``day_start`` (batch included)."""
        key = (rule_id, day_start)
        if key not in self._today:
            self._load_today(day_start)
        if key not in self._today:  # a rule not active when the batch began
            self._today[key] = QueryFacts(self._session).asked_today(rule_id, day_start)
        return self._today[key]

    def note(self, invitation: Invitation, survey_id: int) -> None:
        """Count a queued invitation towards caps and recontact periods of later decisions."""
        if invitation.state != InvitationState.QUEUED or invitation.send_at is None:
            return
        if invitation.trigger_rule_id is not None:
            key = (invitation.trigger_rule_id, day_start(invitation.created_at))
            self._today[key] = self.asked_today(*key) + 1
        if invitation.contact_id is not None:
            contact_id = invitation.contact_id
            self._last_any[contact_id] = _later(self._last_any.get(contact_id), invitation.send_at)
            pair = (contact_id, survey_id)
            self._last_survey[pair] = _later(self._last_survey.get(pair), invitation.send_at)

    def _load_today(self, day_start: datetime) -> None:
        """Every active rule's count since ``day_start`` in one query (not one per rule)."""
        rule_ids = sorted({rule.id for rules in self._rules.values() for rule in rules})
        counts = dict.fromkeys(rule_ids, 0)
        if rule_ids:
            rows = self._session.execute(
                _ASKED_TODAY_BY_RULE, {"day_start": day_start, "ids": rule_ids}
            )
            for rule_id, count in rows:
                if rule_id is not None:
                    counts[rule_id] = count
        for rule_id, count in counts.items():
            self._today.setdefault((rule_id, day_start), count)

    def _load_ledgers(self, ids: list[int]) -> dict[int, list[LedgerEntry]]:
        ledgers: dict[int, list[LedgerEntry]] = defaultdict(list)
        for chunk in _chunks(ids):
            rows = self._session.execute(
                select(
                    ConsentEvent.contact_id,
                    ConsentEvent.channel,
                    ConsentEvent.action,
                    ConsentEvent.occurred_at,
                    ConsentEvent.id,
                ).where(ConsentEvent.contact_id.in_(chunk))
            )
            for contact_id, channel, action, occurred_at, event_id in rows:
                ledgers[contact_id].append(LedgerEntry(channel, action, occurred_at, event_id))
        return ledgers

    def _load_last_asked(
        self, ids: list[int]
    ) -> tuple[dict[int, datetime], dict[tuple[int, int], datetime]]:
        last_any: dict[int, datetime] = {}
        last_survey: dict[tuple[int, int], datetime] = {}
        for chunk in _chunks(ids):
            rows = self._session.execute(
                select(Invitation.contact_id, SurveyVersion.survey_id, func.max(Invitation.send_at))
                .join(SurveyVersion, Invitation.survey_version_id == SurveyVersion.id)
                .where(Invitation.contact_id.in_(chunk), Invitation.state.in_(ASKED_STATES))
                .group_by(Invitation.contact_id, SurveyVersion.survey_id)
            )
            for contact_id, survey_id, sent in rows:
                if sent is None or contact_id is None:
                    continue
                last_survey[(contact_id, survey_id)] = sent
                last_any[contact_id] = _later(last_any.get(contact_id), sent)
        return last_any, last_survey

    def _load_suppressed(self, emails: Iterable[str]) -> set[str]:
        hashes = sorted({hash_token(email.strip().lower()) for email in emails if email})
        found: set[str] = set()
        for chunk in _chunks(hashes):
            found.update(
                self._session.scalars(
                    select(SuppressedAddress.email_hash).where(
                        SuppressedAddress.email_hash.in_(chunk)
                    )
                )
            )
        return found


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


def _chunks(items: list[_T], size: int = 500) -> Iterable[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
