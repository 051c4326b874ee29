"""Planning invitations: for each interaction, the trigger rules decide whether and when.

Every decision is stored with all its checks, so "why was this customer (not) surveyed?" has
an answer. Planning is deterministic: the same interaction always gives the same decision.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain import eligibility
from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentChannel
from surveyapp.domain.eligibility import Check, Condition, QuietHours
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import Channel, Contact, Interaction, Invitation, SurveyVersion, TriggerRule
from surveyapp.services import consent, contacts, surveys

log = logging.getLogger(__name__)

# Invitations that count as "asked" for recontact periods and daily caps.
ASKED_STATES = (
    InvitationState.QUEUED,
    InvitationState.SENDING,
    InvitationState.SENT,
    InvitationState.ANSWERED,
    InvitationState.EXPIRED,
    InvitationState.UNCERTAIN,
)
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class Decision:
    """What planning decided for one interaction and rule."""

    rule: TriggerRule
    version: SurveyVersion | None
    checks: tuple[Check, ...]
    send_at: datetime | None

    @property
    def is_queued(self) -> bool:
        """Whether every check passed."""
        return all(check.passed for check in self.checks)

    @property
    def reasons(self) -> list[str]:
        """The reason codes of the failed checks."""
        return [check.reason for check in self.checks if not check.passed]


def plan_invitations(
    session: Session, interaction: Interaction, *, clock: Clock
) -> list[Invitation]:
    """Decide and store the invitation for ``interaction`` (queued or suppressed with reasons).

    The active rule of the touchpoint with the best priority whose conditions hold is used;
    when none holds, the best rule's failed condition is recorded. An interaction that already
    has invitations gets nothing new. Flushes.
    """
    existing = session.scalars(
        select(Invitation).where(Invitation.interaction_id == interaction.id)
    ).all()
    if existing:
        return list(existing)
    rules = active_rules(session, interaction.touchpoint_id)
    if not rules:
        return []
    decision = decide(session, interaction, _choose_rule(rules, interaction), clock=clock)
    if decision.version is None:
        return []
    invitation = _store(session, interaction, decision, clock=clock)
    return [invitation]


def active_rules(session: Session, touchpoint_id: int) -> Sequence[TriggerRule]:
    """The touchpoint's active rules, best priority (lowest number) first."""
    query = (
        select(TriggerRule)
        .where(TriggerRule.touchpoint_id == touchpoint_id, TriggerRule.is_active.is_(True))
        .order_by(TriggerRule.priority, TriggerRule.id)
    )
    return session.scalars(query).all()


def decide(
    session: Session, interaction: Interaction, rule: TriggerRule, *, clock: Clock
) -> Decision:
    """Run every check of ``rule`` for ``interaction`` without storing anything."""
    contact = interaction.contact
    now = clock.now()
    version = surveys.latest_version(session, rule.survey_id)
    checks = [
        Check(
            "survey",
            version is not None,
            "survey_published" if version else "survey_not_published",
        ),
        _conditions_check(rule, interaction, contact),
        *_address_checks(session, rule, contact),
        _consent_check(session, rule, contact),
        *_recontact_checks(session, rule, contact, now),
        _sampling_check(rule, interaction, contact),
        _cap_check(session, rule, now),
    ]
    planned = interaction.occurred_at + timedelta(minutes=rule.delay_minutes)
    send_at = eligibility.next_send_time(
        max(planned, now), contact.timezone or DEFAULT_TIMEZONE, quiet_hours(rule, contact)
    )
    if send_at > max(planned, now):
        checks.append(Check("quiet_hours", True, "moved", send_at.isoformat()))
    return Decision(rule=rule, version=version, checks=tuple(checks), send_at=send_at)


def quiet_hours(rule: TriggerRule, contact: Contact) -> QuietHours:
    """The rule's quiet time, with the holidays of the contact's region."""
    quiet = rule.quiet or {}
    region = (contact.attributes or {}).get("region")
    listed = [(h.get("region", "*"), date.fromisoformat(h["date"])) for h in rule.holidays or []]
    return QuietHours(
        start=time.fromisoformat(quiet["start"]) if quiet.get("start") else None,
        end=time.fromisoformat(quiet["end"]) if quiet.get("end") else None,
        days=frozenset(int(day) for day in quiet.get("days", [])),
        holidays=eligibility.holidays_for(str(region) if region else None, listed),
    )


def _choose_rule(rules: Sequence[TriggerRule], interaction: Interaction) -> TriggerRule:
    for rule in rules:
        if _failed_condition(rule, interaction, interaction.contact) is None:
            return rule
    return rules[0]


def _conditions(rule: TriggerRule) -> list[Condition]:
    return [
        Condition(c["source"], c["attribute"], c["op"], c.get("value"))
        for c in rule.conditions or []
    ]


def _failed_condition(
    rule: TriggerRule, interaction: Interaction, contact: Contact
) -> Condition | None:
    return eligibility.first_failed_condition(
        _conditions(rule), interaction.attributes or {}, contact.attributes or {}
    )


def _conditions_check(rule: TriggerRule, interaction: Interaction, contact: Contact) -> Check:
    failed = _failed_condition(rule, interaction, contact)
    if failed is None:
        return Check("conditions", True, "conditions_met")
    return Check("conditions", False, "condition", failed.describe())


def _address_checks(session: Session, rule: TriggerRule, contact: Contact) -> list[Check]:
    if rule.channel != ConsentChannel.EMAIL:
        return []
    if contact.erased_at is not None or not contact.email:
        return [Check("address", False, "no_email")]
    if contacts.is_suppressed(session, contact.email):
        return [Check("address", False, "suppressed_address")]
    return [Check("address", True, "email_present")]


def _consent_check(session: Session, rule: TriggerRule, contact: Contact) -> Check:
    decision = consent.decision_for(session, contact.id, rule.channel)
    return Check(
        "consent",
        decision.allowed,
        decision.reason if decision.allowed else "no_consent",
        decision.reason,
    )


def _recontact_checks(
    session: Session, rule: TriggerRule, contact: Contact, now: datetime
) -> list[Check]:
    checks = []
    if rule.recontact_days_contact:
        last = _last_asked(session, contact.id, None)
        too_soon = eligibility.within_recontact_period(
            last, now, timedelta(days=rule.recontact_days_contact)
        )
        checks.append(
            Check(
                "recontact_contact",
                not too_soon,
                "recontact_contact" if too_soon else "not_asked_recently",
                last.isoformat() if last else "",
            )
        )
    if rule.recontact_days_survey:
        last = _last_asked(session, contact.id, rule.survey_id)
        too_soon = eligibility.within_recontact_period(
            last, now, timedelta(days=rule.recontact_days_survey)
        )
        checks.append(
            Check(
                "recontact_survey",
                not too_soon,
                "recontact_survey" if too_soon else "not_asked_recently",
                last.isoformat() if last else "",
            )
        )
    return checks


def _last_asked(session: Session, contact_id: int, survey_id: int | None) -> datetime | None:
    query = select(func.max(Invitation.send_at)).where(
        Invitation.contact_id == contact_id, Invitation.state.in_(ASKED_STATES)
    )
    if survey_id is not None:
        query = query.join(SurveyVersion).where(SurveyVersion.survey_id == survey_id)
    return session.scalar(query)


def _sampling_check(rule: TriggerRule, interaction: Interaction, contact: Contact) -> Check:
    strata = rule.strata or {}
    attribute = strata.get("attribute")
    stratum = (contact.attributes or {}).get(attribute) if attribute else None
    rate = eligibility.stratum_rate(
        rule.sampling_rate, str(stratum) if stratum is not None else None, strata.get("rates", {})
    )
    sampled = eligibility.is_sampled(rate, interaction.idempotency_key, rule.id)
    return Check("sampling", sampled, "sampled" if sampled else "sampling", f"rate {rate:g}")


def _cap_check(session: Session, rule: TriggerRule, now: datetime) -> Check:
    if not rule.daily_cap:
        return Check("daily_cap", True, "no_cap")
    day_start = datetime.combine(now.date(), time.min, tzinfo=UTC)
    queued_today = (
        session.scalar(
            select(func.count()).where(
                Invitation.trigger_rule_id == rule.id,
                Invitation.state.in_(ASKED_STATES),
                Invitation.created_at >= day_start,
            )
        )
        or 0
    )
    under = queued_today < rule.daily_cap
    return Check(
        "daily_cap",
        under,
        "under_cap" if under else "daily_cap",
        f"{queued_today}/{rule.daily_cap}",
    )


def _store(
    session: Session, interaction: Interaction, decision: Decision, *, clock: Clock
) -> Invitation:
    assert decision.version is not None  # noqa: S101 -- checked by the caller
    now = clock.now()
    queued = decision.is_queued
    send_at = decision.send_at if queued else None
    expires_from = send_at or now
    invitation = Invitation(
        # The token itself is generated when the mail is composed; until then only its hash
        # exists, so nobody can guess the link of a planned invitation.
        token_hash=hash_token(generate_token()),
        survey_version_id=decision.version.id,
        contact_id=interaction.contact_id,
        interaction_id=interaction.id,
        trigger_rule_id=decision.rule.id,
        channel=Channel.EMAIL if decision.rule.channel == ConsentChannel.EMAIL else Channel.WEB,
        locale=interaction.contact.locale,
        state=InvitationState.QUEUED if queued else InvitationState.SUPPRESSED,
        send_at=send_at,
        checks=[asdict(check) for check in decision.checks],
        suppression_reasons=decision.reasons,
        created_at=now,
        expires_at=expires_from + timedelta(days=decision.rule.expiry_days),
    )
    session.add(invitation)
    session.flush()
    log.info(
        "Interaction %s: invitation %s %s",
        interaction.id,
        invitation.id,
        "queued" if queued else f"suppressed ({', '.join(decision.reasons)})",
    )
    return invitation
