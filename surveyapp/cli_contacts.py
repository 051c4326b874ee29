"""Command-line interface for contacts: ``flask --app wsgi contacts import FILE``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import click
from flask.cli import AppGroup

from surveyapp.runtime import get_runtime
from surveyapp.services.contact_import import ImportReport, import_contacts
from surveyapp.services.errors import ValidationFailed

contacts_cli = AppGroup("contacts", help="Import contacts from CSV files.")


@contacts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=1000, show_default=True)
def import_command(file: Path, batch_size: int) -> None:
    """Create or update contacts from FILE (UTF-8 CSV with a header row; see the docs).

    Exits with 1 when every line failed, 0 otherwise.
    """
    runtime = get_runtime()
    # The bar goes to stderr so that stdout carries only the summary.
    bar = click.progressbar(length=file.stat().st_size, label="Importing", file=sys.stderr)
    with file.open(encoding="utf-8-sig", newline="") as handle, bar:
        try:
            report = import_contacts(
                runtime.session_factory,
                _reporting_bytes(handle, bar.update),
                clock=runtime.clock,
                batch_size=batch_size,
            )
        except ValidationFailed as error:
            raise click.ClickException(error.message) from error
    _print_report(report)
    if report.failed and not (report.created or report.updated):
        raise SystemExit(1)


def _reporting_bytes(handle: TextIO, update: Callable[[int], None]) -> Iterator[str]:
    """Pass the lines on, moving the progress bar by their size in bytes."""
    for line in handle:
        update(len(line.encode()))
        yield line


def _print_report(report: ImportReport) -> None:
    click.echo(f"{report.created} created, {report.updated} updated, {report.failed} failed.")
    if not report.errors:
        return
    click.echo("Errors (line, field: reason):")
    for error in report.errors:
        click.echo(f"  line {error.line_number}, {error.field or '-'}: {error.reason}")
    if report.unreported_errors:
        click.echo(f"  ... and {report.unreported_errors} more errors not listed.")
