"""Stored XSS: payloads in every user-writable field are inert wherever they are shown.

``xss_scene.build_scene`` stores the corpus (``xss_corpus``) in every field staff, customers
and integrations can write; each test here renders one kind of sink with all of them at once:
staff pages, public pages, emails, the PDF report, CSV exports, the contact import (whose
error messages echo values) and the API. A page passes when the HTML parser finds no element
or attribute a payload created, no template syntax was evaluated (``{{7*7}}`` never becomes
49), and the tagged values are there, shown as text (so a sink that lost the field fails too).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentPolicy
from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.models import Contact, ReportSubscription
from surveyapp.services import api_keys, consent, teams
from surveyapp.services.cases import digest, kudos, sending
from surveyapp.services.dispatch import sending as dispatch_sending
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import SmtpTransport
from surveyapp.services.reporting import report_content, report_mail
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.web.api.v1.openapi import SERVER
from tests.conftest import AuthActions, csrf_token
from tests.factories import (
    TEST_APP_SECRET,
    make_published_survey,
    make_response,
    make_user,
    make_web_rule,
    make_web_site,
    plan_invitation,
)
from tests.security.xss_corpus import (
    CSV_PAYLOADS,
    HEADER_PAYLOAD,
    HTML_PAYLOADS,
    formula_cells,
    inert_problems,
    mark,
)
from tests.security.xss_scene import (
    PERIOD,
    Scene,
    build_scene,
    long,
    reword_survey,
    short,
    staff_pages,
)
from tests.smtp_sink import SmtpSink

EVALUATED = re.compile(r"\[[a-z-]+\] 49")
SETTINGS = DispatchSettings(
    worker_id="xss",
    base_url="http://localhost",
    sender="surveys@localhost",
    domain="localhost",
    secret=TEST_APP_SECRET,
)


@pytest.fixture
def scene(session: Session, clock: FixedClock) -> Scene:
    built = build_scene(session, clock)
    session.commit()
    return built


def assert_inert(where: str, page: str, *tags: str) -> None:
    """No markup from a payload in ``page``, nothing evaluated, and every tag shown as text."""
    assert inert_problems(page) == [], where
    text = html.unescape(page)
    assert not EVALUATED.search(text), where
    missing = [tag for tag in tags if f"[{tag}]" not in text]
    assert missing == [], f"{where} does not show {missing}"


# --- staff pages -----------------------------------------------------------------------------


def test_staff_pages_show_every_payload_as_text(
    client: FlaskClient, auth: AuthActions, scene: Scene
) -> None:
    auth.login(scene.admin.email)
    for path, tags in staff_pages(scene).items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(path, response.get_data(as_text=True), *tags)


# --- public pages ----------------------------------------------------------------------------


def test_public_pages_show_every_payload_as_text(client: FlaskClient, scene: Scene) -> None:
    survey_page = client.get(scene.test_link).get_data(as_text=True)
    assert_inert("survey page", survey_page, "intro", "question-score", "scale-low", "scale-high")
    # The follow-ups and the choice question with its options (step two).
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', survey_page)
    assert token is not None
    answered = client.post(
        scene.test_link,
        data={"csrf_token": token.group(1), "version": "2", "steps": "first", "score": "3"},
        follow_redirects=True,
    )
    assert_inert("second step", answered.get_data(as_text=True), "question-improve", "option")
    step_two = answered.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', step_two)
    assert token is not None
    done = client.post(
        scene.test_link,
        data={
            "csrf_token": token.group(1),
            "version": "2",
            "steps": "all",
            "score": "3",
            "improve": long("test-answer"),
        },
        follow_redirects=True,
    )
    assert_inert("thank-you page", done.get_data(as_text=True), "thank-you")
    preferences = client.get(scene.preference_link).get_data(as_text=True)
    assert_inert("preference centre", preferences)  # shows no stored text: checked anyway
    loop = client.get(f"/c/{scene.case_mail_token}").get_data(as_text=True)
    assert_inert("close-the-loop page", loop)


@pytest.mark.parametrize("policy", [ConsentPolicy.OPT_IN, ConsentPolicy.OPT_OUT])
def test_the_website_widget_frame_shows_payloads_as_text(
    client: FlaskClient, session: Session, clock: FixedClock, policy: ConsentPolicy
) -> None:
    rule = make_web_rule(session, clock, policy=policy)
    admin = make_user(session, role=Role.ADMIN)
    reword_survey(session, rule.survey_id, admin, clock)
    site, secret = make_web_site(session, name=short("site-name"))
    consent.save_consent_text(
        session, locale="en", body=long("consent-text"), clock=clock, actor=admin
    )
    session.commit()
    headers = {"Origin": "https://shop.example"}
    body = {
        "event": "checkout.completed",
        "contact_id": "C-5",
        "signature": sign_contact(secret, "C-5"),
    }
    offer = client.post(
        f"/embed/v1/sites/{site.site_key}/eligibility", json=body, headers=headers
    ).get_json()["offer"]
    frame = client.post(
        f"/embed/v1/sites/{site.site_key}/show", json={"offer": offer}, headers=headers
    ).get_json()["frame"]

    page = client.get(frame).get_data(as_text=True)

    shown = ("consent-text",) if policy == ConsentPolicy.OPT_IN else ("question-score",)
    assert_inert(f"widget frame ({policy})", page, *shown)


# --- emails ----------------------------------------------------------------------------------


def _mail_parts(sink: SmtpSink) -> Iterator[tuple[str, str, str]]:
    """``(subject, text, html)`` of every message the sink received."""
    for received in sink.received:
        message = received.message
        text = message.get_body(("plain",))
        markup = message.get_body(("html",))
        yield (
            str(message["Subject"]),
            str(text.get_content()) if text is not None else "",
            str(markup.get_content()) if markup is not None else "",
        )


def _send_everything(
    session_factory: sessionmaker[Session], sink: SmtpSink, clock: FixedClock
) -> None:
    """Run every mail job: invitations, case mail, kudos, the digest, subscribed reports."""
    transport = SmtpTransport(sink.url, timeout=5)
    try:
        dispatch_sending.run_round(
            session_factory, lambda: transport, settings=SETTINGS, clock=clock
        )
        sending.send_due_case_mail(session_factory, transport, settings=SETTINGS, clock=clock)
        kudos.send_kudos_mail(session_factory, transport, settings=SETTINGS, clock=clock)
        clock.advance(timedelta(days=1))
        digest.send_daily_digests(session_factory, transport, settings=SETTINGS, clock=clock)
        clock.advance(timedelta(days=7))  # the subscription's first report is next week's
        report_mail.send_due_reports(session_factory, transport, settings=SETTINGS, clock=clock)
    finally:
        transport.close()


def test_emails_show_every_payload_as_text(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    scene: Scene,
    smtp_sink: SmtpSink,
) -> None:
    plan_invitation(session, clock, "XSS-3", "C-XSS-3", name=short("invitee-name"))
    session.commit()
    _send_everything(session_factory, smtp_sink, clock)

    mails = list(_mail_parts(smtp_sink))
    shown = "\n".join(html.unescape(markup) + text for _, text, markup in mails)
    for subject, text, markup in mails:
        assert_inert(subject, markup)
        assert not EVALUATED.search(text + subject)
        assert "\n" not in subject
    assert "{{7*7}}" in shown  # template syntax in a message to a customer stays text
    for tag in ("invitee-name", "question-score", "case-message", "kudos", "team-name"):
        assert f"[{tag}]" in shown, f"no mail shows {tag}"


def test_line_breaks_in_names_never_add_a_mail_header(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    scene: Scene,
    smtp_sink: SmtpSink,
) -> None:
    # Names as the services store them: they trim the ends, the line breaks inside stay.
    team = teams.create_team(session, name=f"Team {HEADER_PAYLOAD}", clock=clock, actor=None)
    assert "\r\n" in team.name
    scene.setup.team.name = f"{team.name} 2"  # the subscribed team, named like that one
    scene.setup.touchpoint.name = f"Touchpoint {HEADER_PAYLOAD}"
    for staff in (scene.setup.manager, *scene.setup.agents):
        staff.name = f"Staff {HEADER_PAYLOAD}"
    plan_invitation(session, clock, "XSS-4", "C-XSS-4", name=f"Invitee {HEADER_PAYLOAD}")
    session.commit()

    _send_everything(session_factory, smtp_sink, clock)

    subjects = [str(received.message["Subject"]) for received in smtp_sink.received]
    assert len(subjects) >= 6, subjects  # invitation, case, 2 kudos, digest, report: all sent
    for received in smtp_sink.received:
        assert "attacker@evil.invalid" not in " ".join(received.recipients)
        assert received.message["Bcc"] is None
        assert received.message["X-Injected"] is None
    subscription = session.get(ReportSubscription, scene.subscription_id)
    assert subscription is not None
    session.refresh(subscription)
    assert subscription.last_error is None
    assert subscription.last_sent_at is not None


# --- the PDF report --------------------------------------------------------------------------


def test_the_pdf_report_prints_payloads_literally_and_links_nowhere(
    session: Session, clock: FixedClock, scene: Scene
) -> None:
    filters = ReportFilters(
        date_from=clock.now().date() - timedelta(days=27),
        date_to=clock.now().date(),
        team_id=scene.setup.team.id,
    )

    document, _name = report_content.report_pdf(
        session, filters, locale="en", timezone="UTC", clock=clock
    )

    reader = PdfReader(io.BytesIO(document))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for tag in ("team-name", "comment", "touchpoint-name", "user-name"):
        assert f"[{tag}]" in text, tag
    assert "[comment] <script>alert(1)</script>" in text  # the customer's words, as written
    assert not EVALUATED.search(text)
    actions = [
        str(annotation.get_object().get("/A", {}))
        for page in reader.pages
        for annotation in page.get("/Annots", [])
    ]
    assert not [action for action in actions if "javascript" in action.lower()]
    assert "/JavaScript" not in str(reader.trailer["/Root"])


# --- CSV exports -----------------------------------------------------------------------------


def _cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]


def test_csv_exports_neutralise_every_formula(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, scene: Scene
) -> None:
    # Survey names are whole cells of the export: surveys named like formulas, one answer each.
    for payload in CSV_PAYLOADS:
        _survey, version = make_published_survey(session, name=payload)
        make_response(session, version, score=9, comment=payload, started_at=clock.now())
    session.commit()
    auth.login(scene.admin.email)

    export = client.get(f"/reports/export.csv?{PERIOD}")

    assert export.status_code == 200
    cells = _cells(export.get_data(as_text=True))
    assert formula_cells(cells) == []
    for payload in CSV_PAYLOADS:  # kept, behind the neutralising quote
        assert any(cell.startswith("'") and payload.strip() in cell for cell in cells), payload
    assert any("[comment] <script>alert(1)</script>" in cell for cell in cells)
    assert "[team-name]" in " ".join(cells)


# --- contact import and the API --------------------------------------------------------------


def test_contact_import_echoes_bad_values_as_text(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.login_as(Role.ADMIN)
    buffer = io.StringIO()
    rows = csv.writer(buffer, delimiter=";")
    # A column named like a payload becomes an attribute (name and value are both user text).
    column = mark(HTML_PAYLOADS[1], "import-column")
    rows.writerow(["external_id", "email", "name", "consent_email", "plan", column])
    for number, payload in enumerate(HTML_PAYLOADS):
        good = [f"IMP-{number}", f"i{number}@example.com", mark(payload, "import-name")]
        rows.writerow([*good, "", payload, payload])
        # A bad email, a bad consent and a line break in the name: the list names all three.
        rows.writerow([f"BAD-{number}", payload, f"{payload}\nx", payload, payload, payload])
    content = buffer.getvalue().encode()

    response = client.post(
        "/contacts/import",
        data={
            "file": (io.BytesIO(content), "contacts.csv"),
            "csrf_token": csrf_token(client, "/contacts/import"),
        },
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert_inert("import result", page)  # errors name line and column; values stay out
    assert f"{len(HTML_PAYLOADS)} failed" in page
    assert "This cell holds a line break" in page
    imported = session.scalars(select(Contact).where(Contact.external_id.like("IMP-%"))).all()
    assert len(imported) == len(HTML_PAYLOADS)
    listing = client.get("/contacts/?q=import-name").get_data(as_text=True)
    assert_inert("contact list", listing, "import-name")
    detail = client.get(f"/contacts/{imported[0].id}").get_data(as_text=True)
    assert_inert("imported contact", detail, "import-name", "import-column")


def test_api_written_contacts_are_inert_on_staff_pages(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    admin = auth.login_as(Role.ADMIN)
    secret = api_keys.create_key(
        session, name=short("api-key-name"), scopes=api_keys.SCOPES, clock=clock, actor=admin
    ).secret
    session.commit()
    body = {
        "email": "api@example.com",
        "name": short("api-name"),
        "attributes": {"plan": short("api-attribute"), "note": long("api-attribute", 200)},
    }

    written = client.put(
        f"{SERVER}/contacts/API-1", json=body, headers={"Authorization": f"Bearer {secret}"}
    )

    assert written.status_code in (200, 201), written.get_data(as_text=True)
    assert written.json is not None
    assert written.json["name"] == body["name"]  # JSON, never HTML
    contact = session.scalars(select(Contact).where(Contact.external_id == "API-1")).one()
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert_inert("API contact", page, "api-name", "api-attribute")
    keys_page = client.get("/admin/api-keys").get_data(as_text=True)
    assert_inert("API keys", keys_page, "api-key-name")
