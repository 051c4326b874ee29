"""The demo workspace: three template surveys with six months of realistic responses, once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.scoring import NpsCategory, QuestionType, derive_scores
from surveyapp.domain.survey_definition import from_document
from surveyapp.models import (
    Channel,
    Contact,
    Invitation,
    Response,
    ResponseStatus,
    Survey,
    SurveyVersion,
    Touchpoint,
)
from surveyapp.services.demo import seed_demo_workspace

EXPECTED = {"After support": 1400, "Order delivered": 1000, "Returns handled": 600}


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _responses_by_survey(session: Session) -> dict[str, list[Response]]:
    rows = session.execute(
        select(Survey.name, Response)
        .join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
        .join(Response, Response.survey_version_id == SurveyVersion.id)
    ).all()
    grouped: dict[str, list[Response]] = {}
    for name, response in rows:
        grouped.setdefault(name, []).append(response)
    return grouped


def test_seed_creates_published_surveys_with_thousands_of_responses_quickly(
    session: Session, clock: FixedClock
) -> None:
    started = time.perf_counter()
    seeded = seed_demo_workspace(session, clock=clock)
    session.commit()
    elapsed = time.perf_counter() - started
    assert seeded.created
    assert elapsed < 10, f"seeding took {elapsed:.1f} s"  # a guard; SQLite takes about 1 s

    surveys = {s.name: s for s in session.scalars(select(Survey))}
    assert set(surveys) == set(EXPECTED)
    assert all(len(survey.versions) == 1 for survey in surveys.values())
    assert [name for name, s in surveys.items() if s.link_enabled] == ["Order delivered"]
    by_survey = _responses_by_survey(session)
    assert {name: len(rows) for name, rows in by_survey.items()} == EXPECTED


def test_responses_look_real_in_both_languages_over_six_months(
    session: Session, clock: FixedClock
) -> None:
    seed_demo_workspace(session, clock=clock)
    session.commit()
    responses = session.scalars(select(Response)).all()
    assert len(responses) == 3000
    now = clock.now()
    assert all(now - timedelta(days=183) <= r.started_at < now for r in responses)
    assert all(r.started_at < r.submitted_at <= now for r in responses if r.submitted_at)
    months = Counter((r.started_at.year, r.started_at.month) for r in responses)
    assert len(months) >= 6

    locales = Counter(r.locale for r in responses)
    assert set(locales) == {"de", "en"}
    assert 0.55 < locales["de"] / len(responses) < 0.65

    channels = Counter(r.channel for r in responses)
    assert set(channels) == {Channel.EMAIL, Channel.LINK}
    assert channels[Channel.EMAIL] > 0.8 * len(responses)
    emailed = [r for r in responses if r.channel == Channel.EMAIL]
    assert all(r.invitation_id is not None for r in emailed)
    answered = select(func.count()).where(Invitation.state == "answered")
    assert session.scalar(answered) == len(emailed)
    assert {r.status for r in responses} == {ResponseStatus.COMPLETE, ResponseStatus.PARTIAL}

    commented = [r for r in responses if r.has_comment]
    assert 0.2 * len(responses) < len(commented) < 0.6 * len(responses)
    distinct_comments = {
        text for r in commented for text in r.answers.values() if isinstance(text, str)
    }
    assert len(distinct_comments) >= 40
    assert any("ü" in text or "ä" in text for text in distinct_comments)
    assert any(r.contact_requested for r in responses)
    assert all(r.is_unhappy for r in responses if r.contact_requested)


def test_score_distributions_match_the_story(session: Session, clock: FixedClock) -> None:
    seed_demo_workspace(session, clock=clock)
    session.commit()
    by_survey = _responses_by_survey(session)
    nps = Counter(r.nps_category for r in by_survey["After support"])
    score = (
        100 * (nps[NpsCategory.PROMOTER] - nps[NpsCategory.DETRACTOR]) / EXPECTED["After support"]
    )
    assert 22 <= score <= 38
    csat = by_survey["Order delivered"]
    assert 0.75 <= sum(bool(r.csat_satisfied) for r in csat) / len(csat) <= 0.85
    ces = by_survey["Returns handled"]
    assert sum(bool(r.ces_easy) for r in ces) / len(ces) >= 0.7


def test_derived_fields_agree_with_scores_and_answers(session: Session, clock: FixedClock) -> None:
    seed_demo_workspace(session, clock=clock)
    session.commit()
    definitions = {
        v.id: from_document(v.definition) for v in session.scalars(select(SurveyVersion))
    }
    for response in session.scalars(select(Response)):
        definition = definitions[response.survey_version_id]
        primary = definition.primary_rating
        assert primary is not None
        assert response.answers[primary.key] == response.score
        derived = derive_scores(primary.type, response.score or 0)
        assert response.nps_category == derived.nps_category
        assert response.csat_satisfied == derived.csat_satisfied
        assert response.ces_easy == derived.ces_easy
        assert response.is_unhappy == derived.is_unhappy
        shown = {q.key for q in definition.second_step(response.score)} | {primary.key}
        assert set(response.answers) <= shown
        texts = [q.key for q in definition.questions if q.type == QuestionType.TEXT]
        assert response.has_comment == any(response.answers.get(key) for key in texts)
        assert response.contact_requested == (response.answers.get("contact") is True)


def test_a_second_seed_adds_nothing(session: Session, clock: FixedClock) -> None:
    seed_demo_workspace(session, clock=clock)
    session.commit()
    before = {model: _count(session, model) for model in (Survey, Response, Invitation)}
    clock.advance(timedelta(days=3))
    again = seed_demo_workspace(session, clock=clock)
    session.commit()
    assert not again.created
    assert {model: _count(session, model) for model in (Survey, Response, Invitation)} == before


def test_demo_journey_shows_planned_and_suppressed_invitations_with_reasons(
    session: Session, clock: FixedClock
) -> None:
    seed_demo_workspace(session, clock=clock)
    keys = set(session.scalars(select(Touchpoint.key)))
    assert {"support.ticket_closed", "orders.delivered", "returns.handled"} <= keys
    planned = session.scalars(
        select(Invitation).where(Invitation.interaction_id.is_not(None))
    ).all()
    states = Counter(invitation.state for invitation in planned)
    assert states["queued"] > 50
    assert states["suppressed"] > 20
    reasons = Counter(r for invitation in planned for r in invitation.suppression_reasons)
    assert reasons["no_consent"] > 0
    assert reasons["recontact_contact"] > 0
    queued = [i for i in planned if i.state == "queued"]
    assert all(i.send_at is not None and i.send_at >= clock.now() for i in queued)
    assert _count(session, Contact) == 240
