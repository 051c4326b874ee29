"""The inbox page as a manager sees it: filters in their language, due times, closed cases."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.clock import FixedClock
from tests.conftest import AuthActions
from tests.factories import answer_invitation, case_of, make_case_setup

GERMAN = {"Accept-Language": "de"}
ENGLISH = {"Accept-Language": "en"}


def test_the_filter_form_follows_language_and_choice(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    session.commit()
    auth.login(setup.manager.email)
    english = client.get("/cases/", headers=ENGLISH).get_data(as_text=True)
    german = client.get("/cases/", headers=GERMAN).get_data(as_text=True)
    assert "Most urgent first" in english
    assert "Most urgent first" not in german
    newest = client.get("/cases/?sort=newest", headers=ENGLISH).get_data(as_text=True)
    assert re.search(r'<option selected value="newest">|<option value="newest" selected', newest)
    again = client.get("/cases/", headers=ENGLISH).get_data(as_text=True)
    assert not re.search(r'<option selected value="newest">|<option value="newest" selected', again)


def test_rows_show_due_times_overdue_and_closed_cases(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    late = case_of(session, answer_invitation(session, clock, "R-1", score=2))
    done = case_of(session, answer_invitation(session, clock, "R-2", score=2))
    assert late is not None
    assert done is not None
    done.status = CaseStatus.RESOLVED
    done.owner_id = late.owner_id = setup.manager.id
    session.commit()
    auth.login(setup.manager.email)
    page = client.get("/cases/?view=team", headers=ENGLISH).get_data(as_text=True)
    # The navigation's badge counts the manager's one open case, as the "Mine" tab does.
    badge = '1<span class="visually-hidden"> open cases are yours</span>'
    assert badge in page
    assert 'data-count="mine">1<' in page
    assert f'data-case="{late.id}"' in page
    assert f'data-case="{done.id}"' not in page  # open cases only by default
    assert "overdue</span>" not in page
    clock.advance(timedelta(hours=25))
    page = client.get("/cases/?view=team&status=any", headers=ENGLISH).get_data(as_text=True)
    late_row = page.split(f'data-case="{late.id}"', 1)[1].split("</tr>", 1)[0]
    done_row = page.split(f'data-case="{done.id}"', 1)[1].split("</tr>", 1)[0]
    assert "overdue</span>" in late_row
    assert f'href="/cases/{late.id}">Case {late.id}</a>' in late_row
    assert "overdue" not in done_row
    assert '<td class="text-nowrap">—</td>' in done_row
