"""Customers answering: provisional scores, steps, one response per invitation, scanners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import NpsCategory
from surveyapp.models import Response, ResponseStatus
from surveyapp.services import answering, invitations
from surveyapp.services.answering import Steps
from surveyapp.services.errors import NotFound, ValidationFailed
from tests.factories import make_published_survey, make_user


def _invitation(session: Session, clock: FixedClock) -> str:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, actor=owner)
    created = invitations.create_test_invitation(
        session, survey.id, locale="de", clock=clock, actor=owner
    )
    return created.token


def _responses(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Response)) or 0


def test_rating_counts_when_submitted_and_follow_ups_update_it(
    session: Session, clock: FixedClock
) -> None:
    token = _invitation(session, clock)
    target = answering.target_for_invitation(session, token, clock=clock)
    response = answering.submit_answers(
        session, target, {"score": ["4"]}, steps=Steps.FIRST, locale="de", clock=clock
    )
    assert response.status == ResponseStatus.PARTIAL
    assert response.nps_category == NpsCategory.DETRACTOR
    assert response.is_unhappy
    assert [q.key for q in answering.next_questions(target.definition, response)] == [
        "improve",
        "contact",
    ]
    clock.advance(timedelta(minutes=2))
    again = answering.submit_answers(
        session,
        target,
        {"improve": ["Too slow"], "contact": ["yes"]},
        steps=Steps.SECOND,
        locale="de",
        clock=clock,
    )
    assert again.id == response.id
    assert again.status == ResponseStatus.COMPLETE
    assert again.has_comment
    assert again.contact_requested
    assert again.answers == {"score": 4, "improve": "Too slow", "contact": True}
    assert _responses(session) == 1


def test_rejected_submit_stores_nothing(session: Session, clock: FixedClock) -> None:
    token = _invitation(session, clock)
    target = answering.target_for_invitation(session, token, clock=clock)
    for bad in (
        {"score": ["11"]},
        {"score": ["-1"]},
        {"score": [""]},
        {"score": ["3"], "improve": ["x" * 5001]},
    ):
        with pytest.raises(ValidationFailed):
            answering.submit_answers(
                session, target, bad, steps=Steps.ALL, locale="en", clock=clock
            )
    assert _responses(session) == 0


def test_edit_window_closes_after_the_first_submit(session: Session, clock: FixedClock) -> None:
    token = _invitation(session, clock)
    target = answering.target_for_invitation(session, token, clock=clock)
    answering.submit_answers(
        session, target, {"score": ["9"]}, steps=Steps.ALL, locale="en", clock=clock
    )
    clock.advance(timedelta(hours=23))
    changed = answering.submit_answers(
        session, target, {"score": ["10"]}, steps=Steps.ALL, locale="en", clock=clock
    )
    assert changed.score == 10
    clock.advance(timedelta(hours=2))
    with pytest.raises(answering.AlreadyAnswered):
        answering.submit_answers(
            session, target, {"score": ["2"]}, steps=Steps.ALL, locale="en", clock=clock
        )


def test_provisional_score_is_kept_until_submitted_and_voided_by_scanner_signals(
    session: Session, clock: FixedClock
) -> None:
    token = _invitation(session, clock)
    target = answering.target_for_invitation(session, token, clock=clock)
    invitation = target.invitation
    assert invitation is not None
    invitations.record_fetch(session, invitation, score=8, is_trap=False, clock=clock)
    response = answering.record_provisional_score(session, target, 8, locale="en", clock=clock)
    assert response is not None
    assert response.status == ResponseStatus.PROVISIONAL
    assert response.submitted_at is None

    clock.advance(timedelta(seconds=3))
    invitations.record_fetch(session, invitation, score=2, is_trap=False, clock=clock)
    assert response.status == ResponseStatus.VOIDED
    assert answering.record_provisional_score(session, target, 5, locale="en", clock=clock) is None


def test_submitted_score_survives_a_later_scanner_signal(
    session: Session, clock: FixedClock
) -> None:
    token = _invitation(session, clock)
    target = answering.target_for_invitation(session, token, clock=clock)
    assert target.invitation is not None
    response = answering.submit_answers(
        session, target, {"score": ["10"]}, steps=Steps.ALL, locale="en", clock=clock
    )
    invitations.record_fetch(session, target.invitation, score=None, is_trap=True, clock=clock)
    assert response.status == ResponseStatus.COMPLETE


def test_unknown_and_expired_tokens(session: Session, clock: FixedClock) -> None:
    token = _invitation(session, clock)
    with pytest.raises(NotFound):
        answering.target_for_invitation(session, token + "x", clock=clock)
    clock.advance(invitations.TEST_INVITATION_LIFETIME + timedelta(seconds=1))
    with pytest.raises(invitations.InvitationExpired):
        answering.target_for_invitation(session, token, clock=clock)


def test_anonymous_link_only_when_switched_on(session: Session, clock: FixedClock) -> None:
    survey, _ = make_published_survey(session, link_enabled=False)
    with pytest.raises(NotFound):
        answering.target_for_link(session, survey.link_slug, anonymous_key="k1")
    survey.link_enabled = True
    target = answering.target_for_link(session, survey.link_slug, anonymous_key="k1")
    first = answering.submit_answers(
        session, target, {"score": ["7"]}, steps=Steps.FIRST, locale="en", clock=clock
    )
    second = answering.submit_answers(
        session, target, {"liked": ["Fast"]}, steps=Steps.SECOND, locale="en", clock=clock
    )
    assert first.id == second.id
    assert second.channel == "link"
