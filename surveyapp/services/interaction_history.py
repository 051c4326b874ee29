"""Reading touchpoints, their rules and interactions for staff pages; dry runs of a rule.

Nothing here writes: the dry run calls ``planning.decide``, which stores nothing, so a CX owner
can see what a rule would do to recent traffic before switching it on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.i18n import N_
from surveyapp.models import Interaction, Invitation, Survey, Team, Touchpoint, TriggerRule
from surveyapp.services import consent, planning, surveys, trigger_rules
from surveyapp.services.errors import NotFound
from surveyapp.services.journey_stages import StageInfo, list_stages
from surveyapp.services.planning import Decision

DETAIL_INTERACTIONS = 50
DRY_RUN_INTERACTIONS = 100


@dataclass(frozen=True)
class TouchpointSummary:
    """A touchpoint with its owning team's name and how many of its rules are active."""

    touchpoint: Touchpoint
    team_name: str | None
    active_rules: int


@dataclass(frozen=True)
class StageGroup:
    """The touchpoints of one journey stage (``stage`` is ``None`` for those without one)."""

    stage: StageInfo | None
    touchpoints: list[TouchpointSummary]


@dataclass(frozen=True)
class RuleSummary:
    """A rule with the name of its survey and whether that survey has a published version."""

    rule: TriggerRule
    survey_name: str
    survey_published: bool


@dataclass(frozen=True)
class InteractionEntry:
    """An interaction and the invitation planned for it (``None`` when none was)."""

    interaction: Interaction
    invitation: Invitation | None


@dataclass(frozen=True)
class TouchpointPage:
    """Everything the touchpoint page shows."""

    touchpoint: Touchpoint
    team_name: str | None
    rules: list[RuleSummary]
    interactions: list[InteractionEntry]
    policies: dict[ConsentChannel, ConsentPolicy]


@dataclass(frozen=True)
class InteractionStory:
    """An interaction, its invitation and rule, and why nothing was planned if nothing was.

    ``missing_reason`` is ``None`` when there is an invitation, else one of ``no_active_rule``,
    ``survey_not_published``, ``rule_added_later`` or ``not_planned``.
    """

    interaction: Interaction
    invitation: Invitation | None
    rule: TriggerRule | None
    survey_name: str | None
    policy: ConsentPolicy | None
    missing_reason: str | None


@dataclass(frozen=True)
class DryRunRow:
    """What the rule would decide for one interaction, and what was planned for it before."""

    interaction: Interaction
    decision: Decision
    existing: Invitation | None


@dataclass(frozen=True)
class DryRun:
    """A rule's decisions for recent interactions, with the totals by outcome and reason."""

    rule: TriggerRule
    rows: list[DryRunRow]
    queued: int
    suppressed: int
    by_reason: list[tuple[str, int]]
    policy: ConsentPolicy


def get_touchpoint(session: Session, touchpoint_id: int) -> Touchpoint:
    """The touchpoint or ``NotFound``."""
    touchpoint = session.get(Touchpoint, touchpoint_id)
    if touchpoint is None:
        raise NotFound(N_("This touchpoint does not exist."))
    return touchpoint


def consent_policies(session: Session) -> dict[ConsentChannel, ConsentPolicy]:
    """The consent policy in force for each channel."""
    return {channel: consent.policy_for(session, channel) for channel in ConsentChannel}


def active_rule_counts(session: Session) -> dict[int, int]:
    """The number of active rules per touchpoint id (touchpoints without any are missing)."""
    query = (
        select(TriggerRule.touchpoint_id, func.count())
        .where(TriggerRule.is_active.is_(True))
        .group_by(TriggerRule.touchpoint_id)
    )
    return {row[0]: row[1] for row in session.execute(query)}


def touchpoints_by_stage(session: Session) -> list[StageGroup]:
    """Every stage in journey order with its touchpoints (by key), then those without a stage.

    Stages without touchpoints are listed too, so the whole journey is visible.
    """
    teams = {team.id: team.name for team in session.scalars(select(Team))}
    counts = active_rule_counts(session)
    grouped: dict[str | None, list[TouchpointSummary]] = {}
    query = select(Touchpoint).options(joinedload(Touchpoint.stage)).order_by(Touchpoint.key)
    for touchpoint in session.scalars(query):
        summary = TouchpointSummary(
            touchpoint,
            teams.get(touchpoint.team_id) if touchpoint.team_id else None,
            counts.get(touchpoint.id, 0),
        )
        grouped.setdefault(touchpoint.stage.key if touchpoint.stage else None, []).append(summary)
    groups = [StageGroup(stage, grouped.pop(stage.key, [])) for stage in list_stages(session)]
    leftover = [summary for items in grouped.values() for summary in items]
    if leftover:
        groups.append(StageGroup(None, sorted(leftover, key=lambda s: s.touchpoint.key)))
    return groups


def touchpoint_page(
    session: Session, touchpoint_id: int, *, limit: int = DETAIL_INTERACTIONS
) -> TouchpointPage:
    """The touchpoint, its team, its rules (best priority first) and its newest interactions."""
    touchpoint = get_touchpoint(session, touchpoint_id)
    team = session.get(Team, touchpoint.team_id) if touchpoint.team_id else None
    rules = trigger_rules.list_rules(session, touchpoint.id)
    return TouchpointPage(
        touchpoint=touchpoint,
        team_name=team.name if team else None,
        rules=[_summarise(session, rule) for rule in rules],
        interactions=recent_interactions(session, touchpoint.id, limit=limit),
        policies=consent_policies(session),
    )


def recent_interactions(
    session: Session, touchpoint_id: int, *, limit: int = DETAIL_INTERACTIONS
) -> list[InteractionEntry]:
    """The newest ``limit`` interactions of a touchpoint with their invitations, newest first."""
    query = (
        select(Interaction)
        .options(joinedload(Interaction.contact))
        .where(Interaction.touchpoint_id == touchpoint_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    interactions = session.scalars(query).all()
    invitations = _invitations_of(session, [interaction.id for interaction in interactions])
    return [InteractionEntry(i, invitations.get(i.id)) for i in interactions]


def invitation_for(session: Session, interaction_id: int) -> Invitation | None:
    """The invitation planned for an interaction (the first, should there be several)."""
    return _invitations_of(session, [interaction_id]).get(interaction_id)


def interaction_story(session: Session, interaction_id: int) -> InteractionStory:
    """The interaction with its invitation, rule, survey and the consent policy in force.

    ``NotFound`` for an unknown interaction.
    """
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound(N_("This interaction does not exist."))
    invitation = invitation_for(session, interaction.id)
    rule = None
    if invitation is not None and invitation.trigger_rule_id is not None:
        rule = session.get(TriggerRule, invitation.trigger_rule_id)
    active = planning.active_rules(session, interaction.touchpoint_id)
    channel = _channel(invitation, rule) or (active[0].channel if active else None)
    return InteractionStory(
        interaction=interaction,
        invitation=invitation,
        rule=rule,
        survey_name=invitation.survey_version.survey.name if invitation else None,
        policy=consent.policy_for(session, channel) if channel else None,
        missing_reason=None if invitation else _missing_reason(session, interaction, active),
    )


def dry_run(
    session: Session, rule_id: int, *, clock: Clock, limit: int = DRY_RUN_INTERACTIONS
) -> DryRun:
    """Decide ``rule`` (active or not) for the touchpoint's newest interactions; stores nothing.

    Recontact periods and the daily cap count the invitations already stored, including one
    planned for the same interaction; the dry run itself uses up no cap.
    """
    rule = trigger_rules.get_rule(session, rule_id)
    rows = []
    with session.no_autoflush:
        for entry in recent_interactions(session, rule.touchpoint_id, limit=limit):
            decision = planning.decide(session, entry.interaction, rule, clock=clock)
            rows.append(DryRunRow(entry.interaction, decision, entry.invitation))
    reasons = Counter(reason for row in rows for reason in row.decision.reasons)
    queued = sum(1 for row in rows if row.decision.is_queued)
    return DryRun(
        rule=rule,
        rows=rows,
        queued=queued,
        suppressed=len(rows) - queued,
        by_reason=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        policy=consent.policy_for(session, rule.channel),
    )


def survey_choices(session: Session) -> list[tuple[Survey, bool]]:
    """Active surveys by name, each with whether it has a published version."""
    published = set(session.scalars(select(Survey.id).join(Survey.versions).distinct()))
    return [(survey, survey.id in published) for survey in surveys.list_surveys(session)]


def _summarise(session: Session, rule: TriggerRule) -> RuleSummary:
    survey = session.get(Survey, rule.survey_id)
    return RuleSummary(
        rule,
        survey.name if survey else "",
        surveys.latest_version(session, rule.survey_id) is not None,
    )


def _invitations_of(session: Session, interaction_ids: Sequence[int]) -> dict[int, Invitation]:
    if not interaction_ids:
        return {}
    query = (
        select(Invitation)
        .where(Invitation.interaction_id.in_(interaction_ids))
        .order_by(Invitation.id.desc())
    )
    # Newest first: later (older) rows overwrite, so each interaction keeps its first invitation.
    return {inv.interaction_id: inv for inv in session.scalars(query) if inv.interaction_id}


def _channel(invitation: Invitation | None, rule: TriggerRule | None) -> ConsentChannel | None:
    if rule is not None:
        return rule.channel
    if invitation is not None:
        return ConsentChannel.WEB if invitation.channel == "web" else ConsentChannel.EMAIL
    return None


def _missing_reason(
    session: Session, interaction: Interaction, rules: Sequence[TriggerRule]
) -> str:
    if not rules:
        return "no_active_rule"
    if all(rule.updated_at > interaction.received_at for rule in rules):
        return "rule_added_later"
    if surveys.latest_version(session, rules[0].survey_id) is None:
        return "survey_not_published"
    return "not_planned"
