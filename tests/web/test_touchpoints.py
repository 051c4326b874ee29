"""CX owners set up touchpoints, stages and rules, and see why a customer was (not) surveyed."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentSource
from surveyapp.domain.roles import Role
from surveyapp.models import Invitation, JourneyStage, Survey, Touchpoint, TriggerRule
from surveyapp.services import consent, contacts, touchpoints, trigger_rules
from surveyapp.services.contacts import ContactData
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_published_survey, make_team


def _words(response: TestResponse) -> str:
    """The page as a reader sees it: no tags, entities decoded, single spaces."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())


def _post(client: FlaskClient, path: str, **fields: Any) -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_token(client, "/"), **fields})


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def touchpoint(session: Session, clock: FixedClock) -> Touchpoint:
    created = touchpoints.create_touchpoint(
        session,
        key="support.ticket_closed",
        name="Ticket closed",
        stage_key="support",
        clock=clock,
        actor=None,
    )
    session.commit()
    return created


@pytest.fixture
def survey(session: Session) -> Survey:
    published = make_published_survey(session, name="After support")[0]
    session.commit()
    return published


def _rule(
    session: Session, clock: FixedClock, touchpoint: Touchpoint, survey: Survey, **fields: Any
) -> TriggerRule:
    settings = RuleSettings(
        name="After tickets", touchpoint_id=touchpoint.id, survey_id=survey.id, **fields
    )
    rule = trigger_rules.save_rule(session, settings, clock=clock, actor=None)
    session.commit()
    return rule


def _interaction(session: Session, clock: FixedClock, key: str, contact: str) -> int:
    data = InteractionData(
        idempotency_key=key,
        touchpoint_key="support.ticket_closed",
        contact=ContactData(contact, email=f"{contact.lower()}@example.com"),
        occurred_at=clock.now(),
        attributes={"queue": "billing"},
        agent_name="Ana",
        first_response_seconds=5400,
        solved_first_contact=True,
    )
    recorded = touchpoints.record_interaction(session, data, clock=clock)
    session.commit()
    return recorded.interaction.id


def _grant(session: Session, clock: FixedClock, external_id: str) -> None:
    contact = contacts.find_by_external_id(session, external_id)
    assert contact is not None
    consent.record_event(
        session,
        contact,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.GRANTED,
        source=ConsentSource.API,
        clock=clock,
    )
    session.commit()


# --- touchpoints and stages -------------------------------------------------------------------


def test_cx_owner_creates_a_touchpoint_in_a_stage(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    team = make_team(session, name="Billing desk")
    session.commit()
    response = _post(
        client,
        "/touchpoints/new",
        key="billing.invoice_sent",
        name="Invoice sent",
        description="After every invoice",
        team_id=str(team.id),
        stage="purchase",
    )
    assert response.status_code == 302
    created = session.scalars(
        select(Touchpoint).where(Touchpoint.key == "billing.invoice_sent")
    ).one()
    assert (created.name, created.team_id) == ("Invoice sent", team.id)
    assert created.stage is not None
    assert created.stage.key == "purchase"

    assert "Invoice sent" in _words(client.get(response.headers["Location"]))
    overview = _words(client.get("/touchpoints/"))
    assert (
        overview.index("Purchase")
        < overview.index("billing.invoice_sent")
        < overview.index("Onboarding")
    )
    assert "Billing desk" in overview


def test_duplicate_touchpoint_key_is_shown_on_the_field(
    client: FlaskClient, session: Session, auth: AuthActions, touchpoint: Touchpoint
) -> None:
    auth.login_as(Role.CX_OWNER)
    before = _count(session, Touchpoint)
    response = _post(
        client, "/touchpoints/new", key="support.ticket_closed", name="Again", team_id="0", stage=""
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="key-error"[^>]*>A touchpoint with this key already exists\.', page)
    assert _count(session, Touchpoint) == before


def test_stages_are_added_renamed_and_moved(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    assert _post(client, "/touchpoints/stages", name="Advocacy", key="").status_code == 302
    assert _post(client, "/touchpoints/stages/advocacy/rename", name="Referral").status_code == 302
    assert _post(client, "/touchpoints/stages/advocacy/move", direction="up").status_code == 302

    session.expire_all()
    keys = session.scalars(select(JourneyStage.key).order_by(JourneyStage.position)).all()
    assert list(keys[-2:]) == ["advocacy", "cancellation"]
    page = _words(client.get("/touchpoints/stages"))
    assert page.index("Referral") < page.index("Cancellation")

    duplicate = _post(client, "/touchpoints/stages", name="Support")
    assert duplicate.status_code == 400
    assert "A stage with this key already exists." in _words(duplicate)
    empty = _post(client, "/touchpoints/stages/advocacy/rename", name="")
    assert empty.status_code == 400
    assert "Enter a name." in _words(empty)
    assert (
        _post(client, "/touchpoints/stages/advocacy/move", direction="sideways").status_code == 400
    )


# --- rules ------------------------------------------------------------------------------------

EVERY_FIELD = {
    "name": "Billing tickets",
    "channel": "web",
    "delay_value": "2",
    "delay_unit": "days",
    "sampling_percent": "12.5",
    "strata_attribute": "region",
    "strata_rates": "small-market = 100\r\nDE = 50",
    "recontact_days_contact": "30",
    "recontact_days_survey": "90",
    "quiet_start": "21:00",
    "quiet_end": "08:00",
    "quiet_days": ["6", "7"],
    "holidays": "DE-BY 2026-08-15\n* 2026-12-25",
    "daily_cap": "200",
    "conditions": (
        "contact.plan in pro, enterprise\n\ninteraction.queue eq billing\ncontact.value gte 1000"
    ),
    "reminder_days": "3",
    "expiry_days": "10",
    "priority": "5",
    "is_active": "y",
}


def test_rule_is_created_with_every_field_parsed(
    client: FlaskClient, session: Session, auth: AuthActions, touchpoint: Touchpoint, survey: Survey
) -> None:
    auth.login_as(Role.CX_OWNER)
    path = f"/touchpoints/{touchpoint.id}/rules/new"
    response = _post(client, path, survey_id=str(survey.id), **EVERY_FIELD)
    assert response.status_code == 302, _words(response)

    rule = session.scalars(select(TriggerRule)).one()
    assert rule.name == "Billing tickets"
    assert (rule.touchpoint_id, rule.survey_id) == (touchpoint.id, survey.id)
    assert rule.channel == ConsentChannel.WEB
    assert rule.delay_minutes == 2 * 24 * 60
    assert rule.sampling_rate == pytest.approx(0.125)
    assert rule.strata == {"attribute": "region", "rates": {"small-market": 1.0, "DE": 0.5}}
    assert (rule.recontact_days_contact, rule.recontact_days_survey) == (30, 90)
    assert rule.quiet == {"start": "21:00", "end": "08:00", "days": [6, 7]}
    assert rule.holidays == [
        {"region": "DE-BY", "date": "2026-08-15"},
        {"region": "*", "date": "2026-12-25"},
    ]
    assert rule.daily_cap == 200
    assert rule.conditions == [
        {"source": "contact", "attribute": "plan", "op": "in", "value": ["pro", "enterprise"]},
        {"source": "interaction", "attribute": "queue", "op": "eq", "value": "billing"},
        {"source": "contact", "attribute": "value", "op": "gte", "value": 1000},
    ]
    assert (rule.reminder_days, rule.expiry_days, rule.priority) == (3, 10, 5)
    assert rule.is_active is True

    edit = client.get(f"/touchpoints/rules/{rule.id}").get_data(as_text=True)
    assert "contact.plan in pro,enterprise" in edit
    assert "small-market = 100" in edit
    assert re.search(r'name="delay_unit"[\s\S]*?<option selected value="days">', edit)


def test_rule_changes_are_saved(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    auth: AuthActions,
    touchpoint: Touchpoint,
    survey: Survey,
) -> None:
    rule = _rule(session, clock, touchpoint, survey, delay_minutes=90)
    auth.login_as(Role.ADMIN)
    fields = {**EVERY_FIELD, "delay_value": "90", "delay_unit": "minutes", "conditions": ""}
    fields.pop("is_active")
    response = _post(client, f"/touchpoints/rules/{rule.id}", survey_id=str(survey.id), **fields)
    assert response.status_code == 302, _words(response)
    session.expire_all()
    saved = session.get(TriggerRule, rule.id)
    assert saved is not None
    assert (saved.delay_minutes, saved.conditions, saved.is_active) == (90, [], False)
    assert _count(session, TriggerRule) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sampling_percent": "150"}, "Use a sampling rate between 0 and 100 %."),
        ({"quiet_start": "25:00"}, "Give a time as HH:MM, from 00:00 to 23:59."),
        (
            {"conditions": "contact.plan in pro\ncontact.value biggerthan 5"},
            "Line 2: use one of the operators eq, ne, in, gt, gte, lt, lte.",
        ),
        ({"conditions": "plan in pro"}, "Line 1: begin with interaction.<attribute>"),
        ({"conditions": "contact.value gte lots"}, "Line 1: gte needs a number."),
        ({"holidays": "* 2026-12-25\nDE-BY 15.08.2026"}, "Line 2: write a region (or * for all)"),
        ({"strata_rates": "DE = 120"}, "Line 1: write a value, = and a percentage from 0 to 100"),
        ({"survey_id": "999999"}, "Not a valid choice."),
        ({"delay_value": "61", "delay_unit": "days"}, "Use a delay of at most 60 days."),
        ({"reminder_days": "20"}, "Send the reminder before the link expires."),
    ],
)
def test_bad_rule_input_is_refused_next_to_its_field(
    changes: dict[str, str],
    message: str,
    client: FlaskClient,
    session: Session,
    auth: AuthActions,
    touchpoint: Touchpoint,
    survey: Survey,
) -> None:
    auth.login_as(Role.CX_OWNER)
    fields = {**EVERY_FIELD, "survey_id": str(survey.id), **changes}
    response = _post(client, f"/touchpoints/{touchpoint.id}/rules/new", **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="invalid-feedback d-block"' in page
    assert message in _words(response)
    assert _count(session, TriggerRule) == 0


def test_rule_of_an_unpublished_survey_shows_a_warning(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    auth: AuthActions,
    touchpoint: Touchpoint,
    survey: Survey,
) -> None:
    draft = Survey(**{c: getattr(survey, c) for c in ("kind", "status", "draft")})
    draft.name, draft.link_slug = "Draft only", "draft-only-slug"
    draft.created_at = draft.updated_at = clock.now()
    session.add(draft)
    session.flush()
    rule = _rule(session, clock, touchpoint, draft)
    auth.login_as(Role.VIEWER)
    page = _words(client.get(f"/touchpoints/rules/{rule.id}"))
    assert "The rule's survey has no published version" in page
    assert "Draft only (not published)" in page
    assert "Your role may look at rules but not change them." in page


def test_viewer_gets_403_on_every_change(
    app: Flask,
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    auth: AuthActions,
    touchpoint: Touchpoint,
    survey: Survey,
) -> None:
    rule = _rule(session, clock, touchpoint, survey)
    auth.login_as(Role.VIEWER)
    values = {"touchpoint_id": touchpoint.id, "rule_id": rule.id, "stage_key": "support"}
    posts = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("touchpoints.") and "POST" in r.methods
    ]
    assert len(posts) == 6
    for url_rule in posts:
        url = url_rule.build({name: values[name] for name in url_rule.arguments})[1]
        fields = {"survey_id": str(survey.id), **EVERY_FIELD, "key": "x.y.z", "direction": "up"}
        assert _post(client, url, **fields).status_code == 403, url
    assert _count(session, TriggerRule) == 1
    assert client.get(f"/touchpoints/rules/{rule.id}").status_code == 200
    assert "New touchpoint" not in _words(client.get("/touchpoints/"))


# --- dry run and "why" ------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_counts_the_outcomes(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    auth: AuthActions,
    touchpoint: Touchpoint,
    survey: Survey,
) -> None:
    for number in (1, 2, 3):
        _interaction(session, clock, f"T-{number}", f"C-{number}")
    _grant(session, clock, "C-1")
    _grant(session, clock, "C-2")
    rule = _rule(session, clock, touchpoint, survey, is_active=False, delay_minutes=0)
    auth.login_as(Role.VIEWER)
    invitations_before = _count(session, Invitation)

    response = client.get(f"/touchpoints/rules/{rule.id}/dry-run")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'id="total-queued">2<', page)
    assert re.search(r'id="total-suppressed">1<', page)
    assert re.search(r'data-reason="no_consent">1<', page)
    words = _words(response)
    assert words.count("Would be queued for") == 2
    assert "Would be suppressed because: No consent for this channel" in words
    assert "Policy: opt-in — no survey without a grant." in words
    session.expire_all()
    assert _count(session, Invitation) == invitations_before == 0


def test_why_page_shows_every_check_and_the_reason_in_words(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    auth: AuthActions,
    touchpoint: Touchpoint,
    survey: Survey,
) -> None:
    rule = _rule(session, clock, touchpoint, survey)
    interaction_id = _interaction(session, clock, "T-42", "C-42")
    auth.login_as(Role.CX_OWNER, locale="en")

    response = client.get(f"/touchpoints/interactions/{interaction_id}")

    assert response.status_code == 200
    words = _words(response)
    checks = re.findall(
        r'(Passed|Failed):</span>\s*<span class="fw-semibold">([^<]+)</span>',
        response.get_data(as_text=True),
    )
    assert [name for _, name in checks][:4] == [
        "Survey published",
        "Conditions",
        "Email address",
        "Consent",
    ]
    assert ("Failed", "Consent") in checks
    assert (
        "No consent for this channel: The contact never granted consent, "
        "and the policy is opt-in." in words
    )
    assert "Policy: opt-in — no survey without a grant." in words
    assert "Not sent (suppressed)" in words
    assert f'href="/touchpoints/rules/{rule.id}"' in response.get_data(as_text=True)
    for fact in ("Ana", "1 h 30 min", "billing", "Solved at first contact Yes"):
        assert fact in words
    # German sentences come with the catalogue, which the lead fills at the end.

    detail = _words(client.get(f"/touchpoints/{touchpoint.id}"))
    assert "C-42" in detail
    assert "No consent for this channel" in detail


def test_why_page_without_invitation_names_the_missing_rule(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    auth: AuthActions,
    touchpoint: Touchpoint,
) -> None:
    interaction_id = _interaction(session, clock, "T-7", "C-7")
    auth.login_as(Role.VIEWER)
    words = _words(client.get(f"/touchpoints/interactions/{interaction_id}"))
    assert "this touchpoint has no active rule" in words
    assert client.get("/touchpoints/interactions/999999").status_code == 404
