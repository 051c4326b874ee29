"""Command-line interface for retention: ``flask --app wsgi retention preview|apply``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from surveyapp.runtime import get_runtime
from surveyapp.services._db import session_scope
from surveyapp.services.privacy import retention

retention_cli = AppGroup("retention", help="Retention: preview or apply the retention periods.")


@retention_cli.command("preview")
def preview_command() -> None:
    """Show, per kind of data, its period, cut-off and how many rows a run now would remove."""
    runtime = get_runtime()
    with session_scope(runtime.session_factory) as session:
        rows = retention.preview(session, runtime.clock)
    click.echo("kind\tdays\tcut-off\tdue")
    for row in rows:
        days = "forever" if row.days is None else str(row.days)
        moment = row.cutoff.isoformat(timespec="seconds") if row.cutoff else "-"
        click.echo(f"{row.kind.value}\t{days}\t{moment}\t{row.count}")


@retention_cli.command("apply")
def apply_command() -> None:
    """Remove what is due now (the worker does this once a day by itself). Audited."""
    runtime = get_runtime()
    report = retention.apply(runtime.session_factory, clock=runtime.clock, trigger="cli")
    for kind, count in report.counts.items():
        click.echo(f"{kind.value}\t{count}")
    click.echo(f"{report.total} rows removed or cleared.")
