"""Helpers of the recovery tests: answering invitations and resolving the cases they open."""

from __future__ import annotations

from sqlalchemy.orm import Session

from surveyapp.domain.case_states import CaseEventKind
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import Case, Invitation, Response, RootCause, User
from surveyapp.services import answering
from surveyapp.services.answering import Steps
from surveyapp.services.cases import work


def answer(
    session: Session,
    clock: FixedClock,
    invitation: Invitation,
    *,
    score: int,
    comment: str | None = None,
) -> Response:
    """The customer opens ``invitation``'s link (as dispatch would have sent it) and answers."""
    token = generate_token()
    invitation.token_hash = hash_token(token)
    invitation.state = InvitationState.SENT
    invitation.sent_at = clock.now()
    session.flush()
    submitted = {"score": [str(score)]}
    if comment is not None:
        submitted["improve" if score <= 6 else "liked"] = [comment]
    target = answering.target_for_invitation(session, token, clock=clock)
    return answering.submit_answers(
        session, target, submitted, steps=Steps.ALL, locale="en", clock=clock
    )


def resolve(
    session: Session, case: Case, cause: RootCause, *, actor: User, clock: FixedClock
) -> Case:
    """A first action, then the outcome: the case is resolved now."""
    work.add_note(session, case, "Called back.", kind=CaseEventKind.NOTE, actor=actor, clock=clock)
    return work.resolve(
        session,
        case,
        resolution="Refunded the order.",
        root_cause_ids=[cause.id],
        expected_version=case.version,
        actor=actor,
        clock=clock,
    )
