"""Integrators list the touchpoints they may post interactions to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from surveyapp.domain.clock import FixedClock
from surveyapp.services import touchpoints
from tests.api.conftest import ApiClient, Keys


def test_touchpoints_are_listed_by_key(
    api: ApiClient, session: Session, clock: FixedClock, keys: Keys
) -> None:
    assert api.get("/touchpoints").get_json() == {"items": []}
    touchpoints.create_touchpoint(
        session,
        key="support.ticket_closed",
        name="Ticket closed",
        description="A support ticket was solved.",
        stage_key="support",
        clock=clock,
        actor=keys.admin,
    )
    touchpoints.create_touchpoint(
        session, key="order.delivered", name="Order delivered", clock=clock, actor=keys.admin
    )
    session.commit()
    assert api.get("/touchpoints").get_json()["items"] == [
        {"key": "order.delivered", "name": "Order delivered", "description": "", "stage": None},
        {
            "key": "support.ticket_closed",
            "name": "Ticket closed",
            "description": "A support ticket was solved.",
            "stage": "support",
        },
    ]
