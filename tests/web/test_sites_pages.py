"""Staff add websites, copy the snippet and the secret; admins alone may look at it again."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.embed import sign_contact
from surveyapp.domain.roles import Role
from surveyapp.models import AuditEvent, WebSite
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_web_site


def _secret(page: str) -> str:
    match = re.search(r'class="generated-secret[^"]*">([^<]+)<', page)
    assert match, page
    return html.unescape(match.group(1))


def _post(client: FlaskClient, path: str, **fields: object):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/sites/")
    return client.post(path, data={"csrf_token": token, **fields})


def _audit(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_cx_owner_adds_a_site_and_copies_snippet_and_secret_once(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    created = _post(
        client,
        "/sites/new",
        name="Web shop",
        allowed_origins="https://shop.example\nhttps://shop.example/\n",
        theme_colour="#aa3300",
        position="bottom_left",
        start_minimized="y",
        is_active="y",
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    page = created.get_data(as_text=True)
    site = session.scalars(select(WebSite)).one()
    secret = _secret(page)
    assert len(secret) == 64
    assert f'data-site="{site.site_key}"' in page
    assert "/static/js/embed.js" in page
    assert site.allowed_origins == ["https://shop.example"]
    assert site.start_minimized
    assert site.position.value == "bottom_left"

    detail = client.get(f"/sites/{site.id}").get_data(as_text=True)
    assert secret not in detail
    assert site.site_key in detail
    assert "hashlib.sha256" in detail
    assert "Show secret" not in detail  # only admins look at it again
    assert _post(client, f"/sites/{site.id}/secret").status_code == 403
    assert _audit(session)[-1] == "web_site.created"


def test_an_admin_reveals_and_replaces_the_secret_with_an_audit_entry(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    site, secret = make_web_site(session)
    auth.login_as(Role.ADMIN)
    revealed = _post(client, f"/sites/{site.id}/secret")
    assert revealed.status_code == 200
    assert _secret(revealed.get_data(as_text=True)) == secret
    assert _audit(session)[-1] == "web_site.secret_revealed"

    replaced = _post(client, f"/sites/{site.id}/rotate")
    new_secret = _secret(replaced.get_data(as_text=True))
    assert new_secret != secret
    assert _audit(session)[-1] == "web_site.secret_rotated"
    # The widget now refuses ids signed with the old secret.
    headers = {"Origin": "https://shop.example"}
    old = {"event": "x.y", "contact_id": "C-1", "signature": sign_contact(secret, "C-1")}
    new = {"event": "x.y", "contact_id": "C-1", "signature": sign_contact(new_secret, "C-1")}
    url = f"/embed/v1/sites/{site.site_key}/eligibility"
    assert client.post(url, json=old, headers=headers).status_code == 403
    assert client.post(url, json=new, headers=headers).status_code == 200


def test_bad_origins_are_explained_next_to_the_field(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    refused = _post(
        client,
        "/sites/new",
        name="Shop",
        allowed_origins="shop.example/checkout",
        theme_colour="#0a58a8",
        position="bottom_right",
    )
    assert refused.status_code == 400
    assert "Give each origin as https://host" in html.unescape(refused.get_data(as_text=True))
    assert session.scalars(select(WebSite)).all() == []


def test_editing_changes_origins_but_keeps_the_key(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    site, _ = make_web_site(session)
    key = site.site_key
    auth.login_as(Role.CX_OWNER)
    form = client.get(f"/sites/{site.id}/edit").get_data(as_text=True)
    assert "https://shop.example" in form
    saved = _post(
        client,
        f"/sites/{site.id}/edit",
        name="Shop",
        allowed_origins="https://www.shop.example",
        theme_colour="#0a58a8",
        position="bottom_right",
        explain_decisions="y",
    )
    assert saved.status_code == 302
    session.refresh(site)
    assert site.allowed_origins == ["https://www.shop.example"]
    assert site.site_key == key
    assert site.explain_decisions
    assert not site.is_active


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT, Role.VIEWER])
def test_other_roles_cannot_open_websites(
    client: FlaskClient, auth: AuthActions, role: Role
) -> None:
    auth.login_as(role)
    assert client.get("/sites/").status_code == 403
    assert 'href="/sites/"' not in client.get("/").get_data(as_text=True)


def test_the_pages_speak_german(client: FlaskClient, session: Session, auth: AuthActions) -> None:
    site, _ = make_web_site(session)
    auth.login_as(Role.ADMIN, locale="de")
    listing = client.get("/sites/").get_data(as_text=True)
    assert "Website hinzufügen" in listing
    detail = client.get(f"/sites/{site.id}").get_data(as_text=True)
    assert "Geheimnis anzeigen" in detail
    assert "Erlaubte Ursprünge" in detail
