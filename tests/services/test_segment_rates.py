"""Response rate per segment: which customers answer less (non-response bias)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.roles import Role
from surveyapp.domain.states import InvitationState
from surveyapp.models import Invitation, ResponseStatus, TriggerRule
from surveyapp.services import consent, segment_rates, touchpoints, trigger_rules
from surveyapp.services.contacts import ContactData
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from tests.factories import make_published_survey, make_response, make_user

# contact region, invitation state after sending, response status (None: no answer)
CUSTOMERS = [
    ("north", InvitationState.SENT, ResponseStatus.COMPLETE),
    ("north", InvitationState.SENT, ResponseStatus.PARTIAL),
    ("north", InvitationState.SENT, None),
    ("north", InvitationState.EXPIRED, None),
    ("south", InvitationState.SENT, ResponseStatus.COMPLETE),
    ("south", InvitationState.SENT, ResponseStatus.PROVISIONAL),  # not submitted: not answered
    ("south", InvitationState.QUEUED, None),  # not delivered yet: not counted
    (None, InvitationState.SENT, ResponseStatus.COMPLETE),
]


@pytest.fixture
def rule(session: Session, clock: FixedClock) -> TriggerRule:
    return make_segmented_rule(session, clock)


def make_segmented_rule(session: Session, clock: FixedClock) -> TriggerRule:
    """A rule stratified by region whose invitations went out to ``CUSTOMERS``."""
    admin = make_user(session, role=Role.ADMIN)
    survey, version = make_published_survey(session, actor=admin)
    touchpoint = touchpoints.create_touchpoint(
        session, key="orders.delivered", name="Delivered", clock=clock, actor=admin
    )
    rule = trigger_rules.save_rule(
        session,
        RuleSettings(
            name="Delivered",
            touchpoint_id=touchpoint.id,
            survey_id=survey.id,
            sampling_rate=1.0,
            strata={"attribute": "region", "rates": {"south": 1.0, "north": 0.5}},
            recontact_days_contact=None,
            recontact_days_survey=None,
        ),
        clock=clock,
        actor=admin,
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
    )
    for number, (region, state, status) in enumerate(CUSTOMERS):
        attributes = {"region": region, "plan": "pro"} if region else {"plan": "pro"}
        recorded = touchpoints.record_interaction(
            session,
            InteractionData(
                f"O-{number}",
                "orders.delivered",
                ContactData(f"C-{number}", email=f"c{number}@example.com", attributes=attributes),
                clock.now(),
            ),
            clock=clock,
        )
        (invitation,) = recorded.invitations
        invitation.state = state  # as the dispatcher leaves it
        if status is not None:
            response = make_response(session, version)
            response.invitation_id = invitation.id
            response.status = status
    session.flush()
    return rule


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
