"""Response exports (service layer): CSV and JSON lines, streamed row by row.

Both formats list the same responses: every response a report's filters select that is not
a link scanner's (voided), oldest first, with or without a rating. Rows are read with a
server-side cursor in batches (``yield_per``), so memory stays flat however many there are;
the caller streams the text as it is produced. CSV starts with a UTF-8 byte order mark
(spreadsheet tools read the encoding from it) and neutralises cells that a spreadsheet would
run as a formula (``domain/csv_safety.py``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from surveyapp.domain.csv_safety import neutralise_cell
from surveyapp.models import (
    Interaction,
    Invitation,
    Response,
    ResponseStatus,
    Survey,
    SurveyVersion,
    Team,
    Touchpoint,
    TriggerRule,
)
from surveyapp.services.reporting import queries
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.scope import (
    response_touchpoint_id,
)

BATCH = 1000
BOM = "\ufeff"
COLUMNS = (
    "response_id",
    "started_at",
    "submitted_at",
    "survey",
    "survey_version",
    "touchpoint",
    "team",
    "channel",
    "locale",
    "status",
    "score",
    "nps_category",
    "csat_satisfied",
    "ces_easy",
    "is_unhappy",
    "has_comment",
    "answers",
)


def export_rows(session: Session, filters: ReportFilters) -> Iterator[dict[str, Any]]:
    """The responses ``filters`` select, oldest first, as plain dicts keyed by ``COLUMNS``.

    Reads in batches of ``BATCH`` rows through a server-side cursor on PostgreSQL; the
    caller keeps ``session`` open while iterating. Read only.
    """
    statement = scoped_responses(filters, *_EXPORTED).order_by(Response.started_at, Response.id)
    result = session.execute(statement.execution_options(yield_per=BATCH))
    for row in result:
        yield {
            "response_id": row.id,
            "started_at": _iso(row.started_at),
            "submitted_at": _iso(row.submitted_at),
            "survey": row.survey,
            "survey_version": row.version,
            "touchpoint": row.touchpoint,
            "team": row.team,
            "channel": row.channel.value,
            "locale": row.locale,
            "status": row.status.value,
            "score": row.score,
            "nps_category": row.nps_category.value if row.nps_category else None,
            "csat_satisfied": row.csat_satisfied,
            "ces_easy": row.ces_easy,
            "is_unhappy": row.is_unhappy,
            "has_comment": row.has_comment,
            "answers": row.answers,
        }


def csv_chunks(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text: a byte order mark and the header, then one chunk per ``BATCH`` rows.

    Text cells that start like a formula get a leading ``'``; ``answers`` is JSON text;
    empty values are empty cells, booleans ``true``/``false``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield BOM + _drain(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(name, row[name]) for name in COLUMNS])
        if count % BATCH == 0:
            yield _drain(buffer)
    rest = _drain(buffer)
    if rest:
        yield rest


def jsonl_chunks(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """JSON lines: one object per response (keys as ``COLUMNS``), chunked per ``BATCH``."""
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        if len(lines) == BATCH:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


def export_filename(filters: ReportFilters, extension: str) -> str:
    """``responses-2026-09-01-to-2026-11-29.csv``: ASCII only, safe in a header."""
    return f"responses-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}.{extension}"


def scoped_responses(filters: ReportFilters, *columns: Any) -> Select[Any]:
    """``columns`` of the non-voided responses ``filters`` select (survey, touchpoint, team joined).

    The same scope as the dashboard's figures, but with or without a rating.
    """
    touchpoint_id = response_touchpoint_id()
    statement = (
        select(*columns)
        .select_from(Response)
        .join(SurveyVersion, Response.survey_version_id == SurveyVersion.id)
        .join(Survey, SurveyVersion.survey_id == Survey.id)
        .outerjoin(Invitation, Response.invitation_id == Invitation.id)
        .outerjoin(Interaction, Invitation.interaction_id == Interaction.id)
        .outerjoin(TriggerRule, Invitation.trigger_rule_id == TriggerRule.id)
        .outerjoin(Touchpoint, Touchpoint.id == touchpoint_id)
        .outerjoin(Team, Team.id == Touchpoint.team_id)
        .where(Response.status != ResponseStatus.VOIDED)
    )
    return queries.raw_scope(statement, filters, filters.date_from, filters.date_to)


_EXPORTED = (
    Response.id,
    Response.started_at,
    Response.submitted_at,
    Survey.name.label("survey"),
    SurveyVersion.number.label("version"),
    Touchpoint.key.label("touchpoint"),
    Team.name.label("team"),
    Response.channel,
    Response.locale,
    Response.status,
    Response.score,
    Response.nps_category,
    Response.csat_satisfied,
    Response.ces_easy,
    Response.is_unhappy,
    Response.has_comment,
    Response.answers,
)


def _csv_cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == "answers":
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return neutralise_cell(value)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
