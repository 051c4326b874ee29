"""The demo workspace that ``make run`` shows a new user."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.roles import Role
from surveyapp.models import Team, User
from surveyapp.services import demo_journey, demo_responses, teams, users
from surveyapp.services.reporting import rollups

log = logging.getLogger(__name__)

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_TEAMS = ("Customer Support", "Delivery")
# One colleague per non-admin role, so the role-specific staff area can be tried out.
DEMO_STAFF = (
    ("cx@example.com", "Clara Expert", Role.CX_OWNER, "Customer Support"),
    ("manager@example.com", "Max Manager", Role.MANAGER, "Customer Support"),
    ("agent@example.com", "Ada Agent", Role.AGENT, "Delivery"),
    ("viewer@example.com", "Vera Viewer", Role.VIEWER, None),
)


@dataclass(frozen=True)
class DemoSeed:
    """The outcome of seeding: the admin's email and, only when just created, its password."""

    admin_email: str
    admin_password: str | None

    @property
    def created(self) -> bool:
        """Whether this call created the workspace (and so knows the admin's password)."""
        return self.admin_password is not None


def seed_demo_workspace(session: Session, *, clock: Clock) -> DemoSeed:
    """Create the demo admin, teams, colleagues, surveys and responses once.

    Later calls change nothing: the workspace counts as seeded once the demo admin exists. The
    three template surveys get about six months of responses ending before ``clock.now()``
    (see ``demo_responses``). The admin's password is generated, stored only as a hash, and
    returned only on the call that created it. Colleagues get generated passwords that are
    never shown (an admin can reset them). Flushes; the caller commits.
    """
    if session.scalar(select(User.id).where(User.email == DEMO_ADMIN_EMAIL)) is not None:
        return DemoSeed(admin_email=DEMO_ADMIN_EMAIL, admin_password=None)
    team_by_name = {
        name: teams.create_team(session, name=name, clock=clock, actor=None)
        for name in DEMO_TEAMS
        if session.scalar(select(Team.id).where(Team.name == name)) is None
    }
    admin = users.create_user(
        session,
        email=DEMO_ADMIN_EMAIL,
        name="Demo Admin",
        role=Role.ADMIN,
        password=None,
        clock=clock,
        actor=None,
        team_ids=[team.id for team in team_by_name.values()],
    )
    survey_owner = admin.user
    for email, name, role, team_name in DEMO_STAFF:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        team = team_by_name.get(team_name) if team_name else None
        colleague = users.create_user(
            session,
            email=email,
            name=name,
            role=role,
            password=None,
            clock=clock,
            actor=admin.user,
            team_ids=[team.id] if team else [],
        )
        if role == Role.CX_OWNER:
            survey_owner = colleague.user
    demo_responses.seed_demo_surveys(session, actor=survey_owner, clock=clock)
    demo_journey.seed_demo_journey(session, actor=survey_owner, clock=clock)
    # The dashboard reads daily rollups: build them now so the demo opens on populated figures.
    rollups.rebuild_rollups(session, clock=clock)
    log.info("Demo workspace seeded")
    return DemoSeed(admin_email=DEMO_ADMIN_EMAIL, admin_password=admin.generated_password)
