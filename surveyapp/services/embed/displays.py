"""The widget showing a survey, and the visitor closing it.

A website invitation is created when the widget shows the survey (or the consent question
before it). It is delivered at that moment, so it starts as ``sent`` with ``send_at`` set to
now: that is what recontact periods and daily caps count. Closing the widget without
answering (``dismiss``) keeps it, so dismissing counts as shown. The email dispatcher claims
only invitations of channel ``email``; these are never mailed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.dispatch import invitation_token
from surveyapp.domain.eligibility import Check
from surveyapp.domain.embed import is_visitor, open_offer
from surveyapp.domain.i18n import N_
from surveyapp.domain.states import InvitationState
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import (
    Channel,
    Interaction,
    Invitation,
    Response,
    ResponseStatus,
    WebDisplay,
)
from surveyapp.services.embed.eligibility import Verdict, evaluate
from surveyapp.services.embed.facts import (
    SiteView,
    flushed_connection,
    load_rules,
    load_visitor,
)
from surveyapp.services.embed.visitors import Identified, stored_contact
from surveyapp.services.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

# The reason recorded on an invitation whose survey waited for the visitor's consent.
CONSENT_ASKED = "consent_asked_in_widget"

_BY_INTERACTION_KEY = (
    select(WebDisplay)
    .join(Invitation, WebDisplay.invitation_id == Invitation.id)
    .join(Interaction, Invitation.interaction_id == Interaction.id)
    .where(Interaction.idempotency_key == bindparam("key"))
)
_BY_TOKEN_HASH = (
    select(WebDisplay)
    .join(Invitation, WebDisplay.invitation_id == Invitation.id)
    .where(Invitation.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True)
class Shown:
    """A survey the widget shows: the token of its frame, and whether consent comes first."""

    token: str
    display: WebDisplay
    locale: str
    consent_required: bool


def show_offer(
    session: Session,
    site: SiteView,
    sealed: str,
    *,
    origin: str,
    app_secret: str,
    clock: Clock,
) -> Shown | None:
    """Store what the widget shows for an offer: contact, interaction, invitation, display.

    The checks run again first, as email checks them again at send time (another tab may
    have shown a survey meanwhile); ``None`` when they no longer pass. Showing the same offer
    twice returns the first display. ``ValidationFailed`` for an altered or expired offer or
    one of another site. Flushes.
    """
    now = clock.now()
    offer = open_offer(app_secret, sealed, now=now)
    if offer is None or offer.site_id != site.id:
        raise ValidationFailed.on_field("offer", N_("The offer is not valid or has expired."))
    existing = session.scalars(_BY_INTERACTION_KEY, {"key": offer.interaction_key}).one_or_none()
    if existing is not None:
        return _shown(existing, app_secret)
    connection = flushed_connection(session)
    rules = load_rules(connection, offer.event)
    if not any(rule.id == offer.rule_id for rule in rules.rules):
        return None  # the rule was switched off or changed its channel meanwhile
    identified = Identified(offer.contact_ref, is_anonymous=is_visitor(offer.contact_ref))
    verdict = evaluate(
        connection,
        identified,
        load_visitor(connection, offer.contact_ref, rules.survey_ids),
        rules,
        offer.interaction_key,
        offer.attributes,
        occurred_at=offer.occurred_at,
        clock=clock,
        rule_id=offer.rule_id,
    )
    if not verdict.may_show or verdict.version_id is None:
        log.debug("Web offer %s no longer passes: %s", offer.interaction_key, _reasons(verdict))
        return None
    contact = stored_contact(session, offer.contact_ref, locale=offer.locale, clock=clock)
    interaction = Interaction(
        idempotency_key=offer.interaction_key,
        touchpoint_id=verdict.rule.touchpoint_id,
        contact_id=contact.id,
        occurred_at=offer.occurred_at,
        received_at=now,
        attributes=dict(offer.attributes),
    )
    session.add(interaction)
    session.flush()
    invitation = _invitation(interaction, verdict, offer.locale, now)
    session.add(invitation)
    session.flush()
    # Derived like an email's link token: showing the same offer again yields the same one.
    invitation.token_hash = hash_token(invitation_token(app_secret, invitation.id))
    display = WebDisplay(
        invitation_id=invitation.id,
        site_id=site.id,
        origin=origin,
        shown_at=now,
        consent_asked=verdict.consent_required,
    )
    session.add(display)
    session.flush()
    log.debug("Web survey shown on site %s: invitation %s", site.id, invitation.id)
    return _shown(display, app_secret)


def dismiss(session: Session, site: SiteView, token: str, *, clock: Clock) -> WebDisplay:
    """Note that the visitor closed the survey without answering (it still counts as shown).

    Closing after answering is no dismissal. ``NotFound`` for a token of no display of
    ``site``. Flushes.
    """
    display = session.scalars(_BY_TOKEN_HASH, {"token_hash": hash_token(token)}).one_or_none()
    if display is None or display.site_id != site.id:
        raise NotFound(N_("This survey was not shown on this site."))
    answered = session.scalar(
        select(Response.id).where(
            Response.invitation_id == display.invitation_id,
            Response.status.in_((ResponseStatus.PARTIAL, ResponseStatus.COMPLETE)),
        )
    )
    if display.dismissed_at is None and answered is None:
        display.dismissed_at = clock.now()
        session.flush()
    return display


def _shown(display: WebDisplay, app_secret: str) -> Shown:
    invitation = display.invitation
    return Shown(
        token=invitation_token(app_secret, invitation.id),
        display=display,
        locale=invitation.locale or "en",
        consent_required=display.consent_asked,
    )


def _invitation(
    interaction: Interaction, verdict: Verdict, locale: str, now: datetime
) -> Invitation:
    assert verdict.version_id is not None  # noqa: S101 -- checked by the caller
    rule = verdict.rule
    return Invitation(
        # A placeholder until the id is known; replaced by the derived token's hash.
        token_hash=hash_token(generate_token()),
        survey_version_id=verdict.version_id,
        contact_id=interaction.contact_id,
        interaction_id=interaction.id,
        trigger_rule_id=rule.id,
        channel=Channel.WEB,
        locale=locale,
        state=InvitationState.SENT,
        send_at=now,
        sent_at=now,
        checks=[_recorded(check) for check in verdict.checks],
        suppression_reasons=[],
        created_at=now,
        expires_at=now + timedelta(days=rule.expiry_days),
        attempts=0,
        reminder_attempts=0,
    )


def _recorded(check: Check) -> dict[str, object]:
    """A check as the invitation keeps it; consent asked in the widget is no failure."""
    if check.name == "consent" and not check.passed:
        return {"name": "consent", "passed": True, "reason": CONSENT_ASKED, "detail": check.detail}
    return {
        "name": check.name,
        "passed": check.passed,
        "reason": check.reason,
        "detail": check.detail,
    }


def _reasons(verdict: Verdict) -> str:
    return ", ".join(check.reason for check in verdict.checks if not check.passed)
