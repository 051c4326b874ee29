"""PDF report benchmark: one busy team's report over 90 days, beside WeasyPrint on static HTML.

The issue's figure: the PDF report for one team over 90 days within 2 s. Measured in-process
(no HTTP): ``build_report`` (the dashboard's figures, open cases, verbatims) plus
``render_report`` (Jinja, charts, WeasyPrint with the static-only fetcher), beside the reference
measured in the same run: WeasyPrint alone rendering a static copy of the very same HTML
(same fonts, same fetcher). Both are timed in alternating rounds; the medians and their ratio
are printed. The verdict is on the product's median (<= 2 s); the ratio shows what the report
adds on top of the PDF engine itself.

The data: one team with 3 touchpoints, 5,000 contacts, 20,000 answered email invitations over
the 90 days (NPS, a fifth with a comment), and 500 cases of the team (a fifth still open, some
overdue, the closed ones tagged with one of 8 root causes); the rollups are built first, as the
rollup job keeps them.

Usage: ``python bench/report_pdf.py [--rounds 5] [--responses 20000] [--cases 500]
[--database-url URL]`` (default: a fresh SQLite file in a temporary folder).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/...`

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session
from weasyprint import HTML

from surveyapp.domain.case_rules import CasePriority, ScoreBand
from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import QuestionType, derive_scores
from surveyapp.domain.states import InvitationState
from surveyapp.models import (
    Case,
    Channel,
    Contact,
    Interaction,
    Invitation,
    Response,
    ResponseStatus,
    RootCause,
    SurveyKind,
    User,
)
from surveyapp.models.cases import case_root_causes
from surveyapp.services import schema, surveys, teams, touchpoints
from surveyapp.services._db import make_engine, make_session_factory, session_scope
from surveyapp.services.reporting import report_content
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.pdf import BASE_URL, StaticOnlyFetcher, render_report_html
from surveyapp.services.reporting.rollups import rebuild_rollups

TARGET_SECONDS = 2.0
DAYS = 90
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONTACTS = 5_000
BATCH = 5_000
NO_PASSWORD = "!"  # noqa: S105 -- not a hash: nobody signs in as these accounts
COMMENTS = ("Waited too long on the phone", "Friendly and quick", "The parcel was damaged")


def seed(engine: Engine, responses: int, cases: int) -> int:
    """The busy team's data (module doc); returns the team's id."""
    clock = FixedClock(NOW - timedelta(days=DAYS + 1))
    rng = random.Random(9)
    with session_scope(make_session_factory(engine)) as session:
        team = teams.create_team(session, name="Support Berlin", clock=clock, actor=None)
        owner = User(
            email="owner@bench.example",
            name="Case Owner",
            password_hash=NO_PASSWORD,
            role=Role.AGENT,
            is_active=True,
            created_at=clock.now(),
        )
        publisher = User(
            email="cx@bench.example",
            name="CX Owner",
            password_hash=NO_PASSWORD,
            role=Role.CX_OWNER,
            is_active=True,
            created_at=clock.now(),
        )
        session.add_all([owner, publisher])
        session.flush()
        survey = surveys.create_survey(
            session,
            name="After support",
            kind=SurveyKind.TRANSACTIONAL,
            template="nps",
            clock=clock,
            actor=publisher,
        )
        version = surveys.publish(session, survey.id, clock=clock, actor=publisher)
        points = [
            touchpoints.create_touchpoint(
                session,
                key=f"support.point{n}",
                name=f"Support channel {n}",
                team_id=team.id,
                clock=clock,
                actor=None,
            ).id
            for n in range(3)
        ]
        contact_ids = _contacts(session)
        response_ids = _answers(
            session,
            version_id=version.id,
            points=points,
            contacts=contact_ids,
            count=responses,
            rng=rng,
        )
        _cases(session, response_ids, team_id=team.id, owner_id=owner.id, count=cases, rng=rng)
        rebuild_rollups(session, clock=FixedClock(NOW))
        return team.id


def _contacts(session: Session) -> list[int]:
    session.execute(
        insert(Contact),
        [
            {
                "external_id": f"C-{n}",
                "email": f"c{n}@example.com",
                "locale": "en",
                "attributes": {},
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(CONTACTS)
        ],
    )
    return list(session.scalars(select(Contact.id).order_by(Contact.id)))


def _answers(
    session: Session,
    *,
    version_id: int,
    points: Sequence[int],
    contacts: Sequence[int],
    count: int,
    rng: random.Random,
) -> list[int]:
    """``count`` interactions, each with an answered invitation and its response."""
    for start in range(0, count, BATCH):
        numbers = range(start, min(start + BATCH, count))
        moments = {n: NOW - timedelta(minutes=rng.randrange(DAYS * 24 * 60)) for n in numbers}
        interaction_ids = session.scalars(
            insert(Interaction).returning(Interaction.id, sort_by_parameter_order=True),
            [
                {
                    "idempotency_key": f"ticket-{n}",
                    "touchpoint_id": rng.choice(points),
                    "contact_id": rng.choice(contacts),
                    "occurred_at": moments[n],
                    "received_at": moments[n],
                    "attributes": {},
                }
                for n in numbers
            ],
        ).all()
        invitation_ids = session.scalars(
            insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True),
            [
                {
                    "token_hash": f"{n:064d}",
                    "survey_version_id": version_id,
                    "interaction_id": interaction_id,
                    "channel": Channel.EMAIL,
                    "state": InvitationState.ANSWERED,
                    "checks": [],
                    "suppression_reasons": [],
                    "created_at": moments[n] - timedelta(hours=1),
                    "sent_at": moments[n] - timedelta(hours=1),
                    "expires_at": moments[n] + timedelta(days=14),
                }
                for n, interaction_id in zip(numbers, interaction_ids, strict=True)
            ],
        ).all()
        session.execute(
            insert(Response),
            [
                _response(version_id, invitation_id, moments[n], rng)
                for n, invitation_id in zip(numbers, invitation_ids, strict=True)
            ],
        )
    return list(session.scalars(select(Response.id).order_by(Response.id)))


def _response(
    version_id: int, invitation_id: int, at: datetime, rng: random.Random
) -> dict[str, object]:
    score = rng.choice([10, 10, 9, 9, 9, 8, 7, 6, 4, 2])
    derived = derive_scores(QuestionType.NPS, score)
    answers: dict[str, object] = {"score": score}
    if rng.random() < 0.2:
        answers["improve" if score <= 6 else "liked"] = rng.choice(COMMENTS)
    return {
        "survey_version_id": version_id,
        "invitation_id": invitation_id,
        "channel": Channel.EMAIL,
        "locale": "en",
        "status": ResponseStatus.COMPLETE,
        "answers": answers,
        "score": score,
        "nps_category": derived.nps_category,
        "is_unhappy": derived.is_unhappy,
        "has_comment": len(answers) > 1,
        "started_at": at,
        "updated_at": at,
        "submitted_at": at,
    }


def _cases(
    session: Session,
    response_ids: Sequence[int],
    *,
    team_id: int,
    owner_id: int,
    count: int,
    rng: random.Random,
) -> None:
    causes = [
        RootCause(name=f"Cause {n}", description="", is_active=True, created_at=NOW)
        for n in range(8)
    ]
    session.add_all(causes)
    session.flush()
    rows = session.execute(
        select(Response.id, Response.started_at, Interaction.touchpoint_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .join(Interaction, Interaction.id == Invitation.interaction_id)
        .where(Response.id.in_(rng.sample(list(response_ids), count)))
    ).all()
    case_ids = session.scalars(
        insert(Case).returning(Case.id, sort_by_parameter_order=True),
        [_case(row, team_id, owner_id, rng) for row in rows],
    ).all()
    closed = session.scalars(
        select(Case.id).where(Case.id.in_(case_ids), Case.status == CaseStatus.CLOSED)
    ).all()
    session.execute(
        insert(case_root_causes),
        [{"case_id": case_id, "root_cause_id": rng.choice(causes).id} for case_id in closed],
    )


def _case(row: object, team_id: int, owner_id: int, rng: random.Random) -> dict[str, object]:
    response_id, opened, touchpoint_id = row  # type: ignore[misc]
    is_open = rng.random() < 0.2
    acted = None if is_open and rng.random() < 0.5 else opened + timedelta(hours=rng.randrange(30))
    resolved = None if is_open else opened + timedelta(hours=rng.randrange(2, 100))
    return {
        "response_id": response_id,
        "touchpoint_id": touchpoint_id,
        "team_id": team_id,
        "owner_id": owner_id,
        "status": CaseStatus.IN_PROGRESS if is_open else CaseStatus.CLOSED,
        "priority": CasePriority.NORMAL,
        "score": 2,
        "score_band": ScoreBand.VERY_UNHAPPY,
        "reasons": ["score"],
        "opened_at": opened,
        "updated_at": opened,
        "first_action_at": acted,
        "first_action_due_at": opened + timedelta(hours=24),
        "resolution_due_at": opened + timedelta(hours=72),
        "resolved_at": resolved,
        "closed_at": resolved,
        "escalation_level": 0,
        "resolution": "",
        "reopen_count": 0,
    }


def _timed(work: Callable[[], bytes]) -> tuple[float, int]:
    started = time.perf_counter()
    size = len(work())
    return time.perf_counter() - started, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{Path(folder) / 'report.db'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        started = time.perf_counter()
        team_id = seed(engine, options.responses, options.cases)
        print(
            f"seeded {options.responses} responses and {options.cases} cases "
            f"in {time.perf_counter() - started:.1f} s ({engine.dialect.name})"
        )
        factory = make_session_factory(engine)
        clock = FixedClock(NOW)
        filters = ReportFilters(
            date_from=NOW.date() - timedelta(days=DAYS),
            date_to=NOW.date() - timedelta(days=1),
            team_id=team_id,
        )

        def product() -> bytes:
            with factory() as session:
                content = report_content.build_report(
                    session, filters, title="Support Berlin", timezone="Europe/Berlin", clock=clock
                )
            return report_content.render_report(content, locale="en")

        with factory() as session:
            content = report_content.build_report(
                session, filters, title="Support Berlin", timezone="Europe/Berlin", clock=clock
            )
        static_html = _static_html(content)

        def reference() -> bytes:
            return bytes(
                HTML(
                    string=static_html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()
                ).write_pdf()
            )

        product()  # warm up: templates parsed, fonts loaded once per process
        reference()
        product_times, reference_times = [], []
        for _ in range(options.rounds):
            seconds, size = _timed(product)
            product_times.append(seconds)
            reference_seconds, reference_size = _timed(reference)
            reference_times.append(reference_seconds)
        engine.dispose()
    product_median = statistics.median(product_times)
    reference_median = statistics.median(reference_times)
    print(
        f"period {filters.date_from} to {filters.date_to}, team {team_id}, {options.rounds} rounds"
    )
    print(
        f"report PDF (figures + render):   median {product_median:.3f} s  "
        f"[{', '.join(f'{t:.3f}' for t in product_times)}]  {size} bytes"
    )
    print(
        f"WeasyPrint on the static HTML:   median {reference_median:.3f} s  "
        f"[{', '.join(f'{t:.3f}' for t in reference_times)}]  {reference_size} bytes"
    )
    print(f"ratio report / static render:    {product_median / reference_median:.2f}")
    verdict = "PASS" if product_median <= TARGET_SECONDS else "FAIL"
    print(f"target: report within {TARGET_SECONDS:.1f} s -> {verdict}")
    return 0 if verdict == "PASS" else 1


def _static_html(content: report_content.ReportContent) -> str:
    """The very HTML the report renders (charts included), as a fixed string."""
    context = report_content.report_context(content, locale="en")
    return render_report_html(report_content.TEMPLATE, context, locale="en")


if __name__ == "__main__":
    sys.exit(main())
