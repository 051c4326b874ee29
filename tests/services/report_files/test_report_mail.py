"""The subscribed report's mail: text and HTML in the reader's language, the PDF attached."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email import policy

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.report_periods import Cadence, ReportPeriod
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import serialize
from surveyapp.services.reporting.report_mail import ReportMailJob, compose_report_mail
from surveyapp.services.reporting.subscriptions import Scope

SETTINGS = DispatchSettings(
    worker_id="w",
    base_url="https://feedback.example.com/",
    sender="Reports <reports@example.com>",
    domain="example.com",
    secret="s" * 40,
)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def _job(locale: str) -> ReportMailJob:
    return ReportMailJob(
        subscription_id=7,
        recipient="lea@example.com",
        name="Léa Müller",
        locale=locale,
        timezone="Europe/Berlin",
        cadence=Cadence.WEEKLY,
        scope=Scope(team_id=3, touchpoint_id=None, name="Kundendienst & Co"),
        period=ReportPeriod(
            name="2026-W10",
            due_at=datetime(2026, 3, 2, 6, tzinfo=UTC),
            first_day=date(2026, 2, 23),
            last_day=date(2026, 3, 1),
        ),
    )


def _parsed(locale: str) -> email.message.EmailMessage:
    message = compose_report_mail(
        _job(locale), PDF, settings=SETTINGS, clock=FixedClock(datetime(2026, 3, 2, 6, tzinfo=UTC))
    )
    parsed = email.message_from_bytes(serialize(message), policy=policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_the_pdf_travels_as_an_attachment_beside_text_and_html() -> None:
    parsed = _parsed("en")

    attachment = next(parsed.iter_attachments())
    assert attachment.get_content() == PDF
    assert attachment.get_filename() == "feedback-report-kundendienst-co-2026-W10.pdf"
    assert parsed["Message-ID"] == "<report.7.2026-W10@example.com>"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Attached is the feedback report for Kundendienst & Co" in text
    assert "Kundendienst &amp; Co" in html
    assert "https://feedback.example.com/reports/subscriptions" in text
    assert "team_id=3" in text


def test_the_mail_speaks_the_subscribers_language() -> None:
    parsed = _parsed("de")

    assert parsed["Subject"] == (
        "Wöchentlicher Feedback-Bericht: Kundendienst & Co, 23. Feb.\u2009–\u20091. März 2026"
    )
    assert parsed["Content-Language"] == "de"
    assert "Im Anhang finden Sie den Feedback-Bericht" in parsed.get_body(("plain",)).get_content()
