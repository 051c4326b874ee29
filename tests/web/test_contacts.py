"""Staff contact pages: list and search, detail with the consent ledger, consent actions,
privacy rights (export, erasure), consent settings and the CSV upload."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent, ConsentEvent, ConsentText, Contact, Invitation
from surveyapp.services import consent, contacts, invitations
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_contact, make_published_survey, make_response, make_user


def _page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status
    return response.get_data(as_text=True)


def _ledger(session: Session, contact: Contact) -> list[tuple[str, str, str]]:
    session.expire_all()
    return [(e.channel, e.action, e.source) for e in consent.ledger(session, contact.id)]


def _audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- list and search ------------------------------------------------------------------------


def test_list_shows_newest_first_with_consent_per_channel_and_policy(
    client: FlaskClient, session: Session, auth: AuthActions, clock: FixedClock
) -> None:
    older = make_contact(session, external_id="OLD-1", name="Olga Older")
    newer = make_contact(session, external_id="NEW-1", name="Nina Newer", email="nina@example.com")
    newer.updated_at = datetime(2026, 2, 1, tzinfo=UTC)
    consent.record_event(
        session,
        newer,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.GRANTED,
        source=ConsentSource.API,
        clock=clock,
    )
    consent.record_event(
        session,
        older,
        channel=ConsentChannel.WEB,
        action=ConsentAction.WITHDRAWN,
        source=ConsentSource.WIDGET,
        clock=clock,
    )
    session.commit()
    auth.login_as(Role.AGENT)
    page = _page(client, "/contacts/")
    assert page.index("NEW-1") < page.index("OLD-1")
    assert "nina@example.com" in page
    assert f'href="/contacts/{newer.id}"' in page
    assert "granted" in page
    assert "withdrawn" in page
    assert "Email policy: opt-in — no survey without a grant." in page
    # Agents read, but are not offered the import or the settings' save buttons.
    assert "Save policy" not in _page(client, "/contacts/consent")


def test_search_matches_external_id_email_or_name(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    make_contact(session, external_id="ACME-7", email="kim@acme.example", name="Kim Park")
    make_contact(session, external_id="OTHER-1", email="lee@other.example", name="Lee Stone")
    session.commit()
    auth.login_as(Role.MANAGER)
    for text in ("acme-7", "KIM@ACME", "park"):
        page = _page(client, f"/contacts/?q={text}")
        assert "ACME-7" in page, text
        assert "OTHER-1" not in page, text
    assert "No contacts found." in _page(client, "/contacts/?q=nobody")
    too_long = _page(client, "/contacts/?q=" + "x" * 201, status=400)
    assert "Use at most 200 characters." in too_long


# --- detail ---------------------------------------------------------------------------------


def test_detail_shows_fields_attributes_ledger_decisions_and_history(
    client: FlaskClient, session: Session, auth: AuthActions, clock: FixedClock
) -> None:
    owner = make_user(session, role=Role.CX_OWNER)
    text = consent.save_consent_text(
        session, locale="en", body="Yes, ask me.", clock=clock, actor=owner
    )
    contact = make_contact(
        session, external_id="DET-1", name="Dora Detail", attributes={"plan": "pro"}
    )
    consent.record_event(
        session,
        contact,
        channel=ConsentChannel.EMAIL,
        action=ConsentAction.GRANTED,
        source=ConsentSource.PREFERENCE_CENTRE,
        clock=clock,
        text_version_id=text.id,
        ip="203.0.113.9",
    )
    survey, version = make_published_survey(session, name="After support", actor=owner)
    created = invitations.create_test_invitation(
        session, survey.id, locale="en", clock=clock, actor=owner
    )
    invitation: Invitation = created.invitation
    invitation.contact_id = contact.id
    response = make_response(session, version, score=4)
    response.invitation_id = invitation.id
    session.commit()

    auth.login_as(Role.AGENT)
    page = _page(client, f"/contacts/{contact.id}")
    assert "Dora Detail" in page
    assert "<td>plan</td><td>pro</td>" in page
    assert "Preference centre" in page
    assert "en, version 1" in page
    assert "<td>yes</td>" in page  # evidence present
    assert "The contact granted consent." in page
    assert "No grant is recorded, and the opt-in policy needs one." in page  # web channel
    assert "Policy: opt-in — no survey without a grant" in page
    assert "After support (version 1)" in page
    assert "Score 4" in page
    assert f'href="/responses/{response.id}"' in page
    # Agents read only: no consent form, no export, no erasure.
    assert "Record in the ledger" not in page
    assert "Export data (JSON)" not in page
    assert "Erase personal data" not in page


def test_unknown_contact_is_not_found(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.AGENT)
    assert client.get("/contacts/999999").status_code == 404


# --- staff consent actions -----------------------------------------------------------------


def test_staff_record_a_grant_and_a_withdrawal(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    contact = make_contact(session)
    session.commit()
    auth.login_as(Role.MANAGER)
    path = f"/contacts/{contact.id}"
    for action in ("granted", "withdrawn"):
        response = client.post(
            f"{path}/consent",
            data={"channel": "email", "action": action, "csrf_token": csrf_token(client, path)},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == path
    assert _ledger(session, contact) == [
        ("email", "granted", "staff"),
        ("email", "withdrawn", "staff"),
    ]
    assert not consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed
    assert _audit_actions(session).count("consent.recorded_by_staff") == 2
    assert "The consent ledger was updated." in _page(client, path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"channel": "sms", "action": "granted"}, "Not a valid choice"),
        ({"channel": "email", "action": "maybe"}, "Not a valid choice"),
        ({"action": "granted"}, "Choose a channel."),
    ],
)
def test_bad_consent_input_is_refused_and_changes_nothing(
    data: dict[str, str],
    message: str,
    client: FlaskClient,
    session: Session,
    auth: AuthActions,
) -> None:
    contact = make_contact(session)
    session.commit()
    auth.login_as(Role.ADMIN)
    path = f"/contacts/{contact.id}"
    response = client.post(f"{path}/consent", data={**data, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _ledger(session, contact) == []


def test_agents_may_not_record_consent_or_export(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    contact = make_contact(session)
    session.commit()
    auth.login_as(Role.AGENT)
    path = f"/contacts/{contact.id}"
    token = csrf_token(client, path)
    consent_post = client.post(
        f"{path}/consent", data={"channel": "email", "action": "granted", "csrf_token": token}
    )
    assert consent_post.status_code == 403
    assert client.post(f"{path}/export", data={"csrf_token": token}).status_code == 403
    assert _ledger(session, contact) == []
    assert "contact.exported" not in _audit_actions(session)


# --- privacy rights -------------------------------------------------------------------------


def test_export_downloads_the_contact_as_json_and_is_audited(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    contact = make_contact(session, external_id="EXP-1", email="exp@example.com")
    session.commit()
    auth.login_as(Role.CX_OWNER)
    path = f"/contacts/{contact.id}"
    response = client.post(f"{path}/export", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == "attachment; filename=contact-EXP-1.json"
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["contact"]["email"] == "exp@example.com"
    assert data["consent"] == []
    assert "contact.exported" in _audit_actions(session)


def test_export_file_name_keeps_only_safe_characters(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    contact = make_contact(session, external_id='A/B "C"')
    session.commit()
    auth.login_as(Role.ADMIN)
    path = f"/contacts/{contact.id}"
    response = client.post(f"{path}/export", data={"csrf_token": csrf_token(client, path)})
    assert response.headers["Content-Disposition"] == "attachment; filename=contact-A_B_C_.json"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT, Role.CX_OWNER])
def test_only_admins_may_erase(
    role: Role, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    contact = make_contact(session, external_id="KEEP-1")
    session.commit()
    auth.login_as(role)
    path = f"/contacts/{contact.id}"
    assert "Erase personal data" not in _page(client, path)
    response = client.post(
        f"{path}/erase", data={"confirmation": "KEEP-1", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 403
    session.refresh(contact)
    assert contact.erased_at is None


@pytest.mark.parametrize(
    ("confirmation", "message"),
    [
        ("", "external id to confirm."),
        ("keep-2", "nothing was erased"),
        ("KEEP-2x", "nothing was erased"),
    ],
)
def test_erasure_needs_the_typed_external_id(
    confirmation: str, message: str, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    contact = make_contact(session, external_id="KEEP-2", email="keep@example.com")
    session.commit()
    auth.login_as(Role.ADMIN)
    path = f"/contacts/{contact.id}"
    response = client.post(
        f"{path}/erase", data={"confirmation": confirmation, "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.refresh(contact)
    assert (contact.erased_at, contact.email) == (None, "keep@example.com")
    assert "contact.erased" not in _audit_actions(session)


def test_admin_erases_and_the_page_shows_no_personal_data(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    contact = make_contact(
        session, external_id="GONE-1", email="gone@example.com", name="Gina Gone"
    )
    contact.attributes = {"plan": "secret-plan"}
    session.commit()
    auth.login_as(Role.ADMIN)
    path = f"/contacts/{contact.id}"
    response = client.post(
        f"{path}/erase", data={"confirmation": "GONE-1", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302
    session.refresh(contact)
    assert contact.erased_at is not None
    assert "contact.erased" in _audit_actions(session)
    page = _page(client, path)
    assert "Personal data erased on" in page
    for personal in ("gone@example.com", "Gina Gone", "secret-plan"):
        assert personal not in page
    assert "Record in the ledger" not in page
    listing = _page(client, "/contacts/")
    assert "erased on" in listing
    assert "gone@example.com" not in listing

    # Nothing more is recorded about an erased contact, and it is not erased twice.
    token = csrf_token(client, path)
    again = client.post(f"{path}/erase", data={"confirmation": "GONE-1", "csrf_token": token})
    assert again.status_code == 409
    grant = client.post(
        f"{path}/consent", data={"channel": "web", "action": "granted", "csrf_token": token}
    )
    assert grant.status_code == 409
    assert _ledger(session, contact) == []


# --- consent settings -----------------------------------------------------------------------


def test_consent_policy_is_saved_per_channel(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    page = _page(client, "/contacts/consent")
    assert "no survey without a grant" in page
    assert "surveys are allowed unless the contact withdrew" in page
    response = client.post(
        "/contacts/consent",
        data={
            "email": "opt_in",
            "web": "opt_out",
            "csrf_token": csrf_token(client, "/contacts/consent"),
        },
    )
    assert response.status_code == 302
    assert consent.policy_for(session, ConsentChannel.WEB) == ConsentPolicy.OPT_OUT
    assert consent.policy_for(session, ConsentChannel.EMAIL) == ConsentPolicy.OPT_IN
    # Only the channel that changed is audited.
    assert _audit_actions(session).count("consent.policy_changed") == 1


@pytest.mark.parametrize("data", [{"email": "opt_in"}, {"email": "always", "web": "opt_in"}])
def test_a_bad_policy_is_refused_and_changes_nothing(
    data: dict[str, str], client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    token = csrf_token(client, "/contacts/consent")
    response = client.post("/contacts/consent", data={**data, "csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose opt-in or opt-out." in page or "Not a valid choice" in page
    assert "consent.policy_changed" not in _audit_actions(session)


def test_each_consent_text_save_is_a_new_version(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    for body in ("Ja, fragt mich.", "Ja, gern."):
        token = csrf_token(client, "/contacts/consent")
        response = client.post(
            "/contacts/consent/texts/de", data={"de-body": body, "csrf_token": token}
        )
        assert response.status_code == 302
    versions = session.scalars(
        select(ConsentText.version).where(ConsentText.locale == "de").order_by(ConsentText.id)
    ).all()
    assert versions == [1, 2]
    page = _page(client, "/contacts/consent")
    assert "Version 2 of the Deutsch consent text was saved." in page
    assert "Current version 2" in page
    assert "2 versions in its history" in page
    assert "Ja, gern." in page


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Enter the consent text."), ("x" * 5001, "Use at most 5000 characters.")],
)
def test_a_bad_consent_text_is_refused(
    body: str, message: str, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    token = csrf_token(client, "/contacts/consent")
    response = client.post(
        "/contacts/consent/texts/en", data={"en-body": body, "csrf_token": token}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'checked class="form-check-input" id="email-0"' in page  # the policy still shows
    assert session.scalar(select(func.count()).select_from(ConsentText)) == 0


def test_consent_texts_exist_only_for_supported_languages(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    token = csrf_token(client, "/contacts/consent")
    response = client.post(
        "/contacts/consent/texts/fr", data={"fr-body": "Oui", "csrf_token": token}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_managers_and_agents_read_but_do_not_change_settings_or_import(
    role: Role, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(role)
    assert "Only admins and CX owners can change" in _page(client, "/contacts/consent")
    assert "Only admins and CX owners can import" in _page(client, "/contacts/import")
    token = csrf_token(client, "/account")
    policy = client.post("/contacts/consent", data={"email": "opt_out", "csrf_token": token})
    text = client.post("/contacts/consent/texts/en", data={"en-body": "Hi", "csrf_token": token})
    upload = client.post(
        "/contacts/import",
        data={"file": (io.BytesIO(b"external_id\nM-1\n"), "c.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert (policy.status_code, text.status_code, upload.status_code) == (403, 403, 403)
    assert session.scalar(select(func.count()).select_from(Contact)) == 0
    assert session.scalar(select(func.count()).select_from(ConsentText)) == 0


# --- CSV upload -----------------------------------------------------------------------------


def _upload(client: FlaskClient, content: bytes, filename: str = "contacts.csv") -> tuple[int, str]:
    response = client.post(
        "/contacts/import",
        data={
            "file": (io.BytesIO(content), filename),
            "csrf_token": csrf_token(client, "/contacts/import"),
        },
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def test_upload_imports_good_lines_and_lists_the_bad_one(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    content = (
        "\ufeffexternal_id;email;name;consent_email\n"
        "U-1;u1@example.com;Ulla;granted\n"
        "U-2;not-an-email;Udo;\n"
        "U-3;;Uwe;\n"
    ).encode()
    status, page = _upload(client, content)
    assert status == 200
    assert "2 created, 0 updated, 1 failed." in page
    assert "<td>3</td><td>email</td><td>Enter a valid email address.</td>" in page
    stored = session.scalars(select(Contact.external_id).order_by(Contact.external_id)).all()
    assert stored == ["U-1", "U-3"]
    events = session.scalars(select(ConsentEvent)).all()
    assert [(e.channel, e.source) for e in events] == [("email", "import")]
    assert "contact.imported" in _audit_actions(session)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"external_id\nA-1\n", "contacts.xlsx", "Choose a file ending in .csv."),
        (b"", "contacts.csv", "The file is empty"),
        (b"\xff\xfe\x00b\x00i\x00n", "contacts.csv", "The file is not UTF-8 encoded CSV text."),
        (b"email\na@example.com\n", "contacts.csv", "including external_id"),
    ],
)
def test_a_file_that_is_not_a_contact_csv_is_refused(
    content: bytes,
    filename: str,
    message: str,
    client: FlaskClient,
    session: Session,
    auth: AuthActions,
) -> None:
    auth.login_as(Role.ADMIN)
    status, page = _upload(client, content, filename)
    assert status == 400
    assert message in page
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_upload_without_a_file_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(Role.ADMIN)
    response = client.post(
        "/contacts/import", data={"csrf_token": csrf_token(client, "/contacts/import")}
    )
    assert response.status_code == 400
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_upload_updates_existing_contacts(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    existing = make_contact(session, external_id="V-1", name="Old name")
    session.commit()
    auth.login_as(Role.ADMIN)
    status, page = _upload(client, b'external_id,name\nV-1,"New, name"\n')
    assert status == 200
    assert "0 created, 1 updated, 0 failed." in page
    session.refresh(existing)
    assert existing.name == "New, name"
    assert contacts.find_by_external_id(session, "V-1") is not None
