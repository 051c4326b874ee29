"""Outbox views: the stored messages, one message, and its HTML part in a locked-down frame."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request

from surveyapp.runtime import get_runtime
from surveyapp.services.mail import outbox_reading
from surveyapp.web.decorators import staff_view
from surveyapp.web.outbox import bp
from surveyapp.web.uow import request_session

# The HTML part is mail from this installation, but it carries contact data and may one day
# carry text that staff typed: it gets no scripts, no forms, no fetches but inline images,
# its own opaque origin (sandbox), and it may be framed by our own pages only.
HTML_PART_CSP = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "sandbox",
    )
)


@bp.get("/")
@staff_view("dispatch")
def index() -> Any:
    """Stored messages, newest first."""
    page = request.args.get("page", 1, type=int) or 1
    messages = outbox_reading.list_messages(request_session(), page=page)
    return render_template(
        "staff/outbox/index.html", messages=messages, smtp_configured=_smtp_configured()
    )


@bp.get("/<int:message_id>")
@staff_view("dispatch")
def message(message_id: int) -> Any:
    """One message: its headers, its text part and its HTML part (framed, sandboxed)."""
    read = outbox_reading.read_message(request_session(), message_id)
    return render_template("staff/outbox/message.html", message=read)


@bp.get("/<int:message_id>/html")
@staff_view("dispatch")
def html_part(message_id: int) -> Any:
    """The message's HTML part alone, for the sandboxed frame on the message page."""
    read = outbox_reading.read_message(request_session(), message_id)
    if read.html is None:
        abort(404)
    response = Response(read.html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_PART_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _smtp_configured() -> bool:
    return bool(get_runtime().config.smtp_url)
