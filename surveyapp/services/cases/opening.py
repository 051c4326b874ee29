"""Opening follow-up cases from answers (service layer): the hook of the answer path.

``open_for_response`` runs inside every submit of answers, so it is built to be cheap. One
query fetches everything the decision needs: the response's touchpoint and its team, the
contact's attributes, the touchpoint's and the survey's case rules, the team's SLA settings
and any case the response already has. Most answers open no case and cost just that query.
An answer that opens one adds the two inserts (the case, its first timeline entry) and, with
round-robin on, one query for the agents' open cases plus the assignment's rows.

Exactly one case per response: the unique ``cases.response_id`` settles a race between two
submits of the same response (the loser's transaction fails and the answer flow retries,
finding the case). Provisional (not yet submitted), voided (link scanner) and test-link
responses never open a case.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.orm import Session, aliased

from surveyapp.domain.case_rules import PRIORITY_ORDER, CaseDecision, decide
from surveyapp.domain.case_states import CaseEventKind, CaseStatus, Party
from surveyapp.domain.clock import Clock
from surveyapp.domain.sla import due_times
from surveyapp.domain.survey_definition import SurveyDefinition
from surveyapp.models import (
    Case,
    CaseRule,
    Channel,
    Contact,
    Interaction,
    Invitation,
    Response,
    ResponseStatus,
    SurveyVersion,
    TeamCaseSettings,
    Touchpoint,
)
from surveyapp.services.cases import assignment
from surveyapp.services.cases.events import add_event
from surveyapp.services.cases.settings import criteria_of, targets_of

log = logging.getLogger(__name__)

SUBMITTED = frozenset({ResponseStatus.PARTIAL, ResponseStatus.COMPLETE})

_touchpoint_rule = aliased(CaseRule, name="touchpoint_rule")
_survey_rule = aliased(CaseRule, name="survey_rule")
# The first team found: the touchpoint's, else the touchpoint rule's, else the survey rule's.
_team_id = func.coalesce(Touchpoint.team_id, _touchpoint_rule.team_id, _survey_rule.team_id)

# Every join follows a primary or unique key from the one response row: at most one row.
_CONTEXT = (
    select(
        Interaction.touchpoint_id,
        _team_id.label("team_id"),
        Invitation.contact_id,
        Contact.attributes,
        Case.id.label("case_id"),
        Case.reasons.label("case_reasons"),
        Case.priority.label("case_priority"),
        _touchpoint_rule,
        _survey_rule,
        TeamCaseSettings,
    )
    .select_from(Response)
    .join(SurveyVersion, SurveyVersion.id == Response.survey_version_id)
    .outerjoin(Invitation, Invitation.id == Response.invitation_id)
    .outerjoin(Interaction, Interaction.id == Invitation.interaction_id)
    .outerjoin(Touchpoint, Touchpoint.id == Interaction.touchpoint_id)
    .outerjoin(Contact, Contact.id == Invitation.contact_id)
    .outerjoin(_touchpoint_rule, _touchpoint_rule.touchpoint_id == Interaction.touchpoint_id)
    .outerjoin(_survey_rule, _survey_rule.survey_id == SurveyVersion.survey_id)
    .outerjoin(TeamCaseSettings, TeamCaseSettings.team_id == _team_id)
    .outerjoin(Case, Case.response_id == Response.id)
    .where(Response.id == bindparam("response_id"))
)


def open_for_response(
    session: Session, response: Response, definition: SurveyDefinition, *, clock: Clock
) -> Case | None:
    """Open the response's case if its answers call for one; return it (``None`` otherwise).

    ``response`` must be flushed; ``definition`` is its survey version's. A response that
    already has a case keeps it: new reasons (a comment added in the second step) are added
    to it and its priority only ever rises. Returns the new case only when one was opened.
    Flushes when it opens a case.
    """
    if response.status not in SUBMITTED or response.channel == Channel.TEST:
        return None
    row = session.execute(_CONTEXT, {"response_id": response.id}).one()
    rule: CaseRule | None = row.touchpoint_rule or row.survey_rule
    decision = decide(
        definition, response.answers, criteria_of(rule), contact_attributes=row.attributes or {}
    )
    if not decision.opens_case:
        return None
    if row.case_id is not None:
        _update_existing(session, row, decision)
        return None
    return _open(session, response, row, decision, clock)


def _open(
    session: Session, response: Response, row: Row[Any], decision: CaseDecision, clock: Clock
) -> Case:
    now = clock.now()
    settings: TeamCaseSettings | None = row.TeamCaseSettings
    due = due_times(now, targets_of(settings))
    case = Case(
        response_id=response.id,
        contact_id=row.contact_id,
        touchpoint_id=row.touchpoint_id,
        team_id=row.team_id,
        status=CaseStatus.NEW,
        priority=decision.priority,
        score=decision.score,
        score_band=decision.band,
        reasons=[reason.value for reason in decision.reasons],
        opened_at=now,
        updated_at=now,
        first_action_due_at=due.first_action_due_at,
        resolution_due_at=due.resolution_due_at,
        escalation_level=0,
        resolution="",
        reopen_count=0,
    )
    session.add(case)
    session.flush()
    add_event(
        session,
        case.id,
        CaseEventKind.OPENED,
        actor=Party.SYSTEM,
        clock=clock,
        details={
            "reasons": case.reasons,
            "priority": decision.priority.value,
            "keywords": list(decision.matched_keywords),
            "options": list(decision.matched_options),
        },
    )
    if settings is not None and settings.round_robin:
        assignment.assign_round_robin(session, case, settings, clock=clock)
    session.flush()
    log.info("Case %s opened for response %s (%s)", case.id, response.id, case.reasons)
    return case


def _update_existing(session: Session, row: Row[Any], decision: CaseDecision) -> None:
    reasons = list(row.case_reasons or [])
    added = [reason.value for reason in decision.reasons if reason.value not in reasons]
    current = row.case_priority
    higher = PRIORITY_ORDER.index(decision.priority) > PRIORITY_ORDER.index(current)
    if not added and not higher:
        return
    # Bumping the version makes a staff member's form loaded before this change stale.
    session.execute(
        update(Case)
        .where(Case.id == row.case_id)
        .values(
            reasons=reasons + added,
            priority=decision.priority if higher else current,
            version=Case.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    log.info("Case %s gained %s", row.case_id, added or decision.priority)
