"""Reading touchpoints and interactions for staff pages, dry runs, and editing journey stages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentSource
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent, Invitation, Survey, Touchpoint, TriggerRule, User
from surveyapp.services import (
    consent,
    contacts,
    interaction_history,
    journey_stages,
    touchpoints,
    trigger_rules,
)
from surveyapp.services.contacts import ContactData
from surveyapp.services.errors import NotFound, ValidationFailed
from surveyapp.services.touchpoints import DEFAULT_STAGES, InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from tests.factories import make_published_survey, make_team, make_user


@pytest.fixture
def owner(session: Session) -> User:
    return make_user(session, role=Role.CX_OWNER)


@pytest.fixture
def touchpoint(session: Session, clock: FixedClock, owner: User) -> Touchpoint:
    return touchpoints.create_touchpoint(
        session,
        key="support.ticket_closed",
        name="Ticket closed",
        stage_key="support",
        clock=clock,
        actor=owner,
    )


@pytest.fixture
def survey(session: Session, owner: User) -> Survey:
    return make_published_survey(session, actor=owner)[0]


def _rule(
    session: Session, clock: FixedClock, touchpoint: Touchpoint, survey: Survey, **fields: object
) -> TriggerRule:
    settings = RuleSettings(
        name="After tickets",
        touchpoint_id=touchpoint.id,
        survey_id=survey.id,
        **fields,  # type: ignore[arg-type]
    )
    return trigger_rules.save_rule(session, settings, clock=clock, actor=None)


def _interaction(session: Session, clock: FixedClock, key: str, contact: str) -> int:
    data = InteractionData(
        idempotency_key=key,
        touchpoint_key="support.ticket_closed",
        contact=ContactData(contact, email=f"{contact.lower()}@example.com"),
        occurred_at=clock.now(),
        attributes={"queue": "billing"},
    )
    return touchpoints.record_interaction(session, data, clock=clock).interaction.id


def _grant(session: Session, clock: FixedClock, external_id: str) -> None:
    contact = contacts.find_by_external_id(session, external_id)
    assert contact is not None
    consent.record_event(
        session,
        contact,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.GRANTED,
        source=ConsentSource.API,
        clock=clock,
    )


def _invitations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Invitation)) or 0


def test_touchpoints_are_grouped_by_stage_in_journey_order(
    session: Session, clock: FixedClock, touchpoint: Touchpoint, survey: Survey
) -> None:
    team = make_team(session, name="Support desk")
    other = touchpoints.create_touchpoint(
        session, key="misc.other", name="Other", team_id=team.id, clock=clock, actor=None
    )
    _rule(session, clock, touchpoint, survey)
    _rule(session, clock, touchpoint, survey, is_active=False)
    _rule(session, clock, touchpoint, survey, priority=5)

    groups = interaction_history.touchpoints_by_stage(session)

    assert [g.stage.key if g.stage else None for g in groups] == [
        *(key for key, _ in DEFAULT_STAGES),
        None,
    ]
    support = next(g for g in groups if g.stage and g.stage.key == "support")
    assert [(s.touchpoint.key, s.active_rules) for s in support.touchpoints] == [
        ("support.ticket_closed", 2)
    ]
    assert groups[-1].touchpoints[0].touchpoint.id == other.id
    assert groups[-1].touchpoints[0].team_name == "Support desk"
    assert groups[-1].touchpoints[0].active_rules == 0


def test_recent_interactions_come_newest_first_with_their_invitation(
    session: Session, clock: FixedClock, touchpoint: Touchpoint, survey: Survey
) -> None:
    first = _interaction(session, clock, "T-1", "C-1")  # before any rule: no invitation
    _rule(session, clock, touchpoint, survey)
    clock.advance(timedelta(minutes=5))
    second = _interaction(session, clock, "T-2", "C-2")

    entries = interaction_history.recent_interactions(session, touchpoint.id)

    assert [e.interaction.id for e in entries] == [second, first]
    assert entries[0].invitation is not None
    assert entries[0].invitation.suppression_reasons == ["no_consent"]
    assert entries[1].invitation is None
    assert len(interaction_history.recent_interactions(session, touchpoint.id, limit=1)) == 1


def test_dry_run_decides_without_storing_and_counts_by_reason(
    session: Session, clock: FixedClock, touchpoint: Touchpoint, survey: Survey
) -> None:
    for number in (1, 2, 3):
        _interaction(session, clock, f"T-{number}", f"C-{number}")
    _grant(session, clock, "C-1")
    _grant(session, clock, "C-2")
    rule = _rule(session, clock, touchpoint, survey, is_active=False, delay_minutes=0)
    session.commit()
    before = _invitations(session)

    result = interaction_history.dry_run(session, rule.id, clock=clock)

    assert (result.queued, result.suppressed) == (2, 1)
    assert result.by_reason == [("no_consent", 1)]
    assert all(row.existing is None for row in result.rows)
    queued = [row for row in result.rows if row.decision.is_queued]
    assert {row.interaction.contact.external_id for row in queued} == {"C-1", "C-2"}
    assert all(row.decision.send_at == clock.now() for row in queued)
    assert not session.new
    assert not session.dirty
    session.rollback()
    assert _invitations(session) == before


def test_story_says_why_there_is_no_invitation(
    session: Session, clock: FixedClock, touchpoint: Touchpoint, survey: Survey
) -> None:
    interaction_id = _interaction(session, clock, "T-1", "C-1")
    story = interaction_history.interaction_story(session, interaction_id)
    assert story.invitation is None
    assert story.missing_reason == "no_active_rule"
    assert story.policy is None

    clock.advance(timedelta(minutes=1))
    _rule(session, clock, touchpoint, survey)
    story = interaction_history.interaction_story(session, interaction_id)
    assert story.missing_reason == "rule_added_later"
    assert story.policy is not None

    with pytest.raises(NotFound):
        interaction_history.interaction_story(session, 999_999)


def test_story_of_a_suppressed_invitation_names_its_rule_and_policy(
    session: Session, clock: FixedClock, touchpoint: Touchpoint, survey: Survey
) -> None:
    rule = _rule(session, clock, touchpoint, survey)
    interaction_id = _interaction(session, clock, "T-1", "C-1")
    story = interaction_history.interaction_story(session, interaction_id)
    assert story.invitation is not None
    assert story.rule is not None
    assert story.rule.id == rule.id
    assert story.survey_name == survey.name
    assert story.policy == consent.policy_for(session, ConsentChannel.EMAIL)
    assert story.missing_reason is None


def test_standard_stages_are_listed_before_any_is_stored(session: Session) -> None:
    stages = journey_stages.list_stages(session)
    assert [(s.key, s.id) for s in stages] == [(key, None) for key, _ in DEFAULT_STAGES]


def test_stages_are_added_at_the_end_renamed_and_moved(
    session: Session, clock: FixedClock, owner: User
) -> None:
    added = journey_stages.add_stage(session, name="Weiterempfehlung", clock=clock, actor=owner)
    assert added.key == "weiterempfehlung"
    assert journey_stages.list_stages(session)[-1].key == "weiterempfehlung"

    journey_stages.rename_stage(
        session, "weiterempfehlung", name="  Advocacy ", clock=clock, actor=owner
    )
    journey_stages.move_stage(session, "weiterempfehlung", direction="up", clock=clock, actor=owner)
    keys = [s.key for s in journey_stages.list_stages(session)]
    assert keys[-2:] == ["weiterempfehlung", "cancellation"]
    assert journey_stages.list_stages(session)[-2].name == "Advocacy"

    journey_stages.move_stage(session, "awareness", direction="up", clock=clock, actor=owner)
    assert journey_stages.list_stages(session)[0].key == "awareness"  # already first
    journey_stages.move_stage(session, "awareness", direction="down", clock=clock, actor=owner)
    assert [s.key for s in journey_stages.list_stages(session)][:2] == ["purchase", "awareness"]

    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith("stage.")] == [
        "stage.added",
        "stage.renamed",
        "stage.moved",
        "stage.moved",
    ]


def test_bad_stage_input_is_refused_on_its_field(
    session: Session, clock: FixedClock, owner: User
) -> None:
    with pytest.raises(ValidationFailed) as taken:
        journey_stages.add_stage(session, name="Support", clock=clock, actor=owner)
    assert "key" in taken.value.field_errors
    with pytest.raises(ValidationFailed) as bad_key:
        journey_stages.add_stage(session, name="X", key="Not ok!", clock=clock, actor=owner)
    assert "key" in bad_key.value.field_errors
    with pytest.raises(ValidationFailed) as empty:
        journey_stages.rename_stage(session, "support", name="  ", clock=clock, actor=owner)
    assert "name" in empty.value.field_errors
    with pytest.raises(NotFound):
        journey_stages.move_stage(session, "nowhere", direction="up", clock=clock, actor=owner)
