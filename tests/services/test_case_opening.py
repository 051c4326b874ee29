"""Answers open follow-up cases: rules, priority, routing, round-robin, one per response."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import CaseMailKind
from surveyapp.domain.case_rules import CasePriority, CaseReason, ScoreBand
from surveyapp.domain.case_states import CaseEventKind, CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import Case, CaseEvent, CaseMail, Channel, Response, ResponseStatus
from surveyapp.services import answering, invitations
from surveyapp.services.answering import Steps
from surveyapp.services.cases import opening, settings
from surveyapp.services.cases.settings import RuleSettings, TeamSettings
from tests.factories import (
    answer_invitation,
    case_of,
    make_case_setup,
    make_published_survey,
    make_response,
    make_team,
    make_user,
)


@contextmanager
def counted(connection: Connection) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def test_a_detractor_opens_a_new_case_in_the_touchpoint_team(
    session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    response = answer_invitation(session, clock, "T-1", score=3, comment="Nobody called back")
    case = case_of(session, response)
    assert case is not None
    assert case.status == CaseStatus.NEW
    assert case.team_id == setup.team.id
    assert case.touchpoint_id == setup.touchpoint.id
    assert case.contact_id is not None
    assert case.owner_id is None
    assert case.priority == CasePriority.HIGH
    assert case.score_band == ScoreBand.VERY_UNHAPPY
    assert case.reasons == [CaseReason.SCORE]
    # The default SLA: 24 and 72 calendar hours.
    assert case.first_action_due_at == clock.now() + timedelta(hours=24)
    assert case.resolution_due_at == clock.now() + timedelta(hours=72)
    (opened,) = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert opened.kind == CaseEventKind.OPENED
    assert opened.actor_label == "system"


def test_happy_and_passive_answers_open_nothing(session: Session, clock: FixedClock) -> None:
    make_case_setup(session, clock)
    for number, score in enumerate((7, 8, 9, 10)):
        assert (
            case_of(session, answer_invitation(session, clock, f"H-{number}", score=score)) is None
        )


def test_please_contact_me_always_opens_a_case(session: Session, clock: FixedClock) -> None:
    setup = make_case_setup(session, clock)
    admin = make_user(session, role=Role.CX_OWNER)
    off = RuleSettings(is_active=False)
    settings.save_rule(session, off, touchpoint_id=setup.touchpoint.id, clock=clock, actor=admin)
    assert case_of(session, answer_invitation(session, clock, "P-1", score=2)) is None
    response = answer_invitation(session, clock, "P-2", score=5, contact_me=True)
    case = case_of(session, response)
    assert case is not None
    assert case.reasons == [CaseReason.CONTACT_REQUEST]


def test_a_touchpoint_rule_beats_the_survey_rule(session: Session, clock: FixedClock) -> None:
    setup = make_case_setup(session, clock)
    owner = make_user(session, role=Role.CX_OWNER)
    response = answer_invitation(session, clock, "R-0", score=5)
    survey_id = response.survey_version.survey_id
    strict = RuleSettings(nps_max=2)
    settings.save_rule(session, strict, survey_id=survey_id, clock=clock, actor=owner)
    assert case_of(session, answer_invitation(session, clock, "R-1", score=5)) is None
    keywords = RuleSettings(nps_max=None, keywords=("refund",))
    settings.save_rule(
        session, keywords, touchpoint_id=setup.touchpoint.id, clock=clock, actor=owner
    )
    assert case_of(session, answer_invitation(session, clock, "R-2", score=1)) is None
    wants_money = answer_invitation(session, clock, "R-3", score=8, comment="I want a REFUND")
    case = case_of(session, wants_money)
    assert case is not None
    assert case.reasons == [CaseReason.KEYWORD]
    assert case.priority == CasePriority.LOW


def test_priority_rises_for_valuable_contacts(session: Session, clock: FixedClock) -> None:
    setup = make_case_setup(session, clock)
    owner = make_user(session, role=Role.CX_OWNER)
    gold = RuleSettings(priority_attribute="tier", priority_values=("gold",))
    settings.save_rule(session, gold, touchpoint_id=setup.touchpoint.id, clock=clock, actor=owner)
    response = answer_invitation(session, clock, "V-1", score=5, attributes={"tier": "Gold"})
    case = case_of(session, response)
    assert case is not None
    assert case.priority == CasePriority.HIGH


def test_one_case_per_response_across_both_steps(session: Session, clock: FixedClock) -> None:
    make_case_setup(session, clock)
    first = answer_invitation(session, clock, "S-1", score=5)
    case = case_of(session, first)
    assert case is not None
    version = case.version
    target = answering.target_for_invitation(session, _token_of(session, first), clock=clock)
    answering.submit_answers(
        session, target, {"contact": ["yes"]}, steps=Steps.SECOND, locale="en", clock=clock
    )
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    case = case_of(session, first)
    assert case is not None
    assert case.reasons == [CaseReason.SCORE, CaseReason.CONTACT_REQUEST]
    assert case.version == version + 1


def _token_of(session: Session, response: Response) -> str:
    from surveyapp.domain.tokens import generate_token, hash_token  # noqa: PLC0415

    token = generate_token()
    assert response.invitation is not None
    response.invitation.token_hash = hash_token(token)
    session.flush()
    return token


def test_provisional_voided_and_test_answers_never_open_cases(
    session: Session, clock: FixedClock
) -> None:
    make_case_setup(session, clock)
    _, version = make_published_survey(session, name="Links")
    from surveyapp.domain.survey_definition import from_document  # noqa: PLC0415

    definition = from_document(version.definition)
    for status, channel in (
        (ResponseStatus.PROVISIONAL, Channel.LINK),
        (ResponseStatus.VOIDED, Channel.EMAIL),
        (ResponseStatus.COMPLETE, Channel.TEST),
    ):
        response = make_response(session, version, score=0, channel=channel)
        response.status = status
        session.flush()
        assert opening.open_for_response(session, response, definition, clock=clock) is None
    owner = make_user(session, role=Role.CX_OWNER)
    survey_id = version.survey_id
    test_link = invitations.create_test_invitation(
        session, survey_id, locale="en", clock=clock, actor=owner
    )
    target = answering.target_for_invitation(session, test_link.token, clock=clock)
    answering.submit_answers(
        session, target, {"score": ["0"]}, steps=Steps.ALL, locale="en", clock=clock
    )
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_an_anonymous_link_answer_goes_to_the_survey_rule_team(
    session: Session, clock: FixedClock
) -> None:
    team = make_team(session)
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, name="Website", link_enabled=True)
    routed = RuleSettings(team_id=team.id)
    settings.save_rule(session, routed, survey_id=survey.id, clock=clock, actor=owner)
    target = answering.target_for_link(session, survey.link_slug, anonymous_key="browser-1")
    response = answering.submit_answers(
        session, target, {"score": ["2"]}, steps=Steps.ALL, locale="en", clock=clock
    )
    case = case_of(session, response)
    assert case is not None
    assert case.team_id == team.id
    assert case.contact_id is None
    assert case.touchpoint_id is None


def test_round_robin_spreads_cases_and_respects_the_maximum(
    session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock, agents=2)
    make_user(session, role=Role.AGENT, teams=[setup.team], is_active=False)
    policy = TeamSettings(round_robin=True, max_open_per_agent=2)
    settings.save_team_settings(session, setup.team.id, policy, clock=clock, actor=setup.manager)
    owners = []
    for number in range(5):
        case = case_of(session, answer_invitation(session, clock, f"RR-{number}", score=4))
        assert case is not None
        owners.append(case.owner_id)
    first, second = (agent.id for agent in setup.agents)
    assert owners == [first, second, first, second, None]
    notices = session.scalars(select(CaseMail).where(CaseMail.kind == CaseMailKind.ASSIGNED)).all()
    assert sorted(mail.recipient for mail in notices) == sorted([a.email for a in setup.agents] * 2)


def test_team_working_hours_set_the_due_times(session: Session, clock: FixedClock) -> None:
    setup = make_case_setup(session, clock)
    policy = TeamSettings(
        first_action_hours=4,
        resolution_hours=16,
        uses_working_hours=True,
        timezone="Europe/Berlin",
    )
    settings.save_team_settings(session, setup.team.id, policy, clock=clock, actor=setup.manager)
    clock.advance(timedelta(hours=6))  # Monday 2 March 2026, 15:00 UTC = 16:00 CET
    case = case_of(session, answer_invitation(session, clock, "W-1", score=3))
    assert case is not None
    assert case.first_action_due_at == datetime(2026, 3, 3, 11, tzinfo=UTC)
    assert case.resolution_due_at == datetime(2026, 3, 4, 15, tzinfo=UTC)


def test_the_answer_path_costs_one_query_without_a_case(
    session: Session, clock: FixedClock, connection: Connection
) -> None:
    make_case_setup(session, clock)
    baseline = answer_invitation(session, clock, "Q-0", score=9)
    definition = answering.target_for_invitation(
        session, _token_of(session, baseline), clock=clock
    ).definition
    with counted(connection) as statements:
        assert opening.open_for_response(session, baseline, definition, clock=clock) is None
    assert len(statements) == 1
    unhappy = answer_invitation(session, clock, "Q-1", score=9)
    unhappy.answers = {"score": 2}
    unhappy.score = 2
    session.flush()
    with counted(connection) as statements:
        assert opening.open_for_response(session, unhappy, definition, clock=clock) is not None
    assert len(statements) == 3  # the decision, the case, its first timeline entry


@pytest.mark.parametrize("score", [0, 6])
def test_detractor_bounds(session: Session, clock: FixedClock, score: int) -> None:
    make_case_setup(session, clock)
    assert case_of(session, answer_invitation(session, clock, "B-1", score=score)) is not None
