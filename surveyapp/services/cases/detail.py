"""The case page (service layer): a case with its response, customer, history and timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from surveyapp.domain.case_states import WORKERS, CaseStatus, targets_from
from surveyapp.domain.i18n import N_
from surveyapp.domain.roles import Role
from surveyapp.models import (
    Case,
    CaseEvent,
    CaseMail,
    Contact,
    Interaction,
    Invitation,
    Response,
    ResponseStatus,
    RootCause,
    SurveyVersion,
    Team,
    User,
)
from surveyapp.models.associations import team_members
from surveyapp.services.cases import access, messages
from surveyapp.services.cases.messages import Recipient
from surveyapp.services.errors import NotFound
from surveyapp.services.responses import readable_by as responses_readable_by

HISTORY_LIMIT = 10


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows and offers to the person looking at it."""

    case: Case
    response: Response
    version: SurveyVersion
    contact: Contact | None
    earlier_responses: Sequence[Response]
    interactions: Sequence[Interaction]
    other_cases: Sequence[Case]
    events: Sequence[CaseEvent]
    mails: dict[int, CaseMail]
    root_causes: Sequence[RootCause]
    may_work: bool
    targets: list[CaseStatus]
    assignees: Sequence[User]
    teams: Sequence[Team]
    recipient: Recipient | None


def check_may_open(session: Session, case_id: int, *, viewer: User) -> None:
    """Raise ``NotFound`` for an unknown case, ``PermissionDenied`` if ``viewer`` may not open it.

    Changes ask this first: a case one may not even read is refused outright (403), not
    explained on its page. Reads only.
    """
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(N_("This case does not exist."))
    access.check_may_read(viewer, case)


def case_page(session: Session, case_id: int, *, viewer: User) -> CasePage:
    """The page of case ``case_id`` for ``viewer``.

    Raises ``NotFound`` for an unknown case and ``PermissionDenied`` for a case ``viewer`` may
    not open (another team's, for managers and agents).
    """
    case = session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.response)
            .joinedload(Response.survey_version)
            .joinedload(SurveyVersion.survey),
            joinedload(Case.contact),
            joinedload(Case.touchpoint),
            joinedload(Case.team),
            joinedload(Case.owner),
            selectinload(Case.root_causes),
        )
    ).one_or_none()
    if case is None:
        raise NotFound(N_("This case does not exist."))
    access.check_may_read(viewer, case)
    may_work = access.may_work(viewer, case)
    mails = session.scalars(select(CaseMail).where(CaseMail.case_id == case.id)).all()
    return CasePage(
        case=case,
        response=case.response,
        version=case.response.survey_version,
        contact=case.contact,
        earlier_responses=_earlier_responses(session, case, viewer),
        interactions=_interactions(session, case),
        other_cases=_other_cases(session, case, viewer),
        events=session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.occurred_at, CaseEvent.id)
        ).all(),
        mails={mail.id: mail for mail in mails},
        root_causes=_root_causes(session, case),
        may_work=may_work,
        targets=targets_from(case.status, viewer.role) if may_work else [],
        assignees=_assignees(session, case) if may_work else [],
        teams=session.scalars(select(Team).order_by(Team.name)).all() if may_work else [],
        recipient=messages.recipient_of(session, case) if may_work else None,
    )


def _earlier_responses(session: Session, case: Case, viewer: User) -> Sequence[Response]:
    """The customer's other answers that ``viewer`` may read (not another team's)."""
    if case.contact_id is None:
        return []
    return session.scalars(
        select(Response)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(
            Invitation.contact_id == case.contact_id,
            Response.id != case.response_id,
            Response.status.in_([ResponseStatus.PARTIAL, ResponseStatus.COMPLETE]),
            responses_readable_by(viewer),
        )
        .options(joinedload(Response.survey_version).joinedload(SurveyVersion.survey))
        .order_by(Response.started_at.desc(), Response.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()


def _interactions(session: Session, case: Case) -> Sequence[Interaction]:
    if case.contact_id is None:
        return []
    return session.scalars(
        select(Interaction)
        .where(Interaction.contact_id == case.contact_id)
        .options(joinedload(Interaction.touchpoint))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()


def _other_cases(session: Session, case: Case, viewer: User) -> Sequence[Case]:
    """The customer's other cases that ``viewer`` may open (not another team's)."""
    if case.contact_id is None:
        return []
    return session.scalars(
        select(Case)
        .where(Case.contact_id == case.contact_id, Case.id != case.id, access.readable_by(viewer))
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()


def _root_causes(session: Session, case: Case) -> Sequence[RootCause]:
    """Active root causes, plus retired ones the case is already tagged with."""
    tagged = [cause.id for cause in case.root_causes]
    return session.scalars(
        select(RootCause)
        .where(RootCause.is_active.is_(True) | RootCause.id.in_(tagged))
        .order_by(RootCause.name)
    ).all()


def _assignees(session: Session, case: Case) -> Sequence[User]:
    """Who may own the case: active staff who work cases, of its team (any team without one)."""
    query = select(User).where(
        User.is_active.is_(True), User.role.in_([r for r in WORKERS if isinstance(r, Role)])
    )
    if case.team_id is not None:
        members = select(team_members.c.user_id).where(team_members.c.team_id == case.team_id)
        query = query.where(User.id.in_(members) | (User.role == Role.ADMIN))
    return session.scalars(query.order_by(User.name)).all()
