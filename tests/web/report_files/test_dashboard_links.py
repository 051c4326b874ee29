"""The dashboard offers the PDF and the exports of exactly the filters it shows."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from surveyapp.domain.roles import Role
from tests.conftest import AuthActions


def test_download_links_carry_the_dashboards_filters(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.login_as(Role.MANAGER)

    page = client.get("/reports/?date_from=2026-01-05&date_to=2026-02-01&channel=email")
    html = page.get_data(as_text=True)

    links = dict(re.findall(r'href="(/reports/(?:pdf|export\.csv|export\.jsonl))\?([^"]+)"', html))
    assert set(links) == {"/reports/pdf", "/reports/export.csv", "/reports/export.jsonl"}
    for query in links.values():
        assert "date_from=2026-01-05" in query
        assert "date_to=2026-02-01" in query
        assert "channel=email" in query
    assert 'href="/reports/subscriptions"' in html
