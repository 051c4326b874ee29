"""Customers answering a survey: provisional scores, step-by-step answers, the edit window."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Text, bindparam, cast, select
from sqlalchemy.orm import Session

from surveyapp.domain.answers import check_answers, parse_score
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.scoring import QuestionType, derive_scores
from surveyapp.domain.survey_definition import Question, SurveyDefinition, from_document
from surveyapp.models import (
    Channel,
    Invitation,
    Response,
    ResponseStatus,
    Survey,
    SurveyStatus,
    SurveyVersion,
)
from surveyapp.services import invitations
from surveyapp.services.cases import answer_hooks as case_answer_hooks
from surveyapp.services.cases import opening as case_opening
from surveyapp.services.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)


class Steps(StrEnum):
    """Which questions a submit carries: the rating step, the follow-ups, or both (with JS)."""

    FIRST = "first"
    SECOND = "second"
    ALL = "all"


class AlreadyAnswered(Conflict):
    """The response can no longer be changed: its edit window has closed."""


@dataclass(frozen=True)
class VersionRef:
    """The published version a respondent answers: what the answering flow needs of it."""

    id: int
    survey_id: int
    number: int
    # The stored document as JSON text: equal texts show respondents the same survey.
    document_text: str


@dataclass(frozen=True)
class AnswerTarget:
    """What a respondent answers: a version, through an invitation or an anonymous link."""

    version: VersionRef
    definition: SurveyDefinition
    channel: Channel
    invitation: Invitation | None = None
    anonymous_key: str | None = None


def target_for_invitation(session: Session, token: str, *, clock: Clock) -> AnswerTarget:
    """The survey behind a personal link (``NotFound`` / ``InvitationExpired`` otherwise)."""
    invitation = invitations.find_by_token(session, token, clock=clock)
    version = invitation.survey_version
    text = json.dumps(version.definition, sort_keys=True)
    return AnswerTarget(
        version=VersionRef(version.id, version.survey_id, version.number, text),
        definition=_definition(text),
        channel=invitation.channel,
        invitation=invitation,
    )


@lru_cache(maxsize=256)
def _definition(document_text: str) -> SurveyDefinition:
    """Parsed once per process: published documents never change (shared, immutable)."""
    return from_document(json.loads(document_text))


# Every page view of an anonymous link starts here: built once, one query.
_NEWEST_LINKED_VERSION = (
    select(
        SurveyVersion.id,
        SurveyVersion.survey_id,
        SurveyVersion.number,
        cast(SurveyVersion.definition, Text),
    )
    .join(Survey, SurveyVersion.survey_id == Survey.id)
    .where(
        Survey.link_slug == bindparam("slug"),
        Survey.link_enabled.is_(True),
        Survey.status == SurveyStatus.ACTIVE,
    )
    .order_by(SurveyVersion.number.desc())
    .limit(1)
)


def target_for_link(
    session: Session | Connection, slug: str, *, anonymous_key: str | None
) -> AnswerTarget:
    """The newest version behind an anonymous link; ``NotFound`` if off or unpublished.

    Works on a plain ``Connection`` too: a first page view needs nothing of the ORM.
    """
    row = session.execute(_NEWEST_LINKED_VERSION, {"slug": slug}).first()
    if row is None:
        raise NotFound(N_("This survey link is not valid."))
    version = VersionRef(*row)
    return AnswerTarget(
        version=version,
        definition=_definition(version.document_text),
        channel=Channel.LINK,
        anonymous_key=anonymous_key,
    )


# Anonymous keys are per browser: the same browser may answer several surveys.
_ANONYMOUS_RESPONSE = (
    select(Response)
    .join(SurveyVersion, Response.survey_version_id == SurveyVersion.id)
    .where(
        Response.anonymous_key == bindparam("key"),
        SurveyVersion.survey_id == bindparam("survey_id"),
    )
)


def find_response(session: Session, target: AnswerTarget) -> Response | None:
    """The response this respondent already started, if any."""
    if target.invitation is not None:
        return target.invitation.response  # loaded with the invitation (find_by_token)
    if target.anonymous_key:
        parameters = {"key": target.anonymous_key, "survey_id": target.version.survey_id}
        return session.scalars(_ANONYMOUS_RESPONSE, parameters).one_or_none()
    return None


def is_locked(response: Response | None, definition: SurveyDefinition, *, clock: Clock) -> bool:
    """Whether the response's edit window (from its first submit) has closed."""
    if response is None or response.submitted_at is None:
        return False
    window = timedelta(minutes=definition.edit_window_minutes)
    return clock.now() > response.submitted_at + window


def record_provisional_score(
    session: Session, target: AnswerTarget, score: int, *, locale: str, clock: Clock
) -> Response | None:
    """Keep a score a person's browser has shown as provisional, unless it is a scanner's.

    Nothing is stored when the invitation's fetches look like a link scanner or a response was
    already submitted; a score off the scale raises ``ValidationFailed``. Flushes.
    """
    primary = _primary_rating(target.definition)
    checked = check_answers([primary], {primary.key: [str(score)]})
    if not checked.is_valid:
        raise ValidationFailed(checked.errors[primary.key], checked.errors)
    if target.invitation is not None and target.invitation.scanner_detected_at is not None:
        return None
    response = find_response(session, target)
    if response is not None and response.status != ResponseStatus.PROVISIONAL:
        return response
    response = response or _new_response(session, target, locale=locale, clock=clock)
    _apply(response, target.definition, {primary.key: checked.values[primary.key]}, clock)
    response.status = ResponseStatus.PROVISIONAL
    session.flush()
    return response


def submit_answers(
    session: Session,
    target: AnswerTarget,
    submitted: Mapping[str, Sequence[str]],
    *,
    steps: Steps,
    locale: str,
    clock: Clock,
) -> Response:
    """Store the answers of one step, or both; the rating counts as soon as it is submitted.

    A submitted answer that calls for a follow-up case opens it (``services.cases.opening``).
    Raises ``ValidationFailed`` (messages per question key) without storing anything, and
    ``AlreadyAnswered`` once the edit window closed. Flushes.
    """
    response = find_response(session, target)
    if is_locked(response, target.definition, clock=clock):
        raise AlreadyAnswered(N_("You have already answered this survey. Thank you!"))
    definition = target.definition
    answers = dict(response.answers) if response is not None else {}
    questions = _questions_for(definition, steps, submitted, answers)
    checked = check_answers(questions, submitted)
    if not checked.is_valid:
        raise ValidationFailed(N_("Please check the marked answers."), checked.errors)
    for question in questions:
        answers.pop(question.key, None)
    answers.update(checked.values)
    response = response or _new_response(session, target, locale=locale, clock=clock)
    response.locale = locale
    _apply(response, definition, answers, clock)
    response.status = _status_after(definition, answers, steps)
    if response.submitted_at is None:
        response.submitted_at = clock.now()
    session.flush()
    # Unhappy answers open a follow-up case (one query when they do not).
    case_opening.open_for_response(session, response, definition, clock=clock)
    # Re-survey answers tell their case whether the customer recovered; praise reaches agents.
    case_answer_hooks.after_answer(session, response, definition, clock=clock)
    log.debug("Response %s stored (%s)", response.id, response.status)
    return response


def next_questions(definition: SurveyDefinition, response: Response | None) -> tuple[Question, ...]:
    """The follow-up questions still to show after the rating step."""
    score = response.score if response is not None else None
    return definition.second_step(score)


def _questions_for(
    definition: SurveyDefinition,
    steps: Steps,
    submitted: Mapping[str, Sequence[str]],
    answers: Mapping[str, Any],
) -> tuple[Question, ...]:
    if steps == Steps.SECOND:
        primary = definition.primary_rating
        if primary is not None and primary.key not in answers:
            raise ValidationFailed(N_("Please choose a score first."))
        return definition.second_step(answers.get(primary.key) if primary else None)
    first = definition.first_step()
    if steps == Steps.FIRST:
        return first
    score = _submitted_score(definition, submitted)
    return (*first, *definition.second_step(score))


def _submitted_score(
    definition: SurveyDefinition, submitted: Mapping[str, Sequence[str]]
) -> int | None:
    primary = definition.primary_rating
    if primary is None:
        return None
    raw = [value for value in submitted.get(primary.key, ()) if value.strip()]
    return parse_score(raw[0]) if len(raw) == 1 else None


def _status_after(
    definition: SurveyDefinition, answers: Mapping[str, Any], steps: Steps
) -> ResponseStatus:
    primary = definition.primary_rating
    score = answers.get(primary.key) if primary is not None else None
    if steps == Steps.FIRST and definition.second_step(score):
        return ResponseStatus.PARTIAL
    return ResponseStatus.COMPLETE


def _primary_rating(definition: SurveyDefinition) -> Question:
    primary = definition.primary_rating
    if primary is None:
        raise ValidationFailed(N_("This survey has no score to choose."))
    return primary


def _new_response(session: Session, target: AnswerTarget, *, locale: str, clock: Clock) -> Response:
    now = clock.now()
    response = Response(
        survey_version_id=target.version.id,
        invitation_id=target.invitation.id if target.invitation else None,
        anonymous_key=target.anonymous_key if target.invitation is None else None,
        channel=target.channel,
        locale=locale,
        status=ResponseStatus.PROVISIONAL,
        answers={},
        started_at=now,
        updated_at=now,
    )
    session.add(response)
    if target.invitation is not None:
        session.expire(target.invitation, ["response"])  # loaded anew on the next look-up
    return response


def _apply(
    response: Response, definition: SurveyDefinition, answers: dict[str, Any], clock: Clock
) -> None:
    """Store ``answers`` and recompute every derived field from them."""
    response.answers = answers
    response.updated_at = clock.now()
    primary = definition.primary_rating
    score = answers.get(primary.key) if primary is not None else None
    response.score = score
    derived = (
        derive_scores(primary.type, score) if primary is not None and score is not None else None
    )
    response.nps_category = derived.nps_category if derived else None
    response.csat_satisfied = derived.csat_satisfied if derived else None
    response.ces_easy = derived.ces_easy if derived else None
    response.is_unhappy = derived.is_unhappy if derived else False
    response.has_comment = any(
        q.type == QuestionType.TEXT and bool(answers.get(q.key)) for q in definition.questions
    )
    response.contact_requested = any(
        q.type == QuestionType.CONTACT_REQUEST and answers.get(q.key) is True
        for q in definition.questions
    )
