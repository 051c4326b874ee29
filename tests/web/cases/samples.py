"""Sample recovery objects for tests that open every staff route (``tests/web/test_access``)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from surveyapp.domain.case_recovery import GoodwillKind, GoodwillStatus, PlaybookTrigger
from surveyapp.domain.case_rules import ScoreBand
from surveyapp.domain.clock import Clock
from surveyapp.models import Case, Goodwill, Playbook


def make_recovery_samples(session: Session, case: Case, clock: Clock) -> tuple[Playbook, Goodwill]:
    """A playbook and a pending goodwill entry on ``case``."""
    playbook = Playbook(
        name="Sample playbook",
        trigger=PlaybookTrigger.SCORE_BAND,
        score_band=ScoreBand.UNHAPPY,
        items=["Call"],
        is_active=True,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    goodwill = Goodwill(
        case_id=case.id,
        team_id=case.team_id,
        kind=GoodwillKind.VOUCHER,
        amount=Decimal("10.00"),
        currency="EUR",
        note="",
        status=GoodwillStatus.PENDING,
        recorded_at=clock.now(),
    )
    session.add_all([playbook, goodwill])
    session.flush()
    return playbook, goodwill
