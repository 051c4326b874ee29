"""The widget's frame: the consent question goes to the ledger, answers become web responses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Channel, ConsentText, ResponseStatus
from surveyapp.services import consent
from surveyapp.services.answering import Steps
from surveyapp.services.embed import displays, eligibility, frames, sites
from surveyapp.services.embed.eligibility import TrackData
from surveyapp.services.embed.visitors import Visitor
from surveyapp.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.factories import (
    TEST_APP_SECRET,
    make_dispatch_rule,
    make_user,
    make_web_rule,
    make_web_site,
    plan_invitation,
)


def shown_token(session: Session, clock: FixedClock, *, policy: ConsentPolicy) -> str:
    make_web_rule(session, clock, policy=policy)
    site, secret = make_web_site(session)
    data = TrackData("checkout.completed", {}, Visitor("C-9", sign_contact(secret, "C-9")), "en")
    view, rules = eligibility.load_site_and_rules(session, site.site_key, data.event)
    assert view is not None
    offer = eligibility.check_eligibility(
        session, view, rules, data, app_secret=TEST_APP_SECRET, clock=clock
    ).offer
    assert offer is not None
    shown = displays.show_offer(
        session, view, offer, origin="https://shop.example", app_secret=TEST_APP_SECRET, clock=clock
    )
    assert shown is not None
    return shown.token


def consent_text(session: Session, clock: FixedClock) -> ConsentText:
    admin = make_user(session, role=Role.ADMIN)
    consent.save_consent_text(session, locale="en", body="Version one", clock=clock, actor=admin)
    return consent.save_consent_text(
        session, locale="en", body="May we ask you about your visit?", clock=clock, actor=admin
    )


def test_a_yes_is_recorded_with_the_text_version_and_then_answers_are_stored_as_web(
    session: Session, clock: FixedClock
) -> None:
    text = consent_text(session, clock)
    token = shown_token(session, clock, policy=ConsentPolicy.OPT_IN)
    frame = frames.open_frame(session, token, clock=clock)
    assert frame.asks_consent
    assert not frame.is_refused
    assert frames.consent_text(session, frame, "de") == text  # no German text: the English one
    with pytest.raises(PermissionDenied):
        frames.submit_answers(
            session, frame, {"score": ["9"]}, steps=Steps.ALL, locale="en", clock=clock
        )

    event = frames.record_consent(
        session,
        frame,
        granted=True,
        text_version_id=text.id,
        ip="203.0.113.7",
        user_agent="Chromium",
        clock=clock,
    )
    assert (event.channel, event.action, event.source) == (
        ConsentChannel.WEB,
        ConsentAction.GRANTED,
        ConsentSource.WIDGET,
    )
    assert event.text_version_id == text.id
    assert event.ip_hash == hash_token("203.0.113.7")
    assert event.user_agent == "Chromium"

    frame = frames.open_frame(session, token, clock=clock)
    assert not frame.asks_consent
    response = frames.submit_answers(
        session, frame, {"score": ["10"]}, steps=Steps.ALL, locale="en", clock=clock
    )
    assert response.channel == Channel.WEB
    assert response.status == ResponseStatus.COMPLETE
    assert response.invitation_id == frame.display.invitation_id
    assert response.score == 10


def test_a_no_is_a_withdrawal_and_no_answer_is_stored(session: Session, clock: FixedClock) -> None:
    text = consent_text(session, clock)
    token = shown_token(session, clock, policy=ConsentPolicy.OPT_IN)
    frame = frames.open_frame(session, token, clock=clock)
    frames.record_consent(
        session,
        frame,
        granted=False,
        text_version_id=text.id,
        ip=None,
        user_agent=None,
        clock=clock,
    )
    frame = frames.open_frame(session, token, clock=clock)
    assert frame.is_refused
    assert not frame.asks_consent
    assert frame.consent.latest == ConsentAction.WITHDRAWN
    with pytest.raises(PermissionDenied):
        frames.submit_answers(
            session, frame, {"score": ["9"]}, steps=Steps.ALL, locale="en", clock=clock
        )


def test_consent_needs_a_real_text_version(session: Session, clock: FixedClock) -> None:
    consent_text(session, clock)
    frame = frames.open_frame(
        session, shown_token(session, clock, policy=ConsentPolicy.OPT_IN), clock=clock
    )
    with pytest.raises(ValidationFailed):
        frames.record_consent(
            session,
            frame,
            granted=True,
            text_version_id=999_999,
            ip=None,
            user_agent=None,
            clock=clock,
        )


def test_under_opt_out_the_survey_is_answered_at_once(session: Session, clock: FixedClock) -> None:
    frame = frames.open_frame(
        session, shown_token(session, clock, policy=ConsentPolicy.OPT_OUT), clock=clock
    )
    assert not frame.asks_consent
    assert frame.consent.allowed
    assert frame.allowed_origins == ["https://shop.example"]


def test_only_tokens_of_website_invitations_open_a_frame(
    session: Session, clock: FixedClock
) -> None:
    make_dispatch_rule(session, clock)
    email_invitation = plan_invitation(session, clock, "T-1")
    email_invitation.token_hash = hash_token("an-email-token")
    session.flush()
    with pytest.raises(NotFound):
        frames.open_frame(session, "an-email-token", clock=clock)
    with pytest.raises(NotFound):
        frames.open_frame(session, "no-such-token", clock=clock)


def test_the_site_page_counts_shown_dismissed_and_answered_surveys(
    session: Session, clock: FixedClock
) -> None:
    token = shown_token(session, clock, policy=ConsentPolicy.OPT_OUT)
    frame = frames.open_frame(session, token, clock=clock)
    site_id = frame.display.site_id
    since = clock.now() - timedelta(days=30)
    assert sites.display_counts(session, site_id, since=since) == sites.DisplayCounts(1, 0, 0)
    frames.submit_answers(
        session, frame, {"score": ["8"]}, steps=Steps.ALL, locale="en", clock=clock
    )
    assert sites.display_counts(session, site_id, since=since) == sites.DisplayCounts(1, 0, 1)
    assert sites.display_counts(session, site_id, since=clock.now() + timedelta(seconds=1)) == (
        sites.DisplayCounts(0, 0, 0)
    )
