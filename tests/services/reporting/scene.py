"""Report test data: answers at touchpoints on given days, built straight from the models."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from surveyapp.domain.states import InvitationState
from surveyapp.models import (
    Channel,
    Interaction,
    Invitation,
    Response,
    Survey,
    SurveyVersion,
    Team,
    Touchpoint,
)
from tests.factories import make_contact, make_published_survey, make_response, make_team

_numbers = itertools.count(1)


@dataclass
class Scene:
    """Two touchpoints (one owned by ``team``), an NPS and a CSAT survey."""

    session: Session
    team: Team
    support: Touchpoint
    billing: Touchpoint
    nps_survey: Survey
    nps_version: SurveyVersion
    csat_survey: Survey
    csat_version: SurveyVersion

    def answer(
        self,
        touchpoint: Touchpoint | None,
        score: int,
        day: date,
        *,
        version: SurveyVersion | None = None,
        channel: Channel = Channel.EMAIL,
        locale: str = "en",
        comment: str | None = None,
        attributes: dict[str, str] | None = None,
        hour: int = 12,
    ) -> Response:
        """A delivered invitation at ``touchpoint`` answered with ``score`` on ``day``."""
        at = datetime.combine(day, time(hour), tzinfo=UTC)
        response = make_response(
            self.session,
            version or self.nps_version,
            score=score,
            comment=comment,
            locale=locale,
            channel=channel,
            started_at=at,
        )
        if touchpoint is not None:
            invitation = self.deliver(touchpoint, day, version=version, attributes=attributes)
            invitation.state = InvitationState.ANSWERED
            response.invitation_id = invitation.id
            self.session.flush()
        return response

    def deliver(
        self,
        touchpoint: Touchpoint,
        day: date,
        *,
        version: SurveyVersion | None = None,
        attributes: dict[str, str] | None = None,
        state: InvitationState = InvitationState.SENT,
    ) -> Invitation:
        """An invitation about an interaction at ``touchpoint``, sent on ``day``."""
        number = next(_numbers)
        at = datetime.combine(day, time(9), tzinfo=UTC)
        contact = make_contact(self.session, attributes=attributes or {})
        interaction = Interaction(
            idempotency_key=f"report-{number}",
            touchpoint_id=touchpoint.id,
            contact_id=contact.id,
            occurred_at=at - timedelta(hours=1),
            received_at=at - timedelta(hours=1),
            attributes={},
            first_response_seconds=600,
            resolution_seconds=3600 * (number % 5 + 1),
            solved_first_contact=number % 2 == 0,
        )
        self.session.add(interaction)
        self.session.flush()
        invitation = Invitation(
            token_hash=f"{number:064d}",
            survey_version_id=(version or self.nps_version).id,
            contact_id=contact.id,
            channel=Channel.EMAIL,
            locale="en",
            interaction_id=interaction.id,
            state=state,
            checks=[],
            suppression_reasons=[],
            created_at=at,
            expires_at=at + timedelta(days=14),
            sent_at=at if state != InvitationState.QUEUED else None,
        )
        self.session.add(invitation)
        self.session.flush()
        return invitation


def make_scene(session: Session) -> Scene:
    """Touchpoints ``support`` (team-owned) and ``billing``, NPS and CSAT surveys."""
    team = make_team(session)
    number = next(_numbers)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    support = Touchpoint(
        key=f"support.closed-{number}",
        name=f"Ticket closed {number}",
        team_id=team.id,
        created_at=created,
    )
    billing = Touchpoint(
        key=f"billing.paid-{number}", name=f"Invoice paid {number}", created_at=created
    )
    session.add_all([support, billing])
    session.flush()
    nps_survey, nps_version = make_published_survey(session, name=f"After support {number}")
    csat_survey, csat_version = make_published_survey(
        session, template="csat", name=f"Billing satisfaction {number}"
    )
    return Scene(
        session, team, support, billing, nps_survey, nps_version, csat_survey, csat_version
    )
