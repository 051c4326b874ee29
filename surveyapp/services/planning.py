"""Planning invitations: for each interaction, the trigger rules decide whether and when.

Every decision is stored with all its checks, so "why was this customer (not) surveyed?" has
an answer. Planning is deterministic: the same interaction always gives the same decision.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain import eligibility
from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentChannel
from surveyapp.domain.eligibility import Check, Condition, QuietHours
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import Channel, Contact, Interaction, Invitation, SurveyVersion, TriggerRule
from surveyapp.services.planning_facts import PlanningFacts, QueryFacts, day_start

log = logging.getLogger(__name__)

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

    An interaction that already has invitations gets nothing new. Flushes.
    """
    existing = session.scalars(
        select(Invitation).where(Invitation.interaction_id == interaction.id)
    ).all()
    if existing:
        return list(existing)
    return plan_new_interaction(session, interaction, clock=clock)


def plan_new_interaction(
    session: Session, interaction: Interaction, *, clock: Clock
) -> list[Invitation]:
    """``plan_invitations`` for an interaction stored just now (it cannot have any yet)."""
    invitation = build_invitation(session, interaction, clock=clock, facts=QueryFacts(session))
    if invitation is None:
        return []
    session.add(invitation)
    session.flush()
    return [invitation]


def build_invitation(
    session: Session, interaction: Interaction, *, clock: Clock, facts: PlanningFacts
) -> Invitation | None:
    """The invitation planning decides for ``interaction``, built but not added to the session.

    The active rule of the touchpoint with the best priority whose conditions hold is used;
    when none holds, the best rule's failed condition is recorded. ``None`` when the
    touchpoint has no active rule or its survey was never published. ``facts.note`` sees the
    result, so later decisions of a batch count it.
    """
    rules = facts.rules(interaction.touchpoint_id)
    if not rules:
        return None
    rule = _choose_rule(rules, interaction)
    decision = decide(session, interaction, rule, clock=clock, facts=facts)
    if decision.version is None:
        return None
    invitation = invitation_for(interaction, decision, clock=clock)
    facts.note(invitation, rule.survey_id)
    return invitation


def active_rules(session: Session, touchpoint_id: int) -> Sequence[TriggerRule]:
    """The touchpoint's active rules, best priority (lowest number) first."""
    return QueryFacts(session).rules(touchpoint_id)


def decide(
    session: Session | None,
    interaction: Interaction,
    rule: TriggerRule,
    *,
    clock: Clock,
    facts: PlanningFacts | None = None,
) -> Decision:
    """Run every check of ``rule`` for ``interaction`` without storing anything.

    ``session`` may be ``None`` when ``facts`` answer everything (website decisions).
    """
    if facts is None:
        if session is None:
            raise ValueError("decide needs a session or facts")
        facts = QueryFacts(session)
    known = facts
    contact = interaction.contact
    now = clock.now()
    version = known.latest_version(rule.survey_id)
    checks = [
        Check(
            "survey",
            version is not None,
            "survey_published" if version else "survey_not_published",
        ),
        _conditions_check(rule, interaction, contact),
        *_address_checks(known, rule, contact),
        _consent_check(known, rule, contact),
        *_recontact_checks(known, rule, contact, now),
        _sampling_check(rule, interaction, contact),
        _cap_check(known, rule, now),
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


def choose_rule(rules: Sequence[TriggerRule], interaction: Interaction) -> TriggerRule:
    """The first of ``rules`` (best priority first) whose conditions hold, else the first."""
    return _choose_rule(rules, interaction)


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


def _address_checks(facts: PlanningFacts, rule: TriggerRule, contact: Contact) -> list[Check]:
    if rule.channel != ConsentChannel.EMAIL:
        return []
    if contact.erased_at is not None or not contact.email:
        return [Check("address", False, "no_email")]
    if facts.is_suppressed(contact.email):
        return [Check("address", False, "suppressed_address")]
    return [Check("address", True, "email_present")]


def _consent_check(facts: PlanningFacts, rule: TriggerRule, contact: Contact) -> Check:
    decision = facts.consent(contact.id, rule.channel)
    return Check(
        "consent",
        decision.allowed,
        decision.reason if decision.allowed else "no_consent",
        decision.reason,
    )


def _recontact_checks(
    facts: PlanningFacts, rule: TriggerRule, contact: Contact, now: datetime
) -> list[Check]:
    checks = []
    if rule.recontact_days_contact:
        last = facts.last_asked(contact.id, None)
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
        last = facts.last_asked(contact.id, rule.survey_id)
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


def _sampling_check(rule: TriggerRule, interaction: Interaction, contact: Contact) -> Check:
    strata = rule.strata or {}
    attribute = strata.get("attribute")
    stratum = (contact.attributes or {}).get(attribute) if attribute else None
    rate = eligibility.stratum_rate(
        rule.sampling_rate, str(stratum) if stratum is not None else None, strata.get("rates", {})
    )
    sampled = eligibility.is_sampled(rate, interaction.idempotency_key, rule.id)
    return Check("sampling", sampled, "sampled" if sampled else "sampling", f"rate {rate:g}")


def _cap_check(facts: PlanningFacts, rule: TriggerRule, now: datetime) -> Check:
    if not rule.daily_cap:
        return Check("daily_cap", True, "no_cap")
    queued_today = facts.asked_today(rule.id, day_start(now))
    under = queued_today < rule.daily_cap
    return Check(
        "daily_cap",
        under,
        "under_cap" if under else "daily_cap",
        f"{queued_today}/{rule.daily_cap}",
    )


def invitation_for(interaction: Interaction, decision: Decision, *, clock: Clock) -> Invitation:
    """The invitation ``decision`` makes for ``interaction``: queued, or suppressed with reasons."""
    assert decision.version is not None  # noqa: S101 -- checked by the caller
    now = clock.now()
    queued = decision.is_queued
    send_at = decision.send_at if queued else None
    expires_from = send_at or now
    invitation = Invitation(
        # A placeholder: dispatch generates the real token (and replaces this hash) when it
        # composes the mail, so no working link exists before then.
        token_hash=hash_token(generate_token()),
        survey_version_id=decision.version.id,
        contact_id=interaction.contact_id,
        interaction_id=interaction.id,
        trigger_rule_id=decision.rule.id,
        channel=Channel.EMAIL if decision.rule.channel == ConsentChannel.EMAIL else Channel.WEB,
        locale=interaction.contact.locale,
        state=InvitationState.QUEUED if queued else InvitationState.SUPPRESSED,
        send_at=send_at,
        checks=[
            {"name": c.name, "passed": c.passed, "reason": c.reason, "detail": c.detail}
            for c in decision.checks
        ],
        suppression_reasons=decision.reasons,
        created_at=now,
        expires_at=expires_from + timedelta(days=decision.rule.expiry_days),
        # Set here, not left to column defaults: batch ingest inserts these rows in bulk.
        attempts=0,
        reminder_attempts=0,
    )
    log.debug(
        "Interaction %s: %s",
        interaction.id,
        "queued" if queued else f"suppressed ({', '.join(decision.reasons)})",
    )
    return invitation
