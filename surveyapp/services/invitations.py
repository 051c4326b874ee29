"""Personal survey links: creating them, opening them, and watching for link scanners."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer, joinedload

from surveyapp.domain import link_scanning
from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import (
    Channel,
    Invitation,
    LinkFetch,
    Response,
    ResponseStatus,
    Survey,
    SurveyStatus,
    SurveyVersion,
    User,
)
from surveyapp.services import audit, surveys
from surveyapp.services.errors import Conflict, NotFound, ServiceError

log = logging.getLogger(__name__)

TEST_INVITATION_LIFETIME = timedelta(days=7)


class InvitationExpired(ServiceError):
    """The link is past its expiry date."""

    status = 410


@dataclass(frozen=True)
class NewInvitation:
    """A created invitation and its token (only the hash is stored; show the token once)."""

    invitation: Invitation
    token: str


def create_test_invitation(
    session: Session, survey_id: int, *, locale: str | None, clock: Clock, actor: User
) -> NewInvitation:
    """A personal link to the newest published version, for trying the survey out.

    Test answers are stored with channel ``test`` so reports leave them out. Raises
    ``ValidationFailed`` before the first publish. Flushes.
    """
    survey = surveys.get_survey(session, survey_id)
    if survey.status == SurveyStatus.ARCHIVED:
        raise Conflict(N_("Archived surveys cannot be changed. Restore the survey first."))
    version = surveys.latest_version(session, survey_id)
    if version is None:
        raise NotFound(N_("Publish the survey before creating a test link."))
    token = generate_token()
    now = clock.now()
    invitation = Invitation(
        token_hash=hash_token(token),
        survey_version_id=version.id,
        channel=Channel.TEST,
        # A test link is handed over on screen: it counts as sent, and no job ever mails it.
        state=InvitationState.SENT,
        send_at=now,
        locale=locale,
        created_at=now,
        expires_at=now + TEST_INVITATION_LIFETIME,
        created_by_id=actor.id,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        "survey.test_link_created",
        clock=clock,
        actor=actor,
        target=survey,
        details={"version": version.number},
    )
    return NewInvitation(invitation=invitation, token=token)


# One query for the invitation, its version, its survey's status and the respondent's answer:
# every public request starts here, so the statement is built once.
_BY_TOKEN_HASH = (
    select(Invitation)
    .options(
        # Planning's record (JSON) is for staff pages; respondents' requests never read it.
        defer(Invitation.checks),
        defer(Invitation.suppression_reasons),
        joinedload(Invitation.survey_version)
        .joinedload(SurveyVersion.survey)
        .load_only(Survey.status),
        joinedload(Invitation.response),
    )
    .where(Invitation.token_hash == bindparam("token_hash"))
)


def find_by_token(session: Session, token: str, *, clock: Clock) -> Invitation:
    """The invitation of ``token``; ``NotFound`` for unknown, ``InvitationExpired`` for old."""
    invitation = session.scalars(_BY_TOKEN_HASH, {"token_hash": hash_token(token)}).one_or_none()
    if invitation is None or invitation.survey_version.survey.status == SurveyStatus.ARCHIVED:
        raise NotFound(N_("This survey link is not valid."))
    if invitation.expires_at <= clock.now():
        raise InvitationExpired(N_("This survey has closed."))
    return invitation


def record_fetch(
    session: Session, invitation: Invitation, *, score: int | None, is_trap: bool, clock: Clock
) -> None:
    """Note one GET of the invitation's link; voids provisional scores once it looks scanned.

    A GET never records an answer: scanners fetch every link of an email. Flushes.
    """
    now = clock.now()
    if not is_trap and invitation.first_opened_at is None:
        invitation.first_opened_at = now
    session.add(
        LinkFetch(invitation_id=invitation.id, score=score, is_trap=is_trap, fetched_at=now)
    )
    session.flush()
    if invitation.scanner_detected_at is None and _fetches_look_scanned(session, invitation):
        invitation.scanner_detected_at = now
        void_provisional(session, invitation)
        log.info("Invitation %s: link scanner detected, provisional score voided", invitation.id)
    session.flush()


def void_provisional(session: Session, invitation: Invitation) -> None:
    """Void the invitation's provisional score, if any; submitted answers are never voided."""
    response = session.scalars(
        select(Response).where(Response.invitation_id == invitation.id)
    ).one_or_none()
    if response is not None and response.status == ResponseStatus.PROVISIONAL:
        response.status = ResponseStatus.VOIDED


def _fetches_look_scanned(session: Session, invitation: Invitation) -> bool:
    rows = session.execute(
        select(LinkFetch.score, LinkFetch.fetched_at, LinkFetch.is_trap).where(
            LinkFetch.invitation_id == invitation.id
        )
    ).all()
    return link_scanning.looks_like_scanner(
        link_scanning.LinkFetch(score=score, fetched_at=at, is_trap=trap)
        for score, at, trap in rows
    )
