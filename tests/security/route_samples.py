"""Seeded objects for the route walks: a real id for every URL argument, in two teams.

The walks build each URL of the catalogue (``tests/security/routes.py``) from these values, so
that the guard under test answers, not a 404 for an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import Base, Case, Contact, Response, Team, Touchpoint
from surveyapp.services import touchpoints, trigger_rules
from surveyapp.services.contacts import ContactData
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings
from tests.factories import (
    make_case,
    make_outbox_message,
    make_published_survey,
    make_response,
    make_root_cause,
    make_team,
    make_user,
    make_web_site,
)
from tests.web.cases.samples import make_recovery_samples


@dataclass(frozen=True)
class Seeded:
    """Objects of two teams, so that every URL can be built with real ids.

    ``values`` fills every URL argument with an object of team B (the team the walks' users
    are not in); ``team_a`` is where the object-level walks put their agents and managers.
    """

    team_a: Team
    team_b: Team
    touchpoint_b: Touchpoint
    case_b: Case
    response_b: Response
    contact_b: Contact
    values: dict[str, object]


def seed(session: Session) -> Seeded:
    """One existing object per URL argument, of team B; committed (the app reads them)."""
    at = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    admin = make_user(session, role=Role.ADMIN)  # kept around for demotion rules
    team_a, team_b = make_team(session), make_team(session)
    survey, version = make_published_survey(session)
    touchpoint = touchpoints.create_touchpoint(
        session,
        key="sample.touchpoint",
        name="Sample",
        stage_key="support",
        team_id=team_b.id,
        clock=at,
        actor=None,
    )
    settings = RuleSettings(name="Sample rule", touchpoint_id=touchpoint.id, survey_id=survey.id)
    rule = trigger_rules.save_rule(session, settings, clock=at, actor=None)
    recorded = touchpoints.record_interaction(
        session,
        InteractionData("sample-1", touchpoint.key, ContactData("sample-contact"), at.now()),
        clock=at,
    )
    invitation = recorded.invitations[0]
    response = make_response(session, version, score=2)
    response.invitation_id = invitation.id  # answered: the response belongs to team B
    contact = session.get(Contact, recorded.interaction.contact_id)
    assert contact is not None
    case = make_case(session, response, team=team_b)
    case.contact_id = contact.id
    case.status = CaseStatus.IN_PROGRESS  # taken: every change of a case applies to it
    contact.email = "customer.b@example.com"  # so a case message can be written to them
    message = make_outbox_message(session, at)  # with an HTML part, so its frame opens
    site, _ = make_web_site(session)
    playbook, goodwill = make_recovery_samples(session, case, at)
    playbook.score_band = case.score_band  # its checklist applies to the case
    session.commit()
    values: dict[str, object] = {
        "user_id": admin.id,
        "survey_id": survey.id,
        "version_number": version.number,
        "response_id": response.id,
        "question_key": "score",
        "locale": "en",
        "contact_id": contact.id,
        "external_id": contact.external_id,
        "touchpoint_id": touchpoint.id,
        "rule_id": rule.id,
        "interaction_id": recorded.interaction.id,
        "stage_key": "support",
        "invitation_id": invitation.id,
        "message_id": message.id,
        "case_id": case.id,
        "team_id": team_b.id,
        "root_cause_id": make_root_cause(session).id,
        "scope": "surveys",
        "scope_id": survey.id,
        "site_id": site.id,
        "site_key": site.site_key,
        "playbook_id": playbook.id,
        "goodwill_id": goodwill.id,
        "token": "not-a-valid-token",
        "slug": "not-a-valid-slug",
        "filename": "css/staff.css",
    }
    session.commit()
    return Seeded(team_a, team_b, touchpoint, case, response, contact, values)


def database_rows(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as comparable tuples: what "nothing changed" is checked on."""
    session.expire_all()
    return {
        table.name: sorted(
            (tuple(map(repr, row)) for row in session.execute(select(table))), key=repr
        )
        for table in Base.metadata.sorted_tables
    }
