"""The closed loop in a real browser: an unhappy answer opens a case; a manager works it."""

from __future__ import annotations

import itertools
import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import Case, Invitation, Response, Team, User
from surveyapp.runtime import get_runtime
from surveyapp.services import answering, consent, touchpoints, trigger_rules
from surveyapp.services._db import session_scope
from surveyapp.services.answering import Steps
from surveyapp.services.cases import sending
from surveyapp.services.contacts import ContactData
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import SmtpTransport
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from tests.e2e.pages import Axe, MakeStaff, sign_in
from tests.factories import make_published_survey, make_root_cause, make_team, make_user
from tests.smtp_sink import SmtpSink

_numbers = itertools.count(1)


def _invitation_token(session: Session, clock: Clock, team: Team, name: str) -> str:
    """A touchpoint of ``team`` with a rule, an interaction for a new contact, its link token."""
    number = next(_numbers)
    admin = make_user(session, role=Role.ADMIN)
    survey, _ = make_published_survey(session, name=f"E2E cases {number}", actor=admin)
    touchpoint = touchpoints.create_touchpoint(
        session,
        key=f"e2e.cases.{number}",
        name=f"Repair finished {number}",
        team_id=team.id,
        clock=clock,
        actor=admin,
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
    )
    settings = RuleSettings(
        name=f"E2E rule {number}",
        touchpoint_id=touchpoint.id,
        survey_id=survey.id,
        delay_minutes=0,
        recontact_days_contact=None,
        recontact_days_survey=None,
    )
    trigger_rules.save_rule(session, settings, clock=clock, actor=admin)
    recorded = touchpoints.record_interaction(
        session,
        InteractionData(
            f"E2E-CASE-{number}",
            touchpoint.key,
            ContactData(f"E2E-CASE-C{number}", email=f"case{number}@example.com", name=name),
            clock.now(),
        ),
        clock=clock,
    )
    (invitation,) = recorded.invitations
    token = generate_token()
    invitation.token_hash = hash_token(token)
    invitation.state = InvitationState.SENT
    session.flush()
    return token


def _case_for_token(session: Session, token: str) -> Case | None:
    answered = (
        select(Response.id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Invitation.token_hash == hash_token(token))
    )
    return session.scalars(select(Case).where(Case.response_id.in_(answered))).one_or_none()


def _unhappy_case(live_app: Flask, manager_email: str) -> int:
    """A team with the manager in it, a root cause, and a case opened by a score of 2."""
    runtime = get_runtime(live_app)
    with session_scope(runtime.session_factory) as session:
        team = make_team(session, name=f"Field service {next(_numbers)}")
        manager = session.scalars(select(User).where(User.email == manager_email)).one()
        manager.teams.append(team)
        make_root_cause(session, f"Late technician {next(_numbers)}")
        token = _invitation_token(session, runtime.clock, team, "Karl Kunde")
        target = answering.target_for_invitation(session, token, clock=runtime.clock)
        answering.submit_answers(
            session,
            target,
            {"score": ["2"], "improve": ["The technician came a day late."]},
            steps=Steps.ALL,
            locale="en",
            clock=runtime.clock,
        )
        case = _case_for_token(session, token)
        assert case is not None
        return case.id


def _send_case_mail(live_app: Flask, live_server: str, sink: SmtpSink) -> int:
    """Run the case mail sender once against the test SMTP server; how many were sent."""
    runtime = get_runtime(live_app)
    settings = DispatchSettings(
        worker_id="e2e",
        base_url=live_server,
        sender="surveys@localhost",
        domain="localhost",
        secret=str(runtime.config.secret_key),
    )
    transport = SmtpTransport(sink.url, timeout=5)
    try:
        counts = sending.send_due_case_mail(
            runtime.session_factory, transport, settings=settings, clock=runtime.clock
        )
    finally:
        transport.close()
    return counts["sent"]


@pytest.mark.e2e
def test_an_nps_3_answer_on_the_public_page_opens_a_case_in_the_touchpoint_team(
    page: Page, live_app: Flask
) -> None:
    runtime = get_runtime(live_app)
    with session_scope(runtime.session_factory) as session:
        team = make_team(session, name=f"Repairs {next(_numbers)}")
        team_id = team.id
        token = _invitation_token(session, runtime.clock, team, "Rita Repair")

    page.goto(f"/s/{token}")
    page.get_by_role("radio", name="3", exact=True).check()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    with session_scope(runtime.session_factory) as session:
        case = _case_for_token(session, token)
        assert case is not None
        assert (case.team_id, case.status, case.score) == (team_id, CaseStatus.NEW, 3)


@pytest.mark.e2e
def test_a_manager_assigns_notes_tags_resolves_and_writes_to_the_customer(
    page: Page,
    live_app: Flask,
    live_server: str,
    make_staff: MakeStaff,
    axe: Axe,
    smtp_sink: SmtpSink,
) -> None:
    member = make_staff(role=Role.MANAGER)
    case_id = _unhappy_case(live_app, member.email)
    sign_in(page, member)

    navigation = page.get_by_role("navigation", name="Main navigation")
    navigation.get_by_role("link", name=re.compile(r"^Cases")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    row = page.locator(f'#case-list tr[data-case="{case_id}"]')
    expect(row).to_contain_text("Karl Kunde")
    expect(row).to_contain_text("Unassigned")
    axe(page)

    row.get_by_role("link", name=f"Case {case_id}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Case {case_id}")
    expect(page.get_by_text("The technician came a day late.")).to_be_visible()
    axe(page)

    page.get_by_label("Owner", exact=True).select_option(label=member.name)
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="assigned")).to_be_visible()
    expect(page.locator("#case-owner")).to_have_text(member.name)

    page.get_by_label("Note", exact=True).fill("Called Karl: the visit is rescheduled.")
    page.get_by_label("This was a phone call").check()
    page.get_by_label("I reached the customer").check()
    page.get_by_role("button", name="Add to the timeline").click()
    expect(page.locator("#case-status")).to_have_text("In progress")
    expect(page.locator("#case-timeline")).to_contain_text("Reached the customer")

    cause_name = page.locator("#causes-root_causes option").first.inner_text()
    page.locator("#causes-root_causes").select_option(label=cause_name)
    page.get_by_role("button", name="Save root causes").click()
    expect(page.locator("#case-root-causes")).to_have_text(cause_name)

    page.get_by_label("Resolution", exact=True).fill("Visit rescheduled; call-out fee waived.")
    page.locator("#resolve-root_causes").select_option(label=cause_name)
    page.get_by_role("button", name="Resolve the case").click()
    expect(page.locator("#case-status")).to_have_text("Resolved")

    message = page.get_by_label("Message", exact=True)
    expect(message).to_have_value(re.compile("this is what we did"))
    message.fill("We are sorry the technician was late. We waived the call-out fee.")
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator("#case-timeline")).to_contain_text("waiting to be sent")
    axe(page)

    assert _send_case_mail(live_app, live_server, smtp_sink) >= 1
    (mail,) = [m for m in smtp_sink.received if m.recipients[0].startswith("case")]
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert "We waived the call-out fee." in text
    assert "Did we solve your issue?" in text
    page.reload()
    expect(page.locator("#case-timeline")).to_contain_text("Email sent")
