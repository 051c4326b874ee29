"""The "last 20" review: the latest answers with comments of a team or touchpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import from_document
from surveyapp.models import Channel, Interaction, Invitation, Response, Touchpoint, TriggerRule
from surveyapp.services.reporting.scope import response_touchpoint_id
from surveyapp.services.responses import ResponseFilters, list_responses

REVIEW_SIZE = 20


@dataclass(frozen=True)
class ReviewItem:
    """One customer's answer with their own words, for the weekly leadership review."""

    response_id: int
    started_at: datetime
    touchpoint_name: str | None
    score: int | None
    rating_type: QuestionType | None
    channel: Channel
    locale: str
    comments: tuple[str, ...]


def latest_comments(
    session: Session,
    *,
    team_id: int | None = None,
    touchpoint_id: int | None = None,
    limit: int = REVIEW_SIZE,
) -> list[ReviewItem]:
    """The newest ``limit`` answers with a comment, of a team's touchpoints or one touchpoint.

    Voided (link scanner) responses never appear. Newest first by the time the answer was
    started. Two queries (responses with their versions, their touchpoints' names).
    """
    page = list_responses(
        session,
        ResponseFilters(has_comment=True, team_id=team_id, touchpoint_id=touchpoint_id),
        limit=limit,
    )
    names = _touchpoint_names(session, [response.id for response in page.items])
    return [_item(response, names.get(response.id)) for response in page.items]


def _touchpoint_names(session: Session, response_ids: list[int]) -> dict[int, str]:
    if not response_ids:
        return {}
    query = (
        select(Response.id, Touchpoint.name)
        .join(Invitation, Response.invitation_id == Invitation.id)
        .outerjoin(Interaction, Invitation.interaction_id == Interaction.id)
        .outerjoin(TriggerRule, Invitation.trigger_rule_id == TriggerRule.id)
        .join(Touchpoint, Touchpoint.id == response_touchpoint_id())
        .where(Response.id.in_(response_ids))
    )
    return dict(session.execute(query).all())


def _item(response: Response, touchpoint_name: str | None) -> ReviewItem:
    definition = from_document(response.survey_version.definition)
    comments = tuple(
        str(response.answers[question.key]).strip()
        for question in definition.questions
        if question.type == QuestionType.TEXT and response.answers.get(question.key)
    )
    primary = definition.primary_rating
    return ReviewItem(
        response_id=response.id,
        started_at=response.started_at,
        touchpoint_name=touchpoint_name,
        score=response.score,
        rating_type=primary.type if primary is not None else None,
        channel=response.channel,
        locale=response.locale,
        comments=comments,
    )
