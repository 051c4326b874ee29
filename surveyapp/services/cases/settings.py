"""Case settings (service layer): case rules per survey or touchpoint, and team SLAs.

CX owners and admins edit both. The answer path does not come here: ``opening`` reads the
rules and the team's SLA in its own single query and converts the row with ``criteria_of``
and ``targets_of``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_rules import DEFAULT_CRITERIA, CaseCriteria
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import CHOICE_TYPES
from surveyapp.domain.sla import SlaTargets, WorkingHours
from surveyapp.domain.survey_definition import from_document
from surveyapp.models import (
    CaseRule,
    Survey,
    SurveyVersion,
    Team,
    TeamCaseSettings,
    Touchpoint,
    TriggerRule,
    User,
)
from surveyapp.services import audit
from surveyapp.services.cases.access import team_ids
from surveyapp.services.errors import NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

DEFAULT_TARGETS = SlaTargets()  # 24 h to the first action, 72 h to the resolution, calendar
MAX_SLA_HOURS = 24 * 90


@dataclass(frozen=True)
class RuleSettings:
    """A case rule as a form gives it; ``None`` thresholds mean "this scale never opens"."""

    is_active: bool = True
    nps_max: int | None = DEFAULT_CRITERIA.nps_max
    csat_max: int | None = DEFAULT_CRITERIA.csat_max
    ces_max: int | None = DEFAULT_CRITERIA.ces_max
    options: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    priority_attribute: str | None = None
    priority_values: tuple[str, ...] = ()
    team_id: int | None = None


@dataclass(frozen=True)
class TeamSettings:
    """A team's SLA and assignment settings as a form gives them."""

    first_action_hours: int = 24
    resolution_hours: int = 72
    uses_working_hours: bool = False
    timezone: str = "UTC"
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    day_start: str = "09:00"
    day_end: str = "17:00"
    holidays: tuple[date, ...] = field(default_factory=tuple)
    escalation_grace_hours: int = 4
    round_robin: bool = False
    max_open_per_agent: int | None = None


def criteria_of(rule: CaseRule | None) -> CaseCriteria:
    """The domain criteria of ``rule`` (the defaults without one)."""
    if rule is None:
        return DEFAULT_CRITERIA
    return CaseCriteria(
        nps_max=rule.nps_max,
        csat_max=rule.csat_max,
        ces_max=rule.ces_max,
        options=frozenset(rule.options),
        keywords=tuple(rule.keywords),
        priority_attribute=rule.priority_attribute,
        priority_values=frozenset(rule.priority_values),
        is_active=rule.is_active,
    )


def targets_of(settings: TeamCaseSettings | None) -> SlaTargets:
    """The SLA targets of a team's settings (the defaults without any)."""
    if settings is None:
        return DEFAULT_TARGETS
    hours = None
    if settings.uses_working_hours:
        hours = WorkingHours(
            timezone=settings.timezone,
            days=frozenset(settings.working_days),
            start=time.fromisoformat(settings.day_start),
            end=time.fromisoformat(settings.day_end),
            holidays=frozenset(date.fromisoformat(day) for day in settings.holidays),
        )
    return SlaTargets(settings.first_action_hours, settings.resolution_hours, hours)


def find_rule(
    session: Session, *, survey_id: int | None = None, touchpoint_id: int | None = None
) -> CaseRule | None:
    """The rule of one survey or one touchpoint (give exactly one), if it has its own."""
    if (survey_id is None) == (touchpoint_id is None):
        raise ValueError("give a survey or a touchpoint")
    if survey_id is not None:
        query = select(CaseRule).where(CaseRule.survey_id == survey_id)
    else:
        query = select(CaseRule).where(CaseRule.touchpoint_id == touchpoint_id)
    return session.scalars(query).one_or_none()


def list_rules(session: Session) -> Sequence[CaseRule]:
    """Every survey's and touchpoint's own case rule."""
    return session.scalars(select(CaseRule).order_by(CaseRule.id)).all()


def save_rule(
    session: Session,
    settings: RuleSettings,
    *,
    survey_id: int | None = None,
    touchpoint_id: int | None = None,
    clock: Clock,
    actor: User | None,
) -> CaseRule:
    """Create or replace the case rule of a survey or a touchpoint (exactly one).

    Raises ``NotFound`` for an unknown survey, touchpoint or team and ``ValidationFailed``
    for a threshold off its scale. Records ``case_rule.saved``. Flushes.
    """
    if survey_id is not None and session.get(Survey, survey_id) is None:
        raise NotFound(N_("This survey does not exist."))
    if touchpoint_id is not None and session.get(Touchpoint, touchpoint_id) is None:
        raise NotFound(N_("This touchpoint does not exist."))
    if settings.team_id is not None and session.get(Team, settings.team_id) is None:
        raise ValidationFailed.on_field("team_id", N_("Choose a team from the list."))
    _check_thresholds(settings)
    rule = find_rule(session, survey_id=survey_id, touchpoint_id=touchpoint_id)
    now = clock.now()
    if rule is None:
        rule = CaseRule(survey_id=survey_id, touchpoint_id=touchpoint_id, created_at=now)
        session.add(rule)
    rule.is_active = settings.is_active
    rule.nps_max, rule.csat_max, rule.ces_max = (
        settings.nps_max,
        settings.csat_max,
        settings.ces_max,
    )
    rule.options = sorted(set(settings.options))
    rule.keywords = list(settings.keywords)
    rule.priority_attribute = (settings.priority_attribute or "").strip() or None
    rule.priority_values = [v.strip() for v in settings.priority_values if v.strip()]
    rule.team_id = settings.team_id
    rule.updated_at = now
    session.flush()
    scope = {"survey_id": survey_id} if survey_id is not None else {"touchpoint_id": touchpoint_id}
    audit.record(session, "case_rule.saved", clock=clock, actor=actor, target=rule, details=scope)
    log.info("Case rule %s saved for %s", rule.id, scope)
    return rule


def get_team(session: Session, team_id: int) -> Team:
    """The team with ``team_id`` or ``NotFound``."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(N_("This team does not exist."))
    return team


def find_team_settings(session: Session, team_id: int) -> TeamCaseSettings | None:
    """A team's own SLA settings, if it has any (otherwise the defaults apply)."""
    return session.get(TeamCaseSettings, team_id)


def save_team_settings(
    session: Session, team_id: int, settings: TeamSettings, *, clock: Clock, actor: User | None
) -> TeamCaseSettings:
    """Create or replace a team's SLA and assignment settings.

    Due times of cases already open stay as they were (they were promised when the case
    opened); new cases use the new targets. Raises ``NotFound`` for an unknown team,
    ``PermissionDenied`` for a manager of another team and ``ValidationFailed`` per field.
    Records ``team_sla.saved``. Flushes.
    """
    if session.get(Team, team_id) is None:
        raise NotFound(N_("This team does not exist."))
    if actor is not None and actor.role == Role.MANAGER and team_id not in team_ids(actor):
        raise PermissionDenied(N_("Managers set the case settings of their own teams only."))
    _check_team_settings(settings)
    row = session.get(TeamCaseSettings, team_id)
    if row is None:
        row = TeamCaseSettings(team_id=team_id)
        session.add(row)
    values: dict[str, Any] = {
        "first_action_hours": settings.first_action_hours,
        "resolution_hours": settings.resolution_hours,
        "uses_working_hours": settings.uses_working_hours,
        "timezone": settings.timezone,
        "working_days": sorted(set(settings.working_days)),
        "day_start": settings.day_start,
        "day_end": settings.day_end,
        "holidays": sorted(day.isoformat() for day in set(settings.holidays)),
        "escalation_grace_hours": settings.escalation_grace_hours,
        "round_robin": settings.round_robin,
        "max_open_per_agent": settings.max_open_per_agent,
        "updated_at": clock.now(),
    }
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    audit.record(session, "team_sla.saved", clock=clock, actor=actor, details={"team": team_id})
    log.info("Case settings of team %s saved", team_id)
    return row


def _check_thresholds(settings: RuleSettings) -> None:
    limits = {"nps_max": (0, 10), "csat_max": (1, 5), "ces_max": (1, 7)}
    errors = {}
    for name, (low, high) in limits.items():
        value = getattr(settings, name)
        if value is not None and not low <= value <= high:
            errors[name] = N_("Choose a score on the scale, or leave it empty.")
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), errors)


def _check_team_settings(settings: TeamSettings) -> None:
    errors: dict[str, str] = {}
    for name in ("first_action_hours", "resolution_hours"):
        if not 1 <= getattr(settings, name) <= MAX_SLA_HOURS:
            errors[name] = N_("Give between 1 and 2,160 hours.")
    if settings.first_action_hours > settings.resolution_hours and not errors:
        errors["resolution_hours"] = N_("The resolution cannot be due before the first action.")
    if not 0 <= settings.escalation_grace_hours <= MAX_SLA_HOURS:
        errors["escalation_grace_hours"] = N_("Give between 0 and 2,160 hours.")
    if settings.max_open_per_agent is not None and settings.max_open_per_agent < 1:
        errors["max_open_per_agent"] = N_("Give at least 1, or leave it empty for no limit.")
    try:
        WorkingHours(
            timezone=settings.timezone,
            days=frozenset(settings.working_days),
            start=time.fromisoformat(settings.day_start),
            end=time.fromisoformat(settings.day_end),
        )
    except ValueError:
        errors["day_end"] = N_(
            "Give a known time zone, at least one working day, and a day that ends after it starts."
        )
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), errors)


@dataclass(frozen=True)
class SettingsOverview:
    """The case settings at a glance: teams with their SLA, surveys and touchpoints with rules."""

    teams: Sequence[tuple[Team, TeamCaseSettings | None]]
    surveys: Sequence[tuple[Survey, CaseRule | None]]
    touchpoints: Sequence[tuple[Touchpoint, CaseRule | None]]


def overview(session: Session) -> SettingsOverview:
    """Every team, survey and touchpoint with its own case settings (``None``: defaults)."""
    teams = session.execute(
        select(Team, TeamCaseSettings)
        .outerjoin(TeamCaseSettings, TeamCaseSettings.team_id == Team.id)
        .order_by(Team.name)
    ).all()
    rules = list_rules(session)
    by_survey = {rule.survey_id: rule for rule in rules if rule.survey_id is not None}
    by_touchpoint = {rule.touchpoint_id: rule for rule in rules if rule.touchpoint_id is not None}
    surveys = session.scalars(select(Survey).order_by(Survey.name)).all()
    touchpoints = session.scalars(select(Touchpoint).order_by(Touchpoint.name)).all()
    return SettingsOverview(
        teams=[(team, row) for team, row in teams],
        surveys=[(survey, by_survey.get(survey.id)) for survey in surveys],
        touchpoints=[(point, by_touchpoint.get(point.id)) for point in touchpoints],
    )


def option_choices(
    session: Session, *, survey_id: int | None = None, touchpoint_id: int | None = None
) -> list[tuple[str, str]]:
    """``("question_key:option_key", "question: option")`` for every choice a rule may name.

    From the newest published version of the survey, or of every survey the touchpoint's
    trigger rules send; labelled in English (the default wording) or the survey's default.
    """
    if touchpoint_id is not None:
        survey_ids = list(
            session.scalars(
                select(TriggerRule.survey_id).where(TriggerRule.touchpoint_id == touchpoint_id)
            )
        )
    else:
        survey_ids = [survey_id] if survey_id is not None else []
    choices: dict[str, str] = {}
    for sid in survey_ids:
        version = session.scalars(
            select(SurveyVersion)
            .where(SurveyVersion.survey_id == sid)
            .order_by(SurveyVersion.number.desc())
            .limit(1)
        ).first()
        if version is None:
            continue
        definition = from_document(version.definition)
        locale = definition.default_locale
        for question in definition.questions:
            if question.type not in CHOICE_TYPES:
                continue
            prompt = question.wording.get(locale)
            title = prompt.prompt if prompt and prompt.prompt else question.key
            for option in question.options:
                label = option.labels.get(locale) or option.key
                choices[f"{question.key}:{option.key}"] = f"{title}: {label}"
    return sorted(choices.items(), key=lambda item: item[1])
