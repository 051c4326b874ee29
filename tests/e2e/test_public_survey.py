"""Customers answer a survey in a real browser: phone, score links, with and without JS."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, request, request_finished
from playwright.sync_api import Page, ViewportSize, expect
from sqlalchemy import select

from surveyapp.domain.roles import Role
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Invitation, Response, ResponseStatus, SurveyKind
from surveyapp.runtime import get_runtime
from surveyapp.services import answering, invitations, surveys
from surveyapp.services._db import session_scope
from surveyapp.services.answering import Steps
from tests.e2e.pages import Axe
from tests.factories import make_user

SMALL_PHONE = ViewportSize(width=360, height=740)
IMPROVE = "What went wrong, and what should we improve?"
THANK_YOU = "Thank you for your feedback! It helps us get better."
SERVED_TIMEOUT_SECONDS = 10

Invite = Callable[..., str]


@pytest.fixture
def invite(live_app: Flask) -> Invite:
    """Publish an NPS survey and create a personal link to it; returns the token."""
    runtime = get_runtime(live_app)

    def make(*, locale: str | None = "en") -> str:
        with session_scope(runtime.session_factory) as session:
            owner = make_user(session, role=Role.CX_OWNER)
            survey = surveys.create_survey(
                session,
                name="After support",
                kind=SurveyKind.TRANSACTIONAL,
                template="nps",
                clock=runtime.clock,
                actor=owner,
            )
            surveys.publish(session, survey.id, clock=runtime.clock, actor=owner)
            created = invitations.create_test_invitation(
                session, survey.id, locale=locale, clock=runtime.clock, actor=owner
            )
            return created.token

    return make


def stored_response(live_app: Flask, token: str) -> Response | None:
    with session_scope(get_runtime(live_app).session_factory) as session:
        query = (
            select(Response)
            .join(Invitation, Response.invitation_id == Invitation.id)
            .where(Invitation.token_hash == hash_token(token))
        )
        response = session.scalars(query).one_or_none()
        if response is not None:
            session.expunge(response)
        return response


@contextmanager
def served(live_app: Flask, path_end: str) -> Iterator[threading.Event]:
    """An event set once the live server has answered a request whose path ends so."""
    done = threading.Event()

    def finished(_sender: Flask, **_extra: Any) -> None:
        if request.path.endswith(path_end):
            done.set()

    request_finished.connect(finished, live_app)
    try:
        yield done
    finally:
        request_finished.disconnect(finished, live_app)


def open_with_stopped_clock(page: Page, path: str) -> None:
    """Open ``path`` with the page's timers on Playwright's clock, stopped after loading.

    The page then posts a provisional score only when the test moves the clock or acts.
    """
    page.clock.install()
    page.goto(path)
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.05)  # seconds, as in Python


def choose_score(page: Page, score: int) -> None:
    page.get_by_role("radio", name=str(score), exact=True).check()


@pytest.mark.e2e
def test_score_link_counts_when_the_tab_is_closed_without_submitting(
    new_page: Callable[..., Page], live_app: Flask, invite: Invite
) -> None:
    token = invite()
    page = new_page(SMALL_PHONE, is_mobile=True, has_touch=True)
    open_with_stopped_clock(page, f"/s/{token}?score=9")
    expect(page.get_by_role("radio", name="9", exact=True)).to_be_checked()
    expect(page.get_by_text("10 = Extremely likely")).to_be_visible()
    assert stored_response(live_app, token) is None  # the GET alone stored nothing

    with served(live_app, "/provisional") as provisional_stored:
        page.close(run_before_unload=True)
        assert provisional_stored.wait(SERVED_TIMEOUT_SECONDS), "no provisional score posted"
    response = stored_response(live_app, token)
    assert response is not None
    assert response.status == ResponseStatus.PROVISIONAL
    assert response.score == 9


@pytest.mark.e2e
def test_score_link_counts_once_the_person_interacts(
    new_page: Callable[..., Page], live_app: Flask, invite: Invite
) -> None:
    token = invite()
    page = new_page(SMALL_PHONE, is_mobile=True, has_touch=True)
    open_with_stopped_clock(page, f"/s/{token}?score=10")
    with served(live_app, "/provisional") as provisional_stored:
        page.get_by_role("heading", level=1).click()
        assert provisional_stored.wait(SERVED_TIMEOUT_SECONDS), "no provisional score posted"
    response = stored_response(live_app, token)
    assert response is not None
    assert response.score == 10


@pytest.mark.e2e
def test_score_link_counts_after_three_visible_seconds(
    new_page: Callable[..., Page], live_app: Flask, invite: Invite
) -> None:
    token = invite()
    page = new_page(SMALL_PHONE, is_mobile=True, has_touch=True)
    open_with_stopped_clock(page, f"/s/{token}?score=7")
    with served(live_app, "/provisional") as provisional_stored:
        page.clock.run_for(3000)
        assert provisional_stored.wait(SERVED_TIMEOUT_SECONDS), "no provisional score posted"
    response = stored_response(live_app, token)
    assert response is not None
    assert response.status == ResponseStatus.PROVISIONAL
    assert response.score == 7
    expect(page.get_by_role("radio", name="7", exact=True)).to_be_checked()


@pytest.mark.e2e
def test_follow_up_appears_at_once_and_one_submit_completes(
    phone_page: Page, live_app: Flask, invite: Invite, axe: Axe
) -> None:
    token = invite()
    phone_page.goto(f"/s/{token}")
    follow_up = phone_page.get_by_role("textbox", name=re.compile(re.escape(IMPROVE)))
    expect(follow_up).to_be_hidden()
    axe(phone_page)

    choose_score(phone_page, 3)
    expect(follow_up).to_be_visible()
    expect(phone_page.get_by_text("What did you like most?")).to_be_hidden()
    axe(phone_page)
    follow_up.fill("The delivery was two weeks late.")
    phone_page.get_by_role("group", name=re.compile("contact you")).get_by_label("Yes").check()
    phone_page.get_by_role("button", name="Send", exact=True).click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(phone_page.get_by_text(THANK_YOU)).to_be_visible()
    axe(phone_page)
    response = stored_response(live_app, token)
    assert response is not None
    assert response.status == ResponseStatus.COMPLETE
    assert response.answers == {
        "score": 3,
        "improve": "The delivery was two weeks late.",
        "contact": True,
    }


@pytest.mark.e2e
def test_without_javascript_the_survey_takes_two_steps(
    new_page: Callable[..., Page], live_app: Flask, invite: Invite
) -> None:
    # No axe here: page.evaluate cannot run scripts in a context with JavaScript disabled;
    # test_every_page_passes_axe checks the same pages.
    token = invite(locale="de")
    page = new_page(SMALL_PHONE, java_script_enabled=False)
    page.goto(f"/s/{token}?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Next", exact=True).click()  # no score chosen
    expect(page.get_by_role("alert")).to_contain_text("Please check the marked answers.")
    expect(page.get_by_text("Please answer this question.")).to_be_visible()

    choose_score(page, 4)
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page).to_have_url(re.compile(r"step=second"))
    partial = stored_response(live_app, token)
    assert partial is not None
    assert partial.status == ResponseStatus.PARTIAL

    page.get_by_role("textbox", name=re.compile(re.escape(IMPROVE))).fill("Nobody called back.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text(THANK_YOU)).to_be_visible()
    complete = stored_response(live_app, token)
    assert complete is not None
    assert complete.status == ResponseStatus.COMPLETE
    assert complete.answers == {"score": 4, "improve": "Nobody called back."}

    page.get_by_role("link", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_text("Vielen Dank für Ihr Feedback!")).to_be_visible()


@pytest.mark.e2e
def test_rating_wraps_into_large_targets_on_a_small_phone(
    new_page: Callable[..., Page], invite: Invite
) -> None:
    page = new_page(SMALL_PHONE, is_mobile=True, has_touch=True)
    page.goto(f"/s/{invite()}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], "the page scrolls sideways"
    for score in (0, 5, 6, 10):
        box = page.locator(f"label[for='q-score-{score}']").bounding_box()
        assert box is not None
        assert box["width"] >= 44
        assert box["height"] >= 44
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.name")
    assert focused == "score"


@pytest.mark.e2e
def test_rejected_submit_and_follow_up_step_pass_axe(
    page: Page, live_app: Flask, invite: Invite, axe: Axe
) -> None:
    token = invite()
    page.goto(f"/s/{token}")
    page.get_by_role("button", name="Send", exact=True).click()  # no score chosen
    expect(page.get_by_role("alert")).to_contain_text("Please check the marked answers.")
    expect(page.locator("#form-message")).to_be_focused()
    axe(page)

    runtime = get_runtime(live_app)
    with session_scope(runtime.session_factory) as session:
        target = answering.target_for_invitation(session, token, clock=runtime.clock)
        answering.submit_answers(
            session, target, {"score": ["2"]}, steps=Steps.FIRST, locale="en", clock=runtime.clock
        )
    page.goto(f"/s/{token}?step=second&lang=en")
    expect(page.get_by_role("textbox", name=re.compile(re.escape(IMPROVE)))).to_be_visible()
    expect(page.get_by_role("radio", name="2", exact=True)).to_have_count(0)
    axe(page)


@pytest.mark.e2e
def test_error_pages_are_clear_and_accessible(
    page: Page, live_app: Flask, invite: Invite, axe: Axe
) -> None:
    response = page.goto("/s/no-such-token")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid")
    axe(page)

    token = invite()
    runtime = get_runtime(live_app)
    with session_scope(runtime.session_factory) as session:
        invitation = session.scalars(
            select(Invitation).where(Invitation.token_hash == hash_token(token))
        ).one()
        invitation.expires_at = runtime.clock.now()
    response = page.goto(f"/s/{token}?score=8")
    assert response is not None
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This survey has closed")
    axe(page)
