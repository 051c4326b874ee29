"""Re-surveys (service layer): asking the customer again some days after a case is resolved.

A team switches the re-survey on in its recovery settings (``resurvey_after_days``; off by
default). ``plan_due_resurveys`` runs from a job: for every case of such a team resolved at
least that many days ago (and after the re-survey was switched on) it plans one invitation
through the ordinary planning checks of the case's original trigger rule and interaction, so
consent, suppressed addresses, quiet hours, sampling, caps and the recontact rule all still
apply: a re-survey the rule forbids is stored as a suppressed invitation with its reasons,
and dispatch sends a queued one (checking consent again) like any other invitation.

``link_answer`` is the answer path's hook: the re-survey's answer sets the case's new score
and ``recovered`` (the new score left the unhappy band: DESIGN.md 6, recovery rate). Cases
without a known customer, an email rule or a published survey get a re-survey row without an
invitation, so they are never planned twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from surveyapp.domain.case_recovery import is_recovered
from surveyapp.domain.case_rules import score_band
from surveyapp.domain.case_states import CaseEventKind, CaseStatus, Party
from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentChannel
from surveyapp.domain.states import InvitationState
from surveyapp.domain.survey_definition import SurveyDefinition
from surveyapp.models import (
    Case,
    CaseResurvey,
    Interaction,
    Invitation,
    Response,
    TeamRecoverySettings,
    TriggerRule,
)
from surveyapp.services import planning
from surveyapp.services.cases.events import add_event
from surveyapp.services.jobruns import claim_period, period_of

log = logging.getLogger(__name__)

JOB = "cases.resurvey"
PERIOD_MINUTES = 5
BATCH = 500
DONE_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
# Built once: the answer path runs it for every answer to an invitation.
_BY_INVITATION = select(CaseResurvey).where(
    CaseResurvey.invitation_id == bindparam("invitation_id")
)


@dataclass(frozen=True)
class ResurveyTally:
    """What one planning run did: invitations queued, suppressed, and cases without one."""

    queued: int = 0
    suppressed: int = 0
    without_invitation: int = 0


def plan_due_resurveys(session: Session, *, worker_id: str, clock: Clock) -> ResurveyTally:
    """Plan the re-surveys that are due (see the module doc); once per period across workers.

    Runs in the caller's transaction: the period claim and every planned invitation commit
    together, so a failure leaves the work to the next period. Flushes.
    """
    now = clock.now()
    if not claim_period(
        session, JOB, period_of(now, PERIOD_MINUTES), worker_id=worker_id, clock=clock
    ):
        return ResurveyTally()
    queued = suppressed = without = 0
    for settings in session.scalars(
        select(TeamRecoverySettings).where(TeamRecoverySettings.resurvey_after_days.is_not(None))
    ).all():
        for case in _due_cases(session, settings, now):
            invitation = _plan_one(session, case, settings, clock)
            if invitation is None:
                without += 1
            elif invitation.state == InvitationState.QUEUED:
                queued += 1
            else:
                suppressed += 1
    session.flush()
    tally = ResurveyTally(queued, suppressed, without)
    if queued or suppressed or without:
        log.info("Re-surveys planned by %s: %s", worker_id, tally)
    return tally


def _due_cases(session: Session, settings: TeamRecoverySettings, now: datetime) -> Sequence[Case]:
    """The team's resolved or closed cases due for a re-survey that have none yet."""
    assert settings.resurvey_after_days is not None  # noqa: S101 -- filtered by the caller
    assert settings.resurvey_since is not None  # noqa: S101 -- set whenever switched on
    cutoff = now - timedelta(days=settings.resurvey_after_days)
    return session.scalars(
        select(Case)
        .outerjoin(CaseResurvey, CaseResurvey.case_id == Case.id)
        .where(
            Case.team_id == settings.team_id,
            Case.status.in_(DONE_STATUSES),
            Case.resolved_at <= cutoff,
            Case.resolved_at >= settings.resurvey_since,
            CaseResurvey.id.is_(None),
        )
        .order_by(Case.resolved_at, Case.id)
        .limit(BATCH)
    ).all()


def _plan_one(
    session: Session, case: Case, settings: TeamRecoverySettings, clock: Clock
) -> Invitation | None:
    now = clock.now()
    assert case.resolved_at is not None  # noqa: S101 -- only resolved cases are due
    assert settings.resurvey_after_days is not None  # noqa: S101 -- filtered by the caller
    invitation = _build_invitation(session, case, clock)
    resurvey = CaseResurvey(
        case_id=case.id,
        due_at=case.resolved_at + timedelta(days=settings.resurvey_after_days),
        sent_at=now if invitation is not None else None,
    )
    if invitation is not None:
        session.add(invitation)
        session.flush()
        resurvey.invitation_id = invitation.id
    session.add(resurvey)
    add_event(
        session,
        case.id,
        CaseEventKind.RESURVEYED,
        actor=Party.SYSTEM,
        clock=clock,
        details={
            "state": invitation.state.value if invitation is not None else "none",
            "reasons": list(invitation.suppression_reasons) if invitation is not None else [],
        },
    )
    return invitation


def _build_invitation(session: Session, case: Case, clock: Clock) -> Invitation | None:
    """The re-survey invitation, decided by the original rule's checks; ``None`` without one."""
    original = session.scalars(
        select(Invitation)
        .join(Response, Response.invitation_id == Invitation.id)
        .where(Response.id == case.response_id)
    ).one_or_none()
    if original is None or original.interaction_id is None or original.trigger_rule_id is None:
        return None
    rule = session.get(TriggerRule, original.trigger_rule_id)
    interaction = session.get(Interaction, original.interaction_id)
    if rule is None or interaction is None or rule.channel != ConsentChannel.EMAIL:
        return None
    decision = planning.decide(session, interaction, rule, clock=clock)
    if decision.version is None:
        return None
    return planning.invitation_for(interaction, decision, clock=clock)


def link_answer(
    session: Session, response: Response, definition: SurveyDefinition, *, clock: Clock
) -> CaseResurvey | None:
    """If ``response`` answers a re-survey, record its score and whether the case recovered.

    One indexed query for responses with an invitation; nothing for the others. A later
    edit of the same answer updates the score. Flushes when it records something.
    """
    if response.invitation_id is None or response.submitted_at is None:
        return None
    resurvey = session.scalars(
        _BY_INVITATION, {"invitation_id": response.invitation_id}
    ).one_or_none()
    if resurvey is None:
        return None
    primary = definition.primary_rating
    band = score_band(primary.type if primary is not None else None, response.score)
    first = resurvey.answered_at is None
    resurvey.response_id = response.id
    resurvey.score = response.score
    resurvey.recovered = is_recovered(band)
    resurvey.answered_at = resurvey.answered_at or clock.now()
    if first:
        add_event(
            session,
            resurvey.case_id,
            CaseEventKind.RESURVEY_ANSWERED,
            actor=Party.CUSTOMER,
            clock=clock,
            details={"score": response.score, "recovered": resurvey.recovered},
        )
    session.flush()
    log.info("Case %s re-survey answered (recovered: %s)", resurvey.case_id, resurvey.recovered)
    return resurvey
