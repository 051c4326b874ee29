"""Downloads of the dashboard's data: the PDF report and the response exports.

Each takes the dashboard's query string (``ReportFilters``), narrowed to what the signed-in
user may see; bad filters answer 422 with the reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, request
from flask_babel import get_locale, gettext
from flask_login import current_user

from surveyapp.runtime import get_runtime
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.reporting import access, exports, report_content
from surveyapp.services.reporting.filters import ReportFilters, parse_filters
from surveyapp.web.decorators import staff_view
from surveyapp.web.errors import render_error
from surveyapp.web.i18n import select_timezone
from surveyapp.web.report_files import bp
from surveyapp.web.uow import clock, request_session


@bp.get("/pdf")
@staff_view("reports")
def pdf() -> Any:
    """The PDF report of the dashboard's current filters, in the user's language."""
    filters = _filters()
    if not isinstance(filters, ReportFilters):
        return filters
    body, filename = report_content.report_pdf(
        request_session(),
        filters,
        locale=str(get_locale() or "en"),
        timezone=select_timezone(),
        clock=clock(),
    )
    return _download(body, "application/pdf", filename)


@bp.get("/export.csv")
@staff_view("reports")
def export_csv() -> Any:
    """The responses behind the dashboard as CSV (UTF-8 with BOM), streamed."""
    filters = _filters()
    if not isinstance(filters, ReportFilters):
        return filters
    return _download(
        _streamed(filters, exports.csv_chunks),
        "text/csv; charset=utf-8",
        exports.export_filename(filters, "csv"),
    )


@bp.get("/export.jsonl")
@staff_view("reports")
def export_jsonl() -> Any:
    """The responses behind the dashboard as JSON lines, streamed."""
    filters = _filters()
    if not isinstance(filters, ReportFilters):
        return filters
    return _download(
        _streamed(filters, exports.jsonl_chunks),
        "application/jsonl; charset=utf-8",
        exports.export_filename(filters, "jsonl"),
    )


def _filters() -> ReportFilters | Any:
    """The query string's filters narrowed to the user's teams, or the error page to answer."""
    try:
        filters = parse_filters(request.args, today=clock().now().date())
    except ValidationFailed as error:
        reasons = " ".join(gettext(message) for message in error.field_errors.values())
        return render_error(422, f"{gettext(error.message)} {reasons}".strip())
    return access.scoped_filters(request_session(), current_user, filters)


def _streamed(
    filters: ReportFilters, chunks: Callable[[Iterator[dict[str, Any]]], Iterator[str]]
) -> Iterator[str]:
    """The export's text, produced while the response is sent.

    The generator owns its session (read only), opened when the first chunk is asked for and
    closed when the last was sent or the client went away: the request's own session is
    closed as soon as the view returns, and no request context has to stay pushed meanwhile.
    """
    session_factory = get_runtime().session_factory

    def generate() -> Iterator[str]:
        with session_factory() as session:
            yield from chunks(exports.export_rows(session, filters))

    return generate()


def _download(body: Any, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
