"""Command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from waitress import serve as waitress_serve

from surveyapp.cli_contacts import contacts_cli
from surveyapp.cli_retention import retention_cli
from surveyapp.domain.roles import Role
from surveyapp.jobs import dispatch as dispatch_jobs
from surveyapp.jobs.registry import find_job, job_specs
from surveyapp.jobs.scheduler import build_scheduler, job_context, start_inprocess, stop_inprocess
from surveyapp.runtime import get_runtime
from surveyapp.services import demo, schema, users
from surveyapp.services._db import session_scope
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.reporting import rollups as reporting_rollups

log = logging.getLogger(__name__)

db_cli = AppGroup("db", help="Migrate the database schema (Alembic).")
users_cli = AppGroup("users", help="Manage staff users.")
jobs_cli = AppGroup("jobs", help="List and run scheduled jobs by id.")
reports_cli = AppGroup("reports", help="Reporting: rebuild the dashboard's daily rollups.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    schema.upgrade(get_runtime().engine, revision)
    click.echo(f"Database is at {schema.current_revision(get_runtime().engine)}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ('base' removes every table)."""
    schema.downgrade(get_runtime().engine, revision)
    click.echo(f"Database is at {schema.current_revision(get_runtime().engine) or 'base'}.")


@db_cli.command("current")
def db_current() -> None:
    """Show the database's revision and whether it is the newest."""
    engine = get_runtime().engine
    state = "up to date" if schema.is_up_to_date(engine) else "needs 'db upgrade'"
    click.echo(f"{schema.current_revision(engine) or 'base'} ({state})")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create the demo workspace once; print the admin's credentials when created."""
    _print_demo_seed(_seed_demo(current_app))


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), default="admin")
@click.option("--password", help="Leave out to generate one (printed once).")
def users_create(email: str, name: str, role: str, password: str | None) -> None:
    """Create a staff user."""
    runtime = get_runtime()
    try:
        with session_scope(runtime.session_factory) as session:
            created = users.create_user(
                session,
                email=email,
                name=name,
                role=Role(role),
                password=password,
                clock=runtime.clock,
                actor=None,
            )
            address = created.user.email
    except ValidationFailed as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {role} {address}.")
    if created.generated_password:
        click.echo(f"Generated password (shown only now): {created.generated_password}")


@jobs_cli.command("list")
def jobs_list() -> None:
    """List the scheduled jobs."""
    for spec in job_specs():
        click.echo(f"{spec.id}\t{spec.trigger}\t{spec.description}")


@jobs_cli.command("run")
@click.argument("job_id")
def jobs_run(job_id: str) -> None:
    """Run one job now, in this process."""
    spec = find_job(job_id)
    if spec is None:
        raise click.ClickException(f"No job with id {job_id!r}; see 'flask jobs list'.")
    spec.func(app=current_app._get_current_object(), **job_context("cli"))  # type: ignore[attr-defined]
    click.echo(f"Job {job_id} finished.")


@reports_cli.command("rebuild-rollups")
def reports_rebuild_rollups() -> None:
    """Rebuild the daily score and delivery rollups from every response and invitation."""
    runtime = get_runtime()
    with session_scope(runtime.session_factory) as session:
        first, last = reporting_rollups.history_span(session)
        total = (last - first).days + 1 if first and last else 0
        with click.progressbar(length=total, label="Rebuilding rollups (days)") as bar:
            tally = reporting_rollups.rebuild_rollups(
                session, clock=runtime.clock, on_chunk=bar.update
            )
    click.echo(f"Rollups rebuilt for {tally.score_days} days.")


@click.command("worker")
@with_appcontext
def worker() -> None:
    """Run the scheduler in the foreground (production); stops cleanly on SIGTERM or Ctrl-C."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app, mode="worker", blocking=True)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Worker received signal %d, stopping", signum)
        # The message in flight finishes; claims not yet started go back to the queue.
        dispatch_jobs.request_stop()
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("Worker started with %d jobs", len(job_specs()))
    click.echo("Worker started.", err=True)
    scheduler.start()  # blocks until shutdown
    click.echo("Worker stopped.", err=True)


@click.command("serve")
@with_appcontext
@click.option("--host", default=None, help="Default: SURVEYAPP_HOST or 127.0.0.1.")
@click.option("--port", type=int, default=None, help="Default: SURVEYAPP_PORT or 5000.")
@click.option("--threads", type=int, default=8, show_default=True)
def serve(host: str | None, port: int | None, threads: int) -> None:
    """Embedded mode: migrate, seed the demo, start the scheduler and serve (waitress)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    runtime = get_runtime(app)
    schema.upgrade(runtime.engine)
    seeded = _seed_demo(app)
    if runtime.config.scheduler == "inprocess":
        start_inprocess(app)
    address = f"http://{host or runtime.config.host}:{port or runtime.config.port}/"
    click.echo(f"\nsurveyapp is serving at {address}")
    _print_demo_seed(seeded)
    try:
        waitress_serve(
            app,
            host=host or runtime.config.host,
            port=port or runtime.config.port,
            threads=threads,
            ident="surveyapp",
        )
    finally:
        stop_inprocess()


def _seed_demo(app: Flask) -> demo.DemoSeed:
    runtime = get_runtime(app)
    with session_scope(runtime.session_factory) as session:
        return demo.seed_demo_workspace(session, clock=runtime.clock)


def _print_demo_seed(seeded: demo.DemoSeed) -> None:
    if seeded.created:
        click.echo(f"Demo admin:  {seeded.admin_email}")
        click.echo(f"Password:    {seeded.admin_password}   (shown only this once; stored hashed)")
    else:
        click.echo(
            f"Demo admin:  {seeded.admin_email} (password was printed when it was created; "
            "'flask --app wsgi users create' adds another admin)"
        )


def register_cli(app: Flask) -> None:
    """Attach every command to ``app``."""
    for command in (
        db_cli,
        users_cli,
        jobs_cli,
        contacts_cli,
        reports_cli,
        retention_cli,
        seed_demo,
        worker,
        serve,
    ):
        app.cli.add_command(command)
