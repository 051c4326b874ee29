"""The improvement log: what CX owners changed, and the scores before and after each change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.metrics import (
    ScoreResult,
    SignificantChange,
    change,
    headline,
    merge_histograms,
)
from surveyapp.domain.scoring import QuestionType
from surveyapp.models import Improvement, RootCause, Touchpoint, User
from surveyapp.services import audit
from surveyapp.services.errors import ValidationFailed
from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.reporting.queries import score_counts

# Scores of this many days before a change are compared with as many days from the change on.
EFFECT_WINDOW_DAYS = 28
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
LOG_PAGE_SIZE = 50
RATING_ORDER = (QuestionType.NPS, QuestionType.CSAT, QuestionType.CES)


@dataclass(frozen=True)
class ImprovementInput:
    """What a CX owner records about one change."""

    changed_on: date
    title: str
    description: str = ""
    touchpoint_id: int | None = None
    root_cause_id: int | None = None


@dataclass(frozen=True)
class ScoreEffect:
    """One rating type's figure before and after a change, with the two-sample z-test.

    An association in time only: other things changed in the same weeks too.
    """

    rating_type: QuestionType
    before: ScoreResult
    after: ScoreResult
    change: SignificantChange


@dataclass(frozen=True)
class ImprovementEffect:
    """A logged change with its before/after windows and the effects seen (if any answers)."""

    improvement: Improvement
    before_from: date
    before_to: date
    after_from: date
    after_to: date
    is_after_complete: bool
    effects: tuple[ScoreEffect, ...]


def record_improvement(
    session: Session, data: ImprovementInput, *, actor: User | None, clock: Clock
) -> Improvement:
    """Add an entry to the improvement log; audited. Flushes; the caller commits.

    Raises ``ValidationFailed`` (per field) for an empty or long title, a long description, a
    date in the future, or a touchpoint or root cause that does not exist.
    """
    _check(session, data, today=clock.now().date())
    improvement = Improvement(
        changed_on=data.changed_on,
        title=data.title.strip(),
        description=data.description.strip(),
        touchpoint_id=data.touchpoint_id,
        root_cause_id=data.root_cause_id,
        created_by_id=actor.id if actor else None,
        created_at=clock.now(),
    )
    session.add(improvement)
    session.flush()
    audit.record(
        session,
        "improvement.recorded",
        clock=clock,
        actor=actor,
        target=improvement,
        details={"changed_on": data.changed_on.isoformat(), "touchpoint_id": data.touchpoint_id},
    )
    return improvement


def list_improvements(
    session: Session,
    *,
    touchpoint_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Sequence[Improvement]:
    """Logged changes, newest first, narrowed when given.

    ``touchpoint_id`` keeps that touchpoint's changes and those made for every touchpoint;
    ``date_from``/``date_to`` are UTC days, both included.
    """
    query = select(Improvement).options(
        joinedload(Improvement.touchpoint),
        joinedload(Improvement.root_cause),
        joinedload(Improvement.created_by),
    )
    if touchpoint_id is not None:
        query = query.where(
            (Improvement.touchpoint_id == touchpoint_id) | Improvement.touchpoint_id.is_(None)
        )
    if date_from is not None:
        query = query.where(Improvement.changed_on >= date_from)
    if date_to is not None:
        query = query.where(Improvement.changed_on <= date_to)
    return session.scalars(
        query.order_by(Improvement.changed_on.desc(), Improvement.id.desc())
    ).all()


def improvement_effect(
    session: Session,
    improvement: Improvement,
    *,
    today: date,
    window_days: int = EFFECT_WINDOW_DAYS,
) -> ImprovementEffect:
    """Scores of the ``window_days`` before the change against those from the change on.

    Narrowed to the change's touchpoint (all touchpoints when it names none). The "after"
    window ends at ``today`` at the latest (then ``is_after_complete`` is false). One query.
    """
    before_from = improvement.changed_on - timedelta(days=window_days)
    before_to = improvement.changed_on - timedelta(days=1)
    after_from = improvement.changed_on
    after_to = min(improvement.changed_on + timedelta(days=window_days - 1), today)
    filters = ReportFilters(
        date_from=before_from, date_to=after_to, touchpoint_id=improvement.touchpoint_id
    )
    before: dict[str, dict[int, int]] = {}
    after: dict[str, dict[int, int]] = {}
    for count in score_counts(session, filters, before_from, max(after_to, before_to)):
        side = before if count.day < after_from else after
        histogram = side.setdefault(count.rating_type, {})
        histogram[count.score] = histogram.get(count.score, 0) + count.responses
    effects = []
    for rating_type in RATING_ORDER:
        if rating_type.value not in before and rating_type.value not in after:
            continue
        old = headline(rating_type, merge_histograms([before.get(rating_type.value, {})]))
        new = headline(rating_type, merge_histograms([after.get(rating_type.value, {})]))
        effects.append(ScoreEffect(rating_type, old, new, change(new.moments, old.moments)))
    return ImprovementEffect(
        improvement=improvement,
        before_from=before_from,
        before_to=before_to,
        after_from=after_from,
        after_to=after_to,
        is_after_complete=after_to >= improvement.changed_on + timedelta(days=window_days - 1),
        effects=tuple(effects),
    )


def improvement_log(
    session: Session, *, today: date, limit: int = LOG_PAGE_SIZE
) -> list[ImprovementEffect]:
    """The newest ``limit`` logged changes, each with its before/after effect (1 + N queries)."""
    entries = list_improvements(session)[:limit]
    return [improvement_effect(session, entry, today=today) for entry in entries]


def _check(session: Session, data: ImprovementInput, *, today: date) -> None:
    errors: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        errors["title"] = N_("Say in a few words what was changed.")
    elif len(title) > TITLE_MAX:
        errors["title"] = N_("This value is too long.")
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = N_("This value is too long.")
    if data.changed_on > today:
        errors["changed_on"] = N_("Record changes once they are made; this date is in the future.")
    if data.touchpoint_id is not None and session.get(Touchpoint, data.touchpoint_id) is None:
        errors["touchpoint_id"] = N_("Choose one of the listed entries.")
    if data.root_cause_id is not None and session.get(RootCause, data.root_cause_id) is None:
        errors["root_cause_id"] = N_("Choose one of the listed entries.")
    if errors:
        raise ValidationFailed(N_("Please check the marked fields."), errors)
