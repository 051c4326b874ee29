"""Response rate per segment: which customers answer less (non-response bias)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.states import InvitationState
from surveyapp.models import Invitation, TriggerRule
from surveyapp.services import segment_rates
from tests.factories import make_segmented_rule


@pytest.fixture
def rule(session: Session, clock: FixedClock) -> TriggerRule:
    return make_segmented_rule(session, clock)


def test_rates_per_stratum_count_delivered_and_submitted_only(
    session: Session, rule: TriggerRule
) -> None:
    report = segment_rates.response_rates(session, rule.id)
    assert report.attribute == "region"
    by_segment = {s.segment: s for s in report.segments}
    assert [s.segment for s in report.segments] == ["north", "south", None]
    north, south, missing = by_segment["north"], by_segment["south"], by_segment[None]
    assert (north.delivered, north.answered, north.response_rate) == (4, 2, 0.5)
    assert (south.delivered, south.answered, south.response_rate) == (2, 1, 0.5)
    assert (missing.delivered, missing.answered) == (1, 1)
    assert (north.sampling_rate, south.sampling_rate, missing.sampling_rate) == (0.5, 1.0, 1.0)
    assert (report.total.delivered, report.total.answered) == (7, 4)


def test_any_contact_attribute_can_split_the_rates(session: Session, rule: TriggerRule) -> None:
    report = segment_rates.response_rates(session, rule.id, attribute="plan")
    assert [(s.segment, s.delivered, s.answered) for s in report.segments] == [("pro", 7, 4)]
    assert report.segments[0].sampling_rate == 1.0  # the strata rates belong to "region"


def test_nothing_delivered_yet_has_no_rate(session: Session, rule: TriggerRule) -> None:
    for invitation in session.scalars(select(Invitation)):
        invitation.state = InvitationState.QUEUED
    session.flush()
    report = segment_rates.response_rates(session, rule.id)
    assert report.segments == []
    assert report.total.delivered == 0
    assert report.total.response_rate is None
