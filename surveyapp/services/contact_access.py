"""Which contacts a staff member may open (service layer): managers and agents their teams'.

A contact belongs to the teams that met it: through an interaction at, or an invitation from,
one of the team's touchpoints, or a case routed to the team. Managers and agents open the
contacts their teams met, the customers of the cases they may open, and the contacts no team
met yet (as they see the cases that reached no team); other roles open all. Guessing the id of
a contact only other teams met is refused like opening another team's case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import Session

from surveyapp.domain.i18n import N_
from surveyapp.models import Case, Contact, Interaction, Invitation, Touchpoint, TriggerRule, User
from surveyapp.services.cases import access as case_access
from surveyapp.services.errors import PermissionDenied
from surveyapp.services.reporting.scope import response_touchpoint_id


def readable_by(viewer: User) -> ColumnElement[bool]:
    """SQL condition on ``Contact``: the contacts ``viewer`` may open (see the module)."""
    if viewer.role not in case_access.TEAM_BOUND_READERS:
        return true()
    mine = select(Touchpoint.id).where(Touchpoint.team_id.in_(case_access.team_ids(viewer)))
    any_team = select(Touchpoint.id).where(Touchpoint.team_id.is_not(None))
    of_cases = select(Case.contact_id).where(case_access.readable_by(viewer))
    teams_cases = select(Case.contact_id).where(
        Case.team_id.is_not(None), Case.contact_id.is_not(None)
    )
    # correlate(None): each subquery reads its own tables, whatever the outer query joins.
    met_by_mine = [Contact.id.in_(query.correlate(None)) for query in _met_at(mine)]
    met_by_none = [
        Contact.id.not_in(query.correlate(None)) for query in (*_met_at(any_team), teams_cases)
    ]
    return or_(*met_by_mine, Contact.id.in_(of_cases.correlate(None)), and_(*met_by_none))


def _met_at(touchpoints: Select[Any]) -> tuple[Select[Any], Select[Any]]:
    """Ids of the contacts with an interaction at, and with an invitation from, ``touchpoints``."""
    interacted = select(Interaction.contact_id).where(Interaction.touchpoint_id.in_(touchpoints))
    invited = (
        select(Invitation.contact_id)
        .outerjoin(Interaction, Invitation.interaction_id == Interaction.id)
        .outerjoin(TriggerRule, Invitation.trigger_rule_id == TriggerRule.id)
        .where(response_touchpoint_id().in_(touchpoints), Invitation.contact_id.is_not(None))
    )
    return interacted, invited


def check_may_read(session: Session, viewer: User, contact_id: int) -> None:
    """Raise ``PermissionDenied`` if contact ``contact_id`` exists but ``viewer`` may not open it.

    An unknown id passes: the page's own lookup answers ``NotFound``. Reads only.
    """
    exists = session.scalar(select(Contact.id).where(Contact.id == contact_id))
    if exists is None:
        return
    readable = select(Contact.id).where(Contact.id == contact_id, readable_by(viewer))
    if session.scalar(readable) is None:
        raise PermissionDenied(N_("This customer is not one of your teams' customers."))
