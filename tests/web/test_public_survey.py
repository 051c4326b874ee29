"""Customers answer on public pages: link scanners, two steps, languages, bad input, weight."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import Option, Question, Wording
from surveyapp.domain.survey_templates import nps_template
from surveyapp.models import Invitation, LinkFetch, Response, ResponseStatus, Survey
from surveyapp.services import answering, invitations, surveys
from surveyapp.web.public.rendering import render_survey_page
from tests.conftest import CSRF_PATTERN
from tests.factories import make_published_survey, make_user

LONG_TEXT = "x" * 5001


def _invite(
    session: Session,
    clock: FixedClock,
    *,
    locale: str | None = "en",
    survey: Survey | None = None,
) -> str:
    """A personal link to a published NPS survey; returns the URL path."""
    owner = make_user(session, role=Role.CX_OWNER)
    if survey is None:
        survey, _ = make_published_survey(session, actor=owner)
    created = invitations.create_test_invitation(
        session, survey.id, locale=locale, clock=clock, actor=owner
    )
    session.commit()
    return f"/s/{created.token}"


def _responses(session: Session) -> list[Response]:
    session.expire_all()
    return list(session.scalars(select(Response)))


def _token(page: str) -> str:
    match = CSRF_PATTERN.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _open(client: FlaskClient, path: str, **headers: str) -> tuple[str, str]:
    """GET the page; returns its HTML and the CSRF token of its form."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    return page, _token(page)


def _post(client: FlaskClient, path: str, token: str, **fields: str | list[str]):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"csrf_token": token, "version": "1", "steps": "first", **fields}
    return client.post(path, data=data)


# --- link scanners: a GET records a click, never an answer ---------------------------------


def test_fetching_every_link_of_the_email_records_no_answer(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    for score in range(11):
        assert client.get(f"{path}?score={score}").status_code == 200
    assert client.get(f"{path}/t").status_code == 204
    assert _responses(session) == []
    invitation = session.scalars(select(Invitation)).one()
    assert invitation.scanner_detected_at is not None
    fetches = session.scalar(select(func.count()).select_from(LinkFetch))
    assert fetches == 12


def test_score_link_preselects_the_score_without_storing_it(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    page, _ = _open(client, f"{path}?score=9")
    assert re.search(r'value="9"\s+checked', page)
    assert f'data-provisional="{path}/provisional"' in page
    assert _responses(session) == []


def test_provisional_score_is_kept_and_voided_by_a_second_score_link(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, f"{path}?score=9")
    data = {"csrf_token": token, "version": "1", "score": "9", "lang": "en"}
    assert client.post(f"{path}/provisional", data=data).status_code == 204
    (response,) = _responses(session)
    assert response.status == ResponseStatus.PROVISIONAL
    assert response.score == 9
    assert response.submitted_at is None

    clock.advance(timedelta(seconds=2))
    client.get(f"{path}?score=3")  # a scanner working through the links
    (voided,) = _responses(session)
    assert voided.status == ResponseStatus.VOIDED
    # Once the invitation looks scanned, later provisional posts store nothing.
    assert client.post(f"{path}/provisional", data=data).status_code == 204
    assert _responses(session)[0].status == ResponseStatus.VOIDED


def test_trap_link_voids_a_provisional_score(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, f"{path}?score=10")
    data = {"csrf_token": token, "version": "1", "score": "10"}
    assert client.post(f"{path}/provisional", data=data).status_code == 204
    response = client.get(f"{path}/t")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert _responses(session)[0].status == ResponseStatus.VOIDED
    assert client.get("/s/unknown-token/t").status_code == 204


def test_provisional_post_refuses_bad_input(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, path)
    for data, status in (
        ({"version": "1", "score": "11"}, 422),
        ({"version": "1", "score": "abc"}, 400),
        ({"version": "2", "score": "5"}, 409),
    ):
        response = client.post(f"{path}/provisional", data={"csrf_token": token, **data})
        assert response.status_code == status, data
    missing_token = client.post(f"{path}/provisional", data={"version": "1", "score": "5"})
    assert missing_token.status_code == 400
    assert "security token" in missing_token.get_data(as_text=True)
    assert _responses(session) == []


# --- the two-step flow ------------------------------------------------------------------


def test_rating_counts_after_step_one_and_follow_ups_complete_it(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    page, token = _open(client, path)
    assert "How likely are you to recommend us" in page
    assert "0 = Not at all likely" in page
    assert "10 = Extremely likely" in page

    first = _post(client, path, token, score="3")
    assert first.status_code == 303
    assert first.headers["Location"] == f"{path}?step=second&lang=en"
    (response,) = _responses(session)
    assert response.status == ResponseStatus.PARTIAL
    assert response.score == 3

    follow_up = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "What went wrong, and what should we improve?" in follow_up
    assert "What did you like most?" not in follow_up
    assert 'value="second"' in follow_up
    second = _post(client, path, token, steps="second", improve="Far too slow.", contact="yes")
    assert second.status_code == 303
    assert second.headers["Location"] == f"{path}?step=done&lang=en"
    (response,) = _responses(session)
    assert response.status == ResponseStatus.COMPLETE
    assert response.answers == {"score": 3, "improve": "Far too slow.", "contact": True}

    thanks = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your feedback! It helps us get better." in thanks


def test_one_submit_with_everything_stores_a_complete_response(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, path)
    response = _post(client, path, token, steps="all", score="9", liked="Quick answer")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("step=done&lang=en")
    (stored,) = _responses(session)
    assert stored.status == ResponseStatus.COMPLETE
    assert stored.answers == {"score": 9, "liked": "Quick answer"}


def test_invisible_nul_characters_in_a_comment_are_dropped_not_a_server_error(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, path)
    response = _post(client, path, token, steps="all", score="9", liked="Quick\x00 answer\x00")
    assert response.status_code == 303
    (stored,) = _responses(session)
    assert stored.answers == {"score": 9, "liked": "Quick answer"}


def test_answering_again_updates_the_one_response_until_the_window_closes(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, path)
    _post(client, path, token, steps="all", score="6")
    page, _ = _open(client, path)
    assert re.search(r'value="6"\s+checked', page)  # the stored answer is shown again
    assert _post(client, path, token, steps="all", score="8").status_code == 303
    (response,) = _responses(session)
    assert response.score == 8

    clock.advance(timedelta(days=1, minutes=1))
    closed = client.get(path)
    assert closed.status_code == 200
    assert "You have already answered this survey. Thank you!" in closed.get_data(as_text=True)
    late = _post(client, path, token, steps="all", score="2")
    assert late.status_code == 409
    assert "already answered" in late.get_data(as_text=True)
    assert _responses(session)[0].score == 8


def _missing_the_first_look_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next look-up of the respondent's row misses it, as if another request inserted it
    right after (survey.js posting the shown score while the form is submitted)."""
    real = answering.find_response
    missed: list[bool] = []

    def find_response(db: Session, target: answering.AnswerTarget) -> Response | None:
        if not missed:
            missed.append(True)
            return None
        return real(db, target)

    monkeypatch.setattr(answering, "find_response", find_response)


def test_submit_racing_a_provisional_score_updates_that_row(
    client: FlaskClient, session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, f"{path}?score=9")
    provisional = {"csrf_token": token, "version": "1", "score": "9", "lang": "en"}
    assert client.post(f"{path}/provisional", data=provisional).status_code == 204

    _missing_the_first_look_up(monkeypatch)
    submitted = _post(client, path, token, steps="all", score="7", liked="Fast")
    assert submitted.status_code == 303
    (response,) = _responses(session)
    assert response.status == ResponseStatus.COMPLETE
    assert response.answers == {"score": 7, "liked": "Fast"}


def test_provisional_score_racing_a_submit_leaves_the_submit_alone(
    client: FlaskClient, session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, path)
    assert _post(client, path, token, steps="all", score="4").status_code == 303

    _missing_the_first_look_up(monkeypatch)
    late = {"csrf_token": token, "version": "1", "score": "10", "lang": "en"}
    assert client.post(f"{path}/provisional", data=late).status_code == 204
    (response,) = _responses(session)
    assert response.status == ResponseStatus.COMPLETE
    assert response.score == 4


# --- languages ----------------------------------------------------------------------------


def test_invitation_locale_decides_the_language(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock, locale="de")
    page, _ = _open(client, path, **{"Accept-Language": "en"})
    assert '<html lang="de">' in page
    assert "Wie wahrscheinlich ist es" in page
    assert "0 = Äußerst unwahrscheinlich" in page


def test_browser_language_decides_without_invitation_locale(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock, locale=None)
    german, _ = _open(client, path, **{"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in german
    assert "Wie wahrscheinlich ist es" in german
    english, _ = _open(client, path, **{"Accept-Language": "fr-FR,en;q=0.5"})
    assert '<html lang="en">' in english


def test_language_switch_changes_the_page_and_is_kept_after_submit(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock, locale="de")
    page, token = _open(client, f"{path}?score=4")
    assert f'href="{path}?score=4&amp;lang=en"' in page
    english, _ = _open(client, f"{path}?score=4&lang=en")
    assert '<html lang="en">' in english
    assert "How likely are you to recommend us" in english
    assert re.search(r'value="4"\s+checked', english)
    response = client.post(
        f"{path}?lang=en",
        data={"csrf_token": token, "version": "1", "steps": "first", "score": "4"},
    )
    assert response.headers["Location"] == f"{path}?step=second&lang=en"
    assert _responses(session)[0].locale == "en"
    assert client.get(f"{path}?lang=xx").status_code == 200  # unknown: the default applies


# --- links that do not work -----------------------------------------------------------------


def test_unknown_token_gets_a_clear_not_found_page(client: FlaskClient) -> None:
    response = client.get("/s/not-a-real-token")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This link is not valid" in page
    assert "survey.css" in page  # the respondent layout, not the staff one
    assert "Traceback" not in page


def test_expired_invitation_gets_a_gone_page(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    clock.advance(timedelta(days=8))
    response = client.get(f"{path}?score=5")
    assert response.status_code == 410
    assert "This survey has closed" in response.get_data(as_text=True)
    assert _responses(session) == []


def test_archived_survey_link_is_not_found(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, actor=owner)
    path = _invite(session, clock, survey=survey)
    surveys.set_archived(session, survey.id, True, clock=clock, actor=owner)
    session.commit()
    assert client.get(path).status_code == 404


# --- bad input: a message or 4xx, and nothing stored -----------------------------------------


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"score": "11"}, 422, "Please choose a score on the scale."),
        ({"score": "abc"}, 422, "Please choose a score on the scale."),
        ({"score": ""}, 422, "Please answer this question."),
        ({}, 422, "Please answer this question."),
        ({"steps": "all", "score": "2", "contact": "maybe"}, 422, "Please answer yes or no."),
        (
            {"steps": "all", "score": "2", "improve": LONG_TEXT},
            422,
            "Please keep your answer under 5,000 characters.",
        ),
        ({"score": "5", "version": "2"}, 409, "The survey changed while you were answering"),
        ({"score": "5", "version": "abc"}, 400, "Nothing was saved."),
        ({"score": "5", "steps": "everything"}, 400, "Nothing was saved."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    fields: dict[str, str],
    status: int,
    message: str,
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, path)
    response = _post(client, path, token, **fields)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _responses(session) == []


def test_rejected_submit_shows_the_answers_again_with_the_message(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, path)
    response = _post(client, path, token, steps="all", score="2", improve=LONG_TEXT)
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert re.search(r'value="2"\s+checked', page)
    assert 'aria-invalid="true"' in page
    assert 'href="#q-improve"' in page


def test_unknown_option_of_a_choice_question_is_refused(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, actor=owner)
    channel = Question(
        key="q5",
        type=QuestionType.SINGLE_CHOICE,
        wording={"en": Wording("How did you contact us?"), "de": Wording("Wie?")},
        options=(
            Option("phone", {"en": "Phone", "de": "Telefon"}),
            Option("mail", {"en": "Email", "de": "E-Mail"}),
        ),
    )
    surveys.save_question(session, survey.id, channel, clock=clock, actor=owner)
    surveys.publish(session, survey.id, clock=clock, actor=owner)
    path = _invite(session, clock, survey=survey)
    page, token = _open(client, path)
    assert "How did you contact us?" in page
    fields = {"csrf_token": token, "version": "2", "steps": "all", "score": "9", "q5": "fax"}
    response = client.post(path, data=fields)
    assert response.status_code == 422
    assert "Please choose one of the options." in response.get_data(as_text=True)
    assert _responses(session) == []
    assert client.post(path, data={**fields, "q5": "mail"}).status_code == 303
    assert _responses(session)[0].answers["q5"] == "mail"


def test_submit_without_csrf_token_is_refused(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    client.get(path)
    response = client.post(path, data={"version": "1", "steps": "first", "score": "7"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert _responses(session) == []


def test_too_many_posts_get_a_friendly_page(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    _, token = _open(client, path)
    statuses = [_post(client, path, token, score="11").status_code for _ in range(31)]
    assert statuses[:30] == [422] * 30
    assert statuses[30] == 429
    page = _post(client, path, token, score="11").get_data(as_text=True)
    assert "Please wait a minute" in page
    assert "survey.css" in page


# --- the anonymous link -------------------------------------------------------------------


def test_anonymous_link_is_not_found_while_switched_off(
    client: FlaskClient, session: Session
) -> None:
    survey, _ = make_published_survey(session, link_enabled=False)
    session.commit()
    assert client.get(f"/l/{survey.link_slug}").status_code == 404
    assert client.get("/l/no-such-slug").status_code == 404


def test_anonymous_link_keeps_one_response_per_browser(
    client: FlaskClient, session: Session
) -> None:
    survey, _ = make_published_survey(session, link_enabled=True)
    session.commit()
    path = f"/l/{survey.link_slug}"
    _, token = _open(client, path)
    assert _responses(session) == []
    assert _post(client, path, token, score="7").status_code == 303
    assert _post(client, path, token, score="10").status_code == 303
    (response,) = _responses(session)
    assert response.score == 10
    assert response.invitation_id is None
    assert response.anonymous_key

    other_browser = client.application.test_client()
    _, other_token = _open(other_browser, path)
    assert _post(other_browser, path, other_token, score="1").status_code == 303
    assert sorted(r.score for r in _responses(session)) == [1, 10]


def test_every_new_browser_gets_its_own_working_token_on_the_shared_page(
    client: FlaskClient, session: Session
) -> None:
    survey, _ = make_published_survey(session, link_enabled=True)
    session.commit()
    path = f"/l/{survey.link_slug}"
    first_page, first_token = _open(client, path)
    other_browser = client.application.test_client()
    second_page, second_token = _open(other_browser, path)
    assert first_token != second_token
    assert first_page.replace(first_token, "") == second_page.replace(second_token, "")
    # Each token belongs to its own browser's session.
    assert _post(other_browser, path, first_token, score="5").status_code == 400
    assert _post(other_browser, path, second_token, score="5").status_code == 303
    assert _post(client, path, first_token, score="6").status_code == 303
    assert sorted(r.score for r in _responses(session)) == [5, 6]


def test_link_page_shows_a_newly_published_version_at_once(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    survey, _ = make_published_survey(session, actor=owner, link_enabled=True)
    session.commit()
    path = f"/l/{survey.link_slug}"
    page, _ = _open(client, path)
    assert "How likely are you to recommend us" in page
    assert 'name="version" value="1"' in page

    primary = surveys.draft_of(survey).questions[0]
    wording = Wording(prompt="Would you recommend our new shop?", low="No", high="Yes")
    reworded = replace(primary, wording={**primary.wording, "en": wording})
    surveys.save_question(session, survey.id, reworded, clock=clock, actor=owner)
    surveys.publish(session, survey.id, clock=clock, actor=owner)
    session.commit()

    page, _ = _open(client.application.test_client(), path)
    assert "Would you recommend our new shop?" in page
    assert 'name="version" value="2"' in page


# --- page weight and assets -----------------------------------------------------------------


def test_survey_page_is_small_and_loads_only_own_assets(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    html = client.get(f"{path}?score=9").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    assert sorted(asset.rsplit("/", 1)[1] for asset in assets) == ["survey.css", "survey.js"]
    bodies = [html]
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200
            bodies.append(response.get_data(as_text=True))
    total = sum(len(body.encode("utf-8")) for body in bodies)
    assert total < 30 * 1024, f"page weight {total} bytes"
    for body in bodies:
        assert not re.search(r"https?://", body)
        for inline in ("<script>", "onclick=", "style="):
            assert inline not in body


def test_public_pages_use_the_strict_security_headers(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    path = _invite(session, clock)
    headers = client.get(path).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


# --- the staff preview of a draft ------------------------------------------------------------


def test_preview_renders_a_draft_without_a_working_submit(app: Flask) -> None:
    definition = nps_template()
    with app.test_request_context("/surveys/1/preview/de"):
        page = render_survey_page(definition, "de", preview=True)
        thanks = render_survey_page(definition, "de", preview=True, step="done")
        second = render_survey_page(definition, "en", step="second", values={"score": 2})
    assert '<html lang="de">' in page
    assert "Vorschau" in page  # the banner speaks the previewed language
    assert "Wie wahrscheinlich ist es" in page
    assert re.search(r'<button type="submit" class="send" disabled', page)
    assert "csrf_token" not in page
    assert "data-provisional" not in page
    assert "Vielen Dank für Ihr Feedback!" in thanks
    assert "Vorschau" in thanks
    assert "What went wrong" in second
    assert "What did you like most?" not in second
