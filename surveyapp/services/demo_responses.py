"""The demo workspace's surveys and a few thousand realistic responses (services layer).

Everything random comes from one seeded ``random.Random``, so every demo looks the same apart
from the dates, which end at the clock's "now". Responses are inserted in bulk: the ORM would
take seconds for thousands of objects, ``insert(Model)`` with a list of dicts takes a fraction.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock, FixedClock
from surveyapp.domain.scoring import QuestionType, derive_scores
from surveyapp.domain.states import InvitationState
from surveyapp.domain.survey_definition import SurveyDefinition, from_document
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import (
    Channel,
    Invitation,
    Response,
    ResponseStatus,
    Survey,
    SurveyKind,
    SurveyVersion,
    User,
)
from surveyapp.services import surveys
from surveyapp.services.demo_comments import COMMENTS

log = logging.getLogger(__name__)

SEED = 20260302
HISTORY_DAYS = 182  # about six months of answers, ending yesterday
GERMAN_SHARE = 0.6
LINK_SHARE = 0.3  # of the answers to the survey whose anonymous link is on
PARTIAL_SHARE = 0.04  # rated, then left before the follow-up questions
COMMENT_SHARE = {True: 0.6, False: 0.3}  # by whether the respondent is unhappy
CONTACT_YES, CONTACT_NO = 0.3, 0.3  # the rest leave the contact question unanswered
INVITATION_LIFETIME = timedelta(days=30)
# Sent invitations nobody answered per answered one: the demo shows a response rate near 1 in 3.
UNANSWERED_PER_ANSWER = 2
# Answers arrive mostly in the daytime (UTC hours 0-23).
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 8, 9, 10, 10, 9, 8, 8, 7, 6, 4, 3, 2)


@dataclass(frozen=True)
class DemoSurvey:
    """One demo survey: its template, how many answers it gets and how scores are spread."""

    name: str
    template: str
    topic: str  # which comments of ``demo_comments`` fit it
    responses: int
    # Relative frequency of each scale point, lowest first.
    weights: tuple[float, ...]
    link_enabled: bool = False


DEMO_SURVEYS = (
    # NPS +30: 50 % promoters (9-10), 30 % passives, 20 % detractors (0-6).
    DemoSurvey("After support", "nps", "support", 1400, (2, 1, 1.5, 2, 2.5, 4, 7, 12, 18, 22, 28)),
    # CSAT 80 %: 4 and 5 make up 80 of 100.
    DemoSurvey("Order delivered", "csat", "delivery", 1000, (5, 5, 10, 35, 45), link_enabled=True),
    # CES 2.0, mostly easy: 5-7 make up 78 of 100.
    DemoSurvey("Returns handled", "ces", "returns", 600, (3, 4, 6, 9, 18, 30, 30)),
)


def seed_demo_surveys(session: Session, *, actor: User, clock: Clock) -> int:
    """Create and publish the demo surveys and their responses; return how many responses.

    Does nothing (returns 0) when a survey with a demo survey's name exists already. Surveys
    are dated a week before the six months of answers, which end the day before
    ``clock.now()``. Flushes; the caller commits.
    """
    names = [spec.name for spec in DEMO_SURVEYS]
    if session.scalar(select(Survey.id).where(Survey.name.in_(names)).limit(1)) is not None:
        return 0
    now = clock.now()
    published = FixedClock(now - timedelta(days=HISTORY_DAYS + 7))
    rng = random.Random(SEED)  # noqa: S311 -- reproducible demo data, nothing secret
    total = 0
    for spec in DEMO_SURVEYS:
        version = _publish(session, spec, actor=actor, clock=published)
        total += _insert_responses(session, spec, version, rng=rng, now=now)
    log.info("Demo surveys seeded with %s responses", total)
    return total


def _publish(session: Session, spec: DemoSurvey, *, actor: User, clock: Clock) -> SurveyVersion:
    survey = surveys.create_survey(
        session,
        name=spec.name,
        kind=SurveyKind.TRANSACTIONAL,
        template=spec.template,
        clock=clock,
        actor=actor,
    )
    survey.link_enabled = spec.link_enabled
    return surveys.publish(session, survey.id, clock=clock, actor=actor)


def _insert_responses(
    session: Session, spec: DemoSurvey, version: SurveyVersion, *, rng: random.Random, now: datetime
) -> int:
    definition = from_document(version.definition)
    answers = [_answer(rng, spec, definition, now) for _ in range(spec.responses)]
    emailed = [row for row in answers if row["channel"] == Channel.EMAIL]
    invitation_ids = _insert_invitations(session, version, emailed, rng)
    for row, invitation_id in zip(emailed, invitation_ids, strict=True):
        row["invitation_id"] = invitation_id
    _insert_unanswered_invitations(session, version, emailed, rng, now=now)
    session.execute(insert(Response), [{**row, "survey_version_id": version.id} for row in answers])
    return len(answers)


def _insert_invitations(
    session: Session, version: SurveyVersion, answers: Sequence[dict[str, Any]], rng: random.Random
) -> Sequence[int]:
    """One email invitation per emailed answer; ids come back in the order of ``answers``."""
    rows = []
    for answer in answers:
        sent_at = answer["started_at"] - timedelta(minutes=rng.randrange(5, 3 * 24 * 60))
        rows.append(
            {
                # A random token nobody ever sees: demo invitations cannot be opened.
                "token_hash": hash_token(generate_token()),
                "survey_version_id": version.id,
                "channel": Channel.EMAIL,
                "locale": answer["locale"],
                # Sent without contacts or touchpoints: those parts of the demo come later.
                "state": InvitationState.ANSWERED,
                "send_at": sent_at,
                "sent_at": sent_at,  # delivered: the dashboard's response rate counts it
                "created_at": sent_at,
                "expires_at": sent_at + INVITATION_LIFETIME,
                "first_opened_at": answer["started_at"],
            }
        )
    if not rows:
        return []
    returning = insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True)
    return session.scalars(returning, rows).all()


def _insert_unanswered_invitations(
    session: Session,
    version: SurveyVersion,
    answers: Sequence[dict[str, Any]],
    rng: random.Random,
    *,
    now: datetime,
) -> None:
    """Invitations nobody answered, sent around the answered ones: a realistic response rate."""
    rows = []
    for answer in answers:
        for _ in range(UNANSWERED_PER_ANSWER):
            sent_at = answer["started_at"] - timedelta(minutes=rng.randrange(5, 3 * 24 * 60))
            expires_at = sent_at + INVITATION_LIFETIME
            rows.append(
                {
                    "token_hash": hash_token(generate_token()),
                    "survey_version_id": version.id,
                    "channel": Channel.EMAIL,
                    "locale": answer["locale"],
                    "state": InvitationState.EXPIRED if expires_at <= now else InvitationState.SENT,
                    "send_at": sent_at,
                    "sent_at": sent_at,
                    "created_at": sent_at,
                    "expires_at": expires_at,
                }
            )
    if rows:
        session.execute(insert(Invitation), rows)


def _answer(
    rng: random.Random, spec: DemoSurvey, definition: SurveyDefinition, now: datetime
) -> dict[str, Any]:
    """One respondent's response as a row of ``responses`` (without the version id)."""
    primary = definition.primary_rating
    if primary is None or primary.scale is None:
        raise ValueError(f"demo survey {spec.name!r} has no rating question")
    points = list(primary.scale.points)
    if len(points) != len(spec.weights):
        raise ValueError(f"demo survey {spec.name!r} needs one weight per scale point")
    score = rng.choices(points, weights=spec.weights)[0]
    derived = derive_scores(primary.type, score)
    locale = "de" if rng.random() < GERMAN_SHARE else "en"
    follow_ups = definition.second_step(score)
    is_partial = bool(follow_ups) and rng.random() < PARTIAL_SHARE
    answers: dict[str, Any] = {primary.key: score}
    if not is_partial:
        for question in follow_ups:
            if question.type == QuestionType.TEXT:
                if rng.random() < COMMENT_SHARE[derived.is_unhappy]:
                    pool = COMMENTS[spec.topic, question.key][locale]
                    answers[question.key] = rng.choice(pool)
            elif question.type == QuestionType.CONTACT_REQUEST:
                draw = rng.random()
                if draw < CONTACT_YES + CONTACT_NO:
                    answers[question.key] = draw < CONTACT_YES
    started_at = _answer_time(rng, now)
    submitted_at = started_at + timedelta(seconds=rng.randrange(15, 240))
    channel = Channel.LINK if spec.link_enabled and rng.random() < LINK_SHARE else Channel.EMAIL
    return {
        "channel": channel,
        "locale": locale,
        "status": ResponseStatus.PARTIAL if is_partial else ResponseStatus.COMPLETE,
        "answers": answers,
        "score": score,
        "nps_category": derived.nps_category,
        "csat_satisfied": derived.csat_satisfied,
        "ces_easy": derived.ces_easy,
        "is_unhappy": derived.is_unhappy,
        "has_comment": any(
            q.type == QuestionType.TEXT and q.key in answers for q in definition.questions
        ),
        "contact_requested": any(
            q.type == QuestionType.CONTACT_REQUEST and answers.get(q.key) is True
            for q in definition.questions
        ),
        "started_at": started_at,
        "updated_at": submitted_at,
        "submitted_at": submitted_at,
        "invitation_id": None,
    }


def _answer_time(rng: random.Random, now: datetime) -> datetime:
    """A moment on one of the ``HISTORY_DAYS`` days before today, at a daytime-weighted hour."""
    day = (now.astimezone(UTC) - timedelta(days=rng.randrange(1, HISTORY_DAYS))).date()
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=UTC)
