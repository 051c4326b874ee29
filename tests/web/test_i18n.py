"""The staff area speaks English and German: by browser, by choice, kept per user."""

from __future__ import annotations

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from config import PROJECT_ROOT
from surveyapp.domain.roles import Role
from surveyapp.web.auth.forms import LoginForm
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_user

CATALOGUE = PROJECT_ROOT / "surveyapp" / "translations" / "de" / "LC_MESSAGES" / "messages.po"


def test_browser_language_decides_before_sign_in(client: FlaskClient) -> None:
    german = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.get_data(as_text=True)
    assert "Bei surveyapp anmelden" in german.get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "fr-FR,en;q=0.5"})
    assert "Sign in to surveyapp" in english.get_data(as_text=True)


def test_language_switch_before_sign_in_is_kept_in_the_session(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/language", data={"csrf_token": token, "locale": "de", "next": "/login"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert "Bei surveyapp anmelden" in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_refused(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/language", data={"csrf_token": token, "locale": "xx"}, follow_redirects=True
    )
    assert "This language is not available." in response.get_data(as_text=True)
    assert '<html lang="en">' in response.get_data(as_text=True)


def test_signed_in_choice_is_stored_on_the_user(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    user = auth.login_as(Role.MANAGER, name="Mara")
    client.post(
        "/language", data={"csrf_token": csrf_token(client, "/"), "locale": "de", "next": "/"}
    )
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Willkommen, Mara" in page
    assert "Fälle" in page
    session.refresh(user)
    assert user.locale == "de"

    other_browser = client.application.test_client()
    AuthActions(other_browser, session).login(user.email)
    assert "Willkommen, Mara" in other_browser.get("/").get_data(as_text=True)


def test_account_page_language_can_follow_the_browser_again(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    user = auth.login_as(Role.AGENT, locale="de")
    token = csrf_token(client, "/account")
    assert client.post("/account", data={"csrf_token": token, "locale": ""}).status_code == 302
    session.refresh(user)
    assert user.locale is None
    bad = client.post("/account", data={"csrf_token": token, "locale": "tlh"})
    assert bad.status_code == 400
    assert "Not a valid choice." in bad.get_data(as_text=True)


def test_error_pages_are_translated(client: FlaskClient, session: Session) -> None:
    make_user(session)
    response = client.get("/nowhere", headers={"Accept-Language": "de"})
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def _extract_sources():  # type: ignore[no-untyped-def]
    """What ``make extract-messages`` extracts, through Babel's own API."""
    with (PROJECT_ROOT / "surveyapp" / "translations" / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}
    return extract_from_dir(PROJECT_ROOT, method_map, options_map, keywords=keywords)


def test_german_catalogue_is_complete_and_current() -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = [
        m.id
        for m in catalogue
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == [], f"untranslated German messages: {untranslated}"
    assert fuzzy == [], f"fuzzy German messages: {fuzzy}"

    extracted = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in _extract_sources()
    }
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    missing = sorted(extracted - known)
    assert missing == [], f"run 'make extract-messages' and translate: {missing}"


def test_form_library_messages_follow_the_users_language(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login_as(Role.AGENT, locale="de")
    token = csrf_token(client, "/account")
    german = client.post("/account", data={"csrf_token": token, "locale": "tlh"})
    assert "Keine gültige Auswahl." in german.get_data(as_text=True)
    client.post("/language", data={"csrf_token": token, "locale": "en", "next": "/account"})
    english = client.post("/account", data={"csrf_token": token, "locale": "tlh"})
    assert "Not a valid choice." in english.get_data(as_text=True)


def test_forms_strip_whitespace_without_piling_up_filters(app: Flask) -> None:
    with app.test_request_context("/"):
        for _ in range(3):
            form = LoginForm(meta={"csrf": False})
        assert len(form.email.filters) == 1  # one whitespace strip, however often it is built
