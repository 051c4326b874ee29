"""The survey inside the widget's frame: the consent question first when needed, then answers.

The frame is opened with the invitation's token, like an emailed link. Under opt-in, a visitor
without a grant for the web is first asked with the current consent text; the answer goes to
the ledger (source ``widget``, with the text's version), and a "no" is a withdrawal that is
respected at once. Answers are stored like any other response, with channel ``web``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.consent import (
    ConsentAction,
    ConsentChannel,
    ConsentDecision,
    ConsentPolicy,
    ConsentSource,
)
from surveyapp.domain.i18n import N_
from surveyapp.models import Channel, ConsentEvent, ConsentText, Contact, Response, WebDisplay
from surveyapp.services import answering, consent
from surveyapp.services.answering import AnswerTarget, Steps
from surveyapp.services.embed.eligibility import consent_text_for
from surveyapp.services.errors import NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """What the frame shows for a token: the survey target, its display and the consent state."""

    target: AnswerTarget
    display: WebDisplay
    contact: Contact
    consent: ConsentDecision

    @property
    def asks_consent(self) -> bool:
        """Whether the visitor must first be asked (opt-in, never answered on the web)."""
        return self.consent.policy == ConsentPolicy.OPT_IN and self.consent.latest is None

    @property
    def is_refused(self) -> bool:
        """Whether the visitor may not be surveyed on the web (withdrawn, or erased)."""
        return not self.consent.allowed and not self.asks_consent

    @property
    def allowed_origins(self) -> list[str]:
        """Where the frame may be embedded: the origins of its site."""
        return list(self.display.site.allowed_origins)


def open_frame(session: Session, token: str, *, clock: Clock) -> Frame:
    """The frame of a website invitation; ``NotFound`` for any other token or an inactive site.

    ``InvitationExpired`` once the rule's expiry has passed. Reads only.
    """
    target = answering.target_for_invitation(session, token, clock=clock)
    invitation = target.invitation
    display = session.get(WebDisplay, invitation.id) if invitation is not None else None
    if (
        invitation is None
        or invitation.channel != Channel.WEB
        or invitation.contact is None
        or display is None
        or not display.site.is_active
    ):
        raise NotFound(N_("This survey link is not valid."))
    contact = invitation.contact
    decision = consent.decision_for(session, contact.id, ConsentChannel.WEB)
    if contact.erased_at is not None:
        decision = ConsentDecision(False, decision.policy, ConsentAction.WITHDRAWN)
    return Frame(target, display, contact, decision)


def consent_text(session: Session, frame: Frame, locale: str) -> ConsentText | None:
    """The consent wording to ask with: the page's locale, else the survey's, else any."""
    return consent_text_for(session, [locale, frame.target.definition.default_locale])


def record_consent(
    session: Session,
    frame: Frame,
    *,
    granted: bool,
    text_version_id: int,
    ip: str | None,
    user_agent: str | None,
    clock: Clock,
) -> ConsentEvent:
    """Record the visitor's answer to the consent question in the ledger (source ``widget``).

    ``text_version_id`` is the consent text the visitor read; ``ValidationFailed`` when no
    such text exists, ``Conflict`` for an erased contact. A "no" is a withdrawal. Flushes.
    """
    if session.get(ConsentText, text_version_id) is None:
        raise ValidationFailed.on_field("text_version", N_("This consent text does not exist."))
    event = consent.record_event(
        session,
        frame.contact,
        channel=ConsentChannel.WEB,
        action=ConsentAction.GRANTED if granted else ConsentAction.WITHDRAWN,
        source=ConsentSource.WIDGET,
        clock=clock,
        text_version_id=text_version_id,
        ip=ip,
        user_agent=user_agent,
    )
    log.debug("Widget consent %s for invitation %s", event.action, frame.display.invitation_id)
    return event


def submit_answers(
    session: Session,
    frame: Frame,
    submitted: Mapping[str, Sequence[str]],
    *,
    steps: Steps,
    locale: str,
    clock: Clock,
) -> Response:
    """Store the visitor's answers (channel ``web``), only while consent allows it.

    ``PermissionDenied`` without consent (never asked under opt-in, or withdrawn); otherwise
    as ``answering.submit_answers``. Flushes.
    """
    if not frame.consent.allowed:
        raise PermissionDenied(N_("Without your consent, no answer is stored."))
    return answering.submit_answers(
        session, frame.target, submitted, steps=steps, locale=locale, clock=clock
    )
