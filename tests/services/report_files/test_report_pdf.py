"""The PDF report: real WeasyPrint output read back with pypdf, in English and German."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.services.reporting import report_content
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.rollups import refresh_rollups
from tests.factories import make_case, make_published_survey, make_response

PERIOD = ReportFilters(date_from=date(2026, 2, 2), date_to=date(2026, 3, 1))


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _answers(session: Session, scores: list[int], first_day: date, *, comment: str | None = None):  # type: ignore[no-untyped-def]
    _survey, version = make_published_survey(session)
    for index, score in enumerate(scores):
        at = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=index)
        make_response(session, version, score=score, started_at=at, comment=comment)


def test_pdf_shows_the_nps_its_change_and_the_answer_count(
    session: Session, clock: FixedClock
) -> None:
    # This period: 6 promoters, 2 passives, 2 detractors -> NPS 40 over 10 answers.
    _answers(session, [10, 9, 9, 10, 9, 9, 8, 7, 3, 5], date(2026, 2, 10))
    # The previous four weeks: 1 promoter, 3 detractors -> NPS -50; the change is +90.
    _answers(session, [9, 2, 4, 6], date(2026, 1, 20))
    refresh_rollups(session, clock=clock)

    content = report_content.build_report(
        session, PERIOD, title="Support Berlin", timezone="Europe/Berlin", clock=clock
    )
    text = _text(report_content.render_report(content, locale="en"))

    assert "Feedback report: Support Berlin" in text
    assert "Feb 2\u2009–\u2009Mar 1, 2026" in text
    # NPS 40, its margin 1.96 * 100 * sqrt((0.6 + 0.2 - 0.4^2) / 10) = 49.6, 10 answers.
    assert re.search(r"NPS\s+40\s*± 49\.6 · 10 answers · small sample", text)
    assert "Change: +90 (not significant)" in text
    assert "Promoters 6 · passives 2 · detractors 2" in text
    assert "Page 1 of" in text


def test_pdf_in_german_writes_german_words_and_numbers(session: Session, clock: FixedClock) -> None:
    _answers(session, [9] * 1200 + [0] * 300, date(2026, 2, 3))
    refresh_rollups(session, clock=clock)

    content = report_content.build_report(
        session, PERIOD, title="Kundendienst", timezone="Europe/Berlin", clock=clock
    )
    text = _text(report_content.render_report(content, locale="de"))

    assert "1.500 Antworten" in text  # German digit grouping
    assert "Seite 1 von" in text


def test_open_and_overdue_cases_and_verbatims_are_listed(session: Session) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    _survey, version = make_published_survey(session)
    unhappy = make_response(
        session,
        version,
        score=2,
        comment="The parcel arrived broken",
        started_at=datetime(2026, 2, 20, 10, tzinfo=UTC),
    )
    make_response(
        session,
        version,
        score=10,
        comment="Quick and friendly help",
        started_at=datetime(2026, 2, 21, 10, tzinfo=UTC),
    )
    make_case(session, unhappy, at=datetime(2026, 2, 20, 11, tzinfo=UTC))  # long overdue
    refresh_rollups(session, clock=clock)

    content = report_content.build_report(session, PERIOD, title="All", timezone="UTC", clock=clock)
    text = _text(report_content.render_report(content, locale="en"))

    assert content.cases.open == 1
    assert content.cases.overdue == 1
    assert "The parcel arrived broken" in text
    assert "Quick and friendly help" in text
    assert "overdue" in text
