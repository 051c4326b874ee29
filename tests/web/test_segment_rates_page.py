"""The rule's response rate per segment, as CX owners and viewers see it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import Invitation
from tests.conftest import AuthActions
from tests.factories import make_segmented_rule


def _cells(page: str, segment: str) -> list[str]:
    row = re.search(rf'<tr data-segment="{segment}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {segment!r}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    ]


def test_rule_page_links_to_rates_per_stratum(
    client: FlaskClient, session: Session, clock: FixedClock, auth: AuthActions
) -> None:
    rule = make_segmented_rule(session, clock)
    session.commit()
    auth.login_as(Role.CX_OWNER)
    rule_page = client.get(f"/touchpoints/rules/{rule.id}").get_data(as_text=True)
    assert f'href="/touchpoints/rules/{rule.id}/segments"' in rule_page

    page = client.get(f"/touchpoints/rules/{rule.id}/segments").get_data(as_text=True)
    assert 'value="region"' in page
    assert _cells(page, "north") == ["north", "50.0%", "4", "2", "50.0%"]
    assert _cells(page, "south") == ["south", "100.0%", "2", "1", "50.0%"]
    assert _cells(page, "") == ["(not set)", "100.0%", "1", "1", "100.0%"]
    assert _cells(page, "total") == ["All", "100.0%", "7", "4", "57.1%"]


def test_viewers_split_by_another_attribute_in_german(
    client: FlaskClient, session: Session, clock: FixedClock, auth: AuthActions
) -> None:
    rule = make_segmented_rule(session, clock)
    session.commit()
    auth.login_as(Role.VIEWER, locale="de")
    answer = client.get(f"/touchpoints/rules/{rule.id}/segments?attribute=plan")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Antwortquote nach Segment" in page
    assert _cells(page, "pro") == ["pro", "100,0%", "7", "4", "57,1%"]


def test_a_rule_that_delivered_nothing_says_so(
    client: FlaskClient, session: Session, clock: FixedClock, auth: AuthActions
) -> None:
    rule = make_segmented_rule(session, clock)
    for invitation in session.scalars(select(Invitation)):
        invitation.state = InvitationState.QUEUED
    session.commit()
    auth.login_as(Role.CX_OWNER)
    page = client.get(f"/touchpoints/rules/{rule.id}/segments").get_data(as_text=True)
    assert 'id="nothing-delivered"' in page
    assert "<table" not in page
    assert client.get("/touchpoints/rules/999999/segments").status_code == 404
