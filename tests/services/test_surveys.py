"""Designing and publishing surveys: drafts, versions, problems before publishing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import Question, Wording, from_document
from surveyapp.models import SurveyKind
from surveyapp.services import surveys
from surveyapp.services.errors import Conflict
from tests.factories import make_published_survey, make_user


def test_publishing_freezes_a_version_and_editing_makes_a_new_draft(
    session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, first = make_published_survey(session, actor=owner)
    assert first.number == 1
    assert not survey.has_unpublished_changes

    draft = surveys.draft_of(survey)
    rating = draft.questions[0]
    reworded = replace(
        rating,
        wording={
            **rating.wording,
            "en": replace(rating.wording["en"], prompt="Would you recommend us?"),
        },
    )
    surveys.save_question(session, survey.id, reworded, clock=clock, actor=owner)
    assert survey.has_unpublished_changes
    assert (
        from_document(first.definition).questions[0].wording["en"].prompt.startswith("How likely")
    )

    second = surveys.publish(session, survey.id, clock=clock, actor=owner)
    assert second.number == 2
    assert (
        from_document(second.definition).questions[0].wording["en"].prompt
        == "Would you recommend us?"
    )
    with pytest.raises(Conflict):
        surveys.publish(session, survey.id, clock=clock, actor=owner)


def test_missing_translation_blocks_publishing(session: Session, clock: FixedClock) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey = surveys.create_survey(
        session, name="Blank", kind=SurveyKind.RELATIONAL, template=None, clock=clock, actor=owner
    )
    with pytest.raises(surveys.PublishBlocked) as blocked:
        surveys.publish(session, survey.id, clock=clock, actor=owner)
    assert "Add at least one question." in [p.message for p in blocked.value.problems]

    question = Question(
        key="q1",
        type=QuestionType.CSAT,
        wording={"en": Wording("How satisfied are you?", "1 = very unhappy", "5 = very happy")},
    )
    surveys.save_question(session, survey.id, question, clock=clock, actor=owner)
    with pytest.raises(surveys.PublishBlocked) as blocked:
        surveys.publish(session, survey.id, clock=clock, actor=owner)
    assert {(p.locale, p.message) for p in blocked.value.problems} >= {
        ("de", "The question text is missing."),
        ("de", "The thank-you text is missing."),
    }
    assert surveys.latest_version(session, survey.id) is None


def test_questions_move_and_are_removed_from_the_draft_only(
    session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, version = make_published_survey(session, actor=owner)
    surveys.move_question(session, survey.id, "contact", -1, clock=clock, actor=owner)
    keys = [q.key for q in surveys.draft_of(survey).questions]
    assert keys == ["score", "improve", "contact", "liked"]
    surveys.remove_question(session, survey.id, "liked", clock=clock, actor=owner)
    assert [q.key for q in surveys.draft_of(survey).questions] == ["score", "improve", "contact"]
    assert len(from_document(version.definition).questions) == 4


def test_archived_surveys_cannot_be_edited(session: Session, clock: FixedClock) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, actor=owner)
    surveys.set_archived(session, survey.id, True, clock=clock, actor=owner)
    assert survey not in surveys.list_surveys(session)
    with pytest.raises(Conflict):
        surveys.publish(session, survey.id, clock=clock, actor=owner)
