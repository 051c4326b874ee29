"""Translated names for consent channels, actions, sources, policies and decisions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentPolicy, ConsentSource
from surveyapp.models import Channel

CHANNEL_LABELS: dict[str, Any] = {
    ConsentChannel.EMAIL: _l("Email"),
    ConsentChannel.WEB: _l("Web"),
}
ACTION_LABELS: dict[str | None, Any] = {
    ConsentAction.GRANTED: _l("granted"),
    ConsentAction.WITHDRAWN: _l("withdrawn"),
    None: _l("none"),
}
SOURCE_LABELS: dict[str, Any] = {
    ConsentSource.API: _l("API"),
    ConsentSource.IMPORT: _l("Import"),
    ConsentSource.PREFERENCE_CENTRE: _l("Preference centre"),
    ConsentSource.WIDGET: _l("Website widget"),
    ConsentSource.STAFF: _l("Staff"),
    ConsentSource.UNSUBSCRIBE: _l("Unsubscribe link"),
}
POLICY_LABELS: dict[str, Any] = {
    ConsentPolicy.OPT_IN: _l("opt-in"),
    ConsentPolicy.OPT_OUT: _l("opt-out"),
}
POLICY_EXPLANATIONS: dict[str, Any] = {
    ConsentPolicy.OPT_IN: _l("no survey without a grant"),
    ConsentPolicy.OPT_OUT: _l("surveys are allowed unless the contact withdrew"),
}
# ConsentDecision.reason codes, explained.
REASON_LABELS: dict[str, Any] = {
    "opt_in:granted": _l("The contact granted consent."),
    "opt_in:withdrawn": _l("The contact withdrew consent."),
    "opt_in:none": _l("No grant is recorded, and the opt-in policy needs one."),
    "opt_out:granted": _l("The contact granted consent."),
    "opt_out:withdrawn": _l("The contact withdrew consent."),
    "opt_out:none": _l(
        "Nothing is recorded; the opt-out policy allows surveys until a withdrawal."
    ),
}
INVITATION_CHANNEL_LABELS: dict[str, Any] = {
    Channel.EMAIL: _l("Email"),
    Channel.LINK: _l("Link"),
    Channel.WEB: _l("Web"),
    Channel.TEST: _l("Test link"),
}
# Why an address is never written to again (suppressed_addresses.reason).
ADDRESS_SUPPRESSION_LABELS: dict[str, Any] = {
    "erased": _l("The contact's data was erased"),
    "hard_bounce": _l("Hard bounce: the mailbox does not exist"),
    "complaint": _l("Spam complaint: the recipient reported a survey as spam"),
    "smtp_rejected": _l("The mail server refused the address"),
}

LABELS = {
    "channel_labels": CHANNEL_LABELS,
    "action_labels": ACTION_LABELS,
    "source_labels": SOURCE_LABELS,
    "policy_labels": POLICY_LABELS,
    "policy_explanations": POLICY_EXPLANATIONS,
    "reason_labels": REASON_LABELS,
    "invitation_channel_labels": INVITATION_CHANNEL_LABELS,
    "address_labels": ADDRESS_SUPPRESSION_LABELS,
}
