"""Response rate per segment of a trigger rule: does one group of customers answer less?

A segment is the value of a contact attribute (the rule's stratification attribute unless
another is asked for). Comparing the segments' response rates shows non-response bias: when
one region answers half as often, its scores weigh less than its customers do, and stratified
sampling can ask it more often.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from surveyapp.domain import eligibility
from surveyapp.domain.states import InvitationState
from surveyapp.models import Contact, Invitation, Response, ResponseStatus, TriggerRule
from surveyapp.services.trigger_rules import get_rule

# Invitations that reached (or may have reached) the customer.
DELIVERED_STATES = (
    InvitationState.SENT,
    InvitationState.ANSWERED,
    InvitationState.EXPIRED,
    InvitationState.UNCERTAIN,
)
ANSWERED_STATUSES = (ResponseStatus.PARTIAL, ResponseStatus.COMPLETE)


@dataclass(frozen=True)
class SegmentRate:
    """One segment: invitations delivered, how many were answered, the rule's sampling rate."""

    segment: str | None  # None: contacts without the attribute
    delivered: int
    answered: int
    sampling_rate: float

    @property
    def response_rate(self) -> float | None:
        """Answered / delivered; ``None`` before anything was delivered."""
        return self.answered / self.delivered if self.delivered else None


@dataclass(frozen=True)
class SegmentReport:
    """The rule's response rates by ``attribute`` (``None``: the rule has no strata)."""

    rule: TriggerRule
    attribute: str | None
    segments: Sequence[SegmentRate]
    total: SegmentRate


def response_rates(
    session: Session, rule_id: int, *, attribute: str | None = None
) -> SegmentReport:
    """Delivered and answered invitations of the rule per value of a contact attribute.

    ``attribute`` defaults to the rule's stratification attribute; without either, only the
    total is reported. Segments come largest first; a response counts once it was submitted
    (partial or complete), not while provisional. Invitations of erased contacts are left out.
    """
    rule = get_rule(session, rule_id)
    strata = rule.strata or {}
    chosen = (attribute or "").strip() or strata.get("attribute") or None
    rates = strata.get("rates", {}) if chosen == strata.get("attribute") else {}
    segment = Contact.attributes[chosen].as_string() if chosen else None
    answered = func.coalesce(
        func.sum(case((Response.status.in_(ANSWERED_STATUSES), 1), else_=0)), 0
    )
    query = (
        select(func.count(Invitation.id), answered)
        .join(Contact, Invitation.contact_id == Contact.id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.trigger_rule_id == rule.id, Invitation.state.in_(DELIVERED_STATES))
    )
    if segment is None:
        delivered_total, answered_total = session.execute(query).one()
        total = SegmentRate(None, delivered_total, answered_total, rule.sampling_rate)
        return SegmentReport(rule, chosen, [], total)
    segments = []
    for delivered, answered_count, value in session.execute(
        query.add_columns(segment).group_by(segment)
    ):
        name = None if value is None else str(value)
        rate = eligibility.stratum_rate(rule.sampling_rate, name, rates)
        segments.append(SegmentRate(name, delivered, answered_count, rate))
    segments.sort(key=lambda s: (-s.delivered, s.segment is None, s.segment or ""))
    # Every delivered invitation falls in one segment (a missing attribute is one too).
    total = SegmentRate(
        None,
        sum(s.delivered for s in segments),
        sum(s.answered for s in segments),
        rule.sampling_rate,
    )
    return SegmentReport(rule, chosen, segments, total)
