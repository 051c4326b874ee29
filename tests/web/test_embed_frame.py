"""The widget's frame: framed by the site only, consent first under opt-in, web responses."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.models import Channel, ConsentEvent, Response, ResponseStatus, WebSite
from surveyapp.services import consent
from tests.factories import make_user, make_web_rule, make_web_site

ORIGIN = "https://shop.example"


def shown_frame(
    client: FlaskClient, session: Session, clock: FixedClock, *, policy: ConsentPolicy
) -> tuple[WebSite, str]:
    """Track and show a survey through the widget's endpoints; the frame's address."""
    make_web_rule(session, clock, policy=policy)
    site, secret = make_web_site(session, origins=(ORIGIN, "https://www.shop.example"))
    admin = make_user(session, role=Role.ADMIN)
    consent.save_consent_text(
        session, locale="en", body="We may ask about your visit.", clock=clock, actor=admin
    )
    consent.save_consent_text(
        session,
        locale="de",
        body="Wir dürfen Sie zu Ihrem Besuch befragen.",
        clock=clock,
        actor=admin,
    )
    session.commit()
    headers = {"Origin": ORIGIN}
    body = {
        "event": "checkout.completed",
        "contact_id": "C-5",
        "signature": sign_contact(secret, "C-5"),
    }
    offer = client.post(
        f"/embed/v1/sites/{site.site_key}/eligibility", json=body, headers=headers
    ).get_json()["offer"]
    shown = client.post(
        f"/embed/v1/sites/{site.site_key}/show", json={"offer": offer}, headers=headers
    ).get_json()
    return site, shown["frame"]


def test_the_frame_may_be_framed_by_the_sites_origins_only_and_sets_no_cookie(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    _, frame = shown_frame(client, session, clock, policy=ConsentPolicy.OPT_OUT)
    page = client.get(frame)
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example https://www.shop.example" in policy
    assert "script-src 'self'" in policy
    assert "X-Frame-Options" not in page.headers
    assert "Set-Cookie" not in page.headers
    html = page.get_data(as_text=True)
    assert 'data-parent="https://shop.example"' in html
    assert 'name="csrf_token"' not in html
    # Every staff page still forbids framing.
    staff = client.get("/login")
    assert staff.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in staff.headers["Content-Security-Policy"]


def test_an_unlisted_parent_origin_gets_no_messages_and_unknown_tokens_no_framing(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    _, frame = shown_frame(client, session, clock, policy=ConsentPolicy.OPT_OUT)
    forged = re.sub(r"origin=[^&]+", "origin=https%3A%2F%2Fevil.example", frame)
    html = client.get(forged).get_data(as_text=True)
    assert "data-parent" not in html
    missing = client.get("/embed/v1/frame/not-a-token")
    assert missing.status_code == 404
    assert "frame-ancestors 'none'" in missing.headers["Content-Security-Policy"]


def test_answers_from_the_frame_are_stored_as_web_responses(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    _, frame = shown_frame(client, session, clock, policy=ConsentPolicy.OPT_OUT)
    page = client.get(frame).get_data(as_text=True)
    assert 'name="score"' in page
    assert 'name="version" value="1"' in page
    answered = client.post(
        frame, data={"version": "1", "steps": "all", "score": "4", "improve": "Slow"}
    )
    assert answered.status_code == 303
    assert "step=done" in answered.headers["Location"]
    assert "origin=" in answered.headers["Location"]
    response = session.scalars(select(Response)).one()
    assert (response.channel, response.status, response.score) == (
        Channel.WEB,
        ResponseStatus.COMPLETE,
        4,
    )
    thanks = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert 'data-state="done"' in thanks


def test_a_rejected_submit_shows_the_form_again_with_the_messages(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    _, frame = shown_frame(client, session, clock, policy=ConsentPolicy.OPT_OUT)
    rejected = client.post(frame, data={"version": "1", "steps": "all"})
    assert rejected.status_code == 422
    assert 'role="alert"' in rejected.get_data(as_text=True)
    assert session.scalars(select(Response)).all() == []


@pytest.mark.parametrize(
    ("answer", "action"), [("yes", ConsentAction.GRANTED), ("no", ConsentAction.WITHDRAWN)]
)
def test_under_opt_in_the_frame_asks_first_and_records_the_answer_in_the_ledger(
    client: FlaskClient, session: Session, clock: FixedClock, answer: str, action: ConsentAction
) -> None:
    _, frame = shown_frame(client, session, clock, policy=ConsentPolicy.OPT_IN)
    page = client.get(frame).get_data(as_text=True)
    assert "We may ask about your visit." in page
    assert 'name="score"' not in page
    version = re.search(r'name="text_version" value="(\d+)"', page)
    assert version is not None
    consent_url = frame.replace("?", "/consent?", 1)
    recorded = client.post(
        consent_url,
        data={"answer": answer, "text_version": version.group(1)},
        headers={"User-Agent": "Chromium test"},
    )
    assert recorded.status_code == 303
    event = session.scalars(select(ConsentEvent)).one()
    assert (event.channel, event.action, event.source) == (
        ConsentChannel.WEB,
        action,
        ConsentSource.WIDGET,
    )
    assert event.text_version_id == int(version.group(1))
    assert event.user_agent == "Chromium test"
    after = client.get(recorded.headers["Location"]).get_data(as_text=True)
    if answer == "yes":
        assert 'name="score"' in after
    else:
        assert "You said no to surveys on this website" in after
        refused = client.post(frame, data={"version": "1", "steps": "all", "score": "9"})
        assert refused.status_code == 403
        assert session.scalars(select(Response)).all() == []


def test_the_consent_question_comes_in_the_visitors_language(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    site, secret = make_web_site(session)
    make_web_rule(session, clock, policy=ConsentPolicy.OPT_IN)
    admin = make_user(session, role=Role.ADMIN)
    consent.save_consent_text(
        session, locale="de", body="Deutscher Text.", clock=clock, actor=admin
    )
    session.commit()
    headers = {"Origin": ORIGIN}
    body = {
        "event": "checkout.completed",
        "contact_id": "C-6",
        "signature": sign_contact(secret, "C-6"),
        "locale": "de-DE",
    }
    offer = client.post(f"/embed/v1/sites/{site.site_key}/eligibility", json=body, headers=headers)
    shown = client.post(
        f"/embed/v1/sites/{site.site_key}/show",
        json={"offer": offer.get_json()["offer"]},
        headers=headers,
    ).get_json()
    page = client.get(shown["frame"]).get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Deutscher Text." in page


def test_the_theme_is_served_as_css_variables(client: FlaskClient, session: Session) -> None:
    site, _ = make_web_site(session, theme_colour="#ffd400")
    session.commit()
    css = client.get(f"/embed/v1/frame/theme/{site.site_key}.css")
    assert css.mimetype == "text/css"
    assert css.get_data(as_text=True).strip() == ":root{--brand:#ffd400;--brand-text:#111111}"
