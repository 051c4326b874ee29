"""A page's event shows a survey only when the planning checks for the web channel pass."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import Channel, Contact, Interaction, Invitation, WebDisplay, WebSite
from surveyapp.services import consent, contacts
from surveyapp.services.dispatch import claims
from surveyapp.services.embed import displays, eligibility, facts
from surveyapp.services.embed.displays import Shown
from surveyapp.services.embed.eligibility import TrackData
from surveyapp.services.embed.visitors import Visitor
from surveyapp.services.errors import PermissionDenied, ValidationFailed
from tests.factories import (
    TEST_APP_SECRET,
    make_contact,
    make_user,
    make_web_rule,
    make_web_site,
)

ORIGIN = "https://shop.example"
BROWSER = "b1f0c2d3e4a5968778695a4b3c2d1e0f"


@pytest.fixture
def site(session: Session) -> tuple[WebSite, str]:
    return make_web_site(session)


def track(
    session: Session,
    clock: FixedClock,
    site: tuple[WebSite, str],
    *,
    contact: str | None = "C-1",
    visitor: str | None = None,
    signature: str | None = None,
    event: str = "checkout.completed",
    attributes: dict[str, Any] | None = None,
) -> eligibility.Eligibility:
    web_site, secret = site
    signed = signature if signature is not None else (contact and sign_contact(secret, contact))
    data = TrackData(
        event=event,
        attributes=attributes or {},
        visitor=Visitor(contact, signed, visitor),
        locale="de-DE",
    )
    view, rules = eligibility.load_site_and_rules(session, web_site.site_key, event)
    assert view is not None
    return eligibility.check_eligibility(
        session, view, rules, data, app_secret=TEST_APP_SECRET, clock=clock
    )


def show(
    session: Session, clock: FixedClock, site: tuple[WebSite, str], offer: str | None
) -> Shown | None:
    assert offer is not None
    return displays.show_offer(
        session,
        view_of(session, site[0]),
        offer,
        origin=ORIGIN,
        app_secret=TEST_APP_SECRET,
        clock=clock,
    )


def view_of(session: Session, site: WebSite) -> facts.SiteView:
    view = facts.load_site(session, site.site_key)
    assert view is not None
    return view


def test_an_identified_contact_is_offered_the_survey_and_showing_it_stores_a_sent_web_invitation(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock)
    make_contact(session, external_id="C-1", locale="de")
    offered = track(session, clock, site, attributes={"order_value": 129.9})
    assert offered.offer is not None
    assert not offered.consent_required
    assert offered.reasons == []
    assert session.scalars(select(Invitation)).all() == []  # deciding stores nothing

    shown = show(session, clock, site, offered.offer)
    assert shown is not None
    invitation = shown.display.invitation
    assert invitation.channel == Channel.WEB
    assert invitation.state == InvitationState.SENT
    assert invitation.send_at == clock.now()
    assert invitation.locale == "de"
    assert invitation.contact is not None
    assert invitation.contact.external_id == "C-1"
    interaction = session.get(Interaction, invitation.interaction_id)
    assert interaction is not None
    assert interaction.attributes == {"order_value": 129.9}
    assert shown.display.origin == ORIGIN
    assert shown.display.site_id == site[0].id
    # Showing the same offer again (a retried request) shows the same survey.
    again = show(session, clock, site, offered.offer)
    assert again is not None
    assert again.token == shown.token
    assert len(session.scalars(select(WebDisplay)).all()) == 1


def test_the_email_dispatcher_never_claims_a_web_invitation(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock)
    shown = show(session, clock, site, track(session, clock, site).offer)
    assert shown is not None
    claimed = claims.claim_due(
        session,
        worker_id="w1",
        limit=10,
        lease=timedelta(minutes=5),
        now=clock.now() + timedelta(days=1),
        secret=TEST_APP_SECRET,
    )
    assert claimed == []
    assert shown.display.invitation.state == InvitationState.SENT


def test_a_second_event_inside_the_recontact_period_shows_nothing_even_after_a_dismissal(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock, recontact_days_contact=30)
    shown = show(session, clock, site, track(session, clock, site).offer)
    assert shown is not None
    displays.dismiss(session, view_of(session, site[0]), shown.token, clock=clock)
    assert shown.display.dismissed_at == clock.now()

    clock.advance(timedelta(days=29))
    again = track(session, clock, site)
    assert again.offer is None
    assert again.reasons == ["recontact_contact"]
    clock.advance(timedelta(days=2))
    assert track(session, clock, site).offer is not None


def test_the_checks_run_again_when_the_survey_is_shown(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    # Two tabs were offered a survey at once; only the first one to show it may.
    make_web_rule(session, clock)
    first = track(session, clock, site)
    second = track(session, clock, site)
    assert show(session, clock, site, first.offer) is not None
    assert show(session, clock, site, second.offer) is None


def test_a_bad_signature_is_refused(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock)
    other_site, other_secret = make_web_site(session)
    with pytest.raises(PermissionDenied):
        track(session, clock, site, signature="0" * 64)
    with pytest.raises(PermissionDenied):
        track(session, clock, site, signature=sign_contact(other_secret, "C-1"))
    with pytest.raises(PermissionDenied):
        track(session, clock, site, signature="")
    with pytest.raises(PermissionDenied):  # nobody may pose as an anonymous visitor's contact
        track(
            session,
            clock,
            site,
            contact="visitor:0123",
            signature=sign_contact(site[1], "visitor:0123"),
        )
    assert other_site.id != site[0].id


def test_a_contact_id_never_seen_is_created_when_the_survey_is_shown(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock)
    offered = track(session, clock, site, contact="NEW-7")
    assert session.scalars(select(Contact).where(Contact.external_id == "NEW-7")).first() is None
    shown = show(session, clock, site, offered.offer)
    assert shown is not None
    contact = session.scalars(select(Contact).where(Contact.external_id == "NEW-7")).one()
    assert contact.locale == "de"  # the browser's language, among the survey's


def test_anonymous_visitors_only_where_the_rule_allows_them(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    rule = make_web_rule(session, clock)
    refused = track(session, clock, site, contact=None, visitor=BROWSER)
    assert refused.offer is None
    assert refused.reasons == ["anonymous_not_allowed"]
    assert track(session, clock, site, contact=None).reasons == ["no_visitor"]
    assert track(session, clock, site, contact=None, visitor="short").reasons == ["no_visitor"]

    rule.allow_anonymous = True
    offered = track(session, clock, site, contact=None, visitor=BROWSER)
    shown = show(session, clock, site, offered.offer)
    assert shown is not None
    contact = shown.display.invitation.contact
    assert contact is not None
    assert contact.external_id.startswith("visitor:")
    assert BROWSER not in contact.external_id

    # The same browser is recognised on its next visit; another browser is not.
    clock.advance(timedelta(days=3))
    assert track(session, clock, site, contact=None, visitor=BROWSER).reasons == [
        "recontact_contact"
    ]
    assert track(session, clock, site, contact=None, visitor="a" * 32).offer is not None


@pytest.mark.parametrize(
    ("settings", "attributes", "reasons"),
    [
        ({"sampling_rate": 0.0}, {}, ["sampling"]),
        (
            {
                "conditions": [
                    {"source": "interaction", "attribute": "order_value", "op": "gte", "value": 100}
                ]
            },
            {"order_value": 20},
            ["condition"],
        ),
        ({"daily_cap": 1}, {}, []),
    ],
)
def test_sampling_conditions_and_caps_decide_like_for_email(
    session: Session,
    clock: FixedClock,
    site: tuple[WebSite, str],
    settings: dict[str, Any],
    attributes: dict[str, Any],
    reasons: list[str],
) -> None:
    make_web_rule(session, clock, **settings)
    result = track(session, clock, site, attributes=attributes)
    assert result.reasons == reasons
    assert (result.offer is None) == bool(reasons)


def test_the_daily_cap_counts_surveys_shown(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock, daily_cap=1)
    assert show(session, clock, site, track(session, clock, site, contact="C-1").offer)
    assert track(session, clock, site, contact="C-2").reasons == ["daily_cap"]


def test_events_without_an_active_website_rule_show_nothing(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    rule = make_web_rule(session, clock)
    assert track(session, clock, site, event="help.article_read").reasons == ["no_web_rule"]
    rule.channel = ConsentChannel.EMAIL  # an email rule of the same touchpoint
    assert track(session, clock, site).reasons == ["no_web_rule"]
    with pytest.raises(ValidationFailed):
        track(session, clock, site, event=" ")


def test_opt_in_without_a_grant_offers_the_consent_question_if_there_is_a_consent_text(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock, policy=ConsentPolicy.OPT_IN)
    no_text = track(session, clock, site)
    assert no_text.offer is None
    assert no_text.reasons == ["no_consent", "no_consent_text"]

    admin = make_user(session, role=Role.ADMIN)
    consent.save_consent_text(
        session, locale="en", body="We may ask you about your visit.", clock=clock, actor=admin
    )
    offered = track(session, clock, site)
    assert offered.offer is not None
    assert offered.consent_required
    shown = show(session, clock, site, offered.offer)
    assert shown is not None
    assert shown.consent_required
    recorded = {check["name"]: check for check in shown.display.invitation.checks}
    assert recorded["consent"]["passed"]
    assert recorded["consent"]["reason"] == "consent_asked_in_widget"


def test_after_a_withdrawal_the_widget_never_asks_again(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock, policy=ConsentPolicy.OPT_IN)
    admin = make_user(session, role=Role.ADMIN)
    consent.save_consent_text(session, locale="en", body="Text", clock=clock, actor=admin)
    contact = make_contact(session, external_id="C-1")
    consent.record_event(
        session,
        contact,
        channel=ConsentChannel.WEB,
        action=consent.ConsentAction.WITHDRAWN,
        source=consent.ConsentSource.PREFERENCE_CENTRE,
        clock=clock,
    )
    result = track(session, clock, site)
    assert result.offer is None
    assert result.reasons == ["no_consent"]


def test_an_offer_of_another_site_or_an_expired_one_is_refused(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock)
    offer = track(session, clock, site).offer
    assert offer is not None
    other, _ = make_web_site(session)
    with pytest.raises(ValidationFailed):
        displays.show_offer(
            session,
            view_of(session, other),
            offer,
            origin=ORIGIN,
            app_secret=TEST_APP_SECRET,
            clock=clock,
        )
    clock.advance(eligibility.OFFER_LIFETIME)
    with pytest.raises(ValidationFailed):
        show(session, clock, site, offer)


def test_an_erased_contact_is_never_asked_again(
    session: Session, clock: FixedClock, site: tuple[WebSite, str]
) -> None:
    make_web_rule(session, clock)
    contact = make_contact(session, external_id="C-1")
    contacts.erase_contact(session, contact.id, clock=clock, actor=make_user(session))
    result = track(session, clock, site)
    assert result.offer is None
    assert result.reasons == ["contact_erased"]
