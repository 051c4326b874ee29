"""Planning checks as sentences a CX owner reads: why a customer was (not) surveyed.

Checks come from ``planning.decide`` (``Check`` objects) or from a stored invitation (dicts with
``name``, ``passed``, ``reason`` and ``detail``); both read the same here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_datetime, format_decimal, gettext
from flask_babel import lazy_gettext as _l

from surveyapp.domain.eligibility import Check
from surveyapp.web.touchpoints.labels import CHECK_LABELS, label


def _(message: str, **variables: Any) -> str:
    """``gettext`` typed as returning ``str`` (extracted like any ``_()`` call)."""
    return str(gettext(message, **variables))


CONSENT_PREFIXES = ("opt_in:", "opt_out:")
SIMPLE_SENTENCES: dict[str, Any] = {
    "survey_published": _l("The survey has a published version."),
    "survey_not_published": _l("The survey has no published version, so nothing can be sent."),
    "conditions_met": _l("Every condition of the rule holds (or the rule has none)."),
    "email_present": _l("The contact has an email address that is not suppressed."),
    "no_email": _l("The contact has no email address (or their data was erased)."),
    "suppressed_address": _l(
        "The contact's email address is suppressed (it bounced or was reported)."
    ),
    "no_cap": _l("The rule has no daily cap."),
    "identified": _l("The website identified the visitor as this contact (signed contact id)."),
    "anonymous_allowed": _l("A visitor the website did not identify; the rule allows them."),
    "consent_asked_in_widget": _l(
        "The contact had not granted consent (opt-in), so the widget asked for it first."
    ),
}


@dataclass(frozen=True)
class ExplainedCheck:
    """One step of a decision as the page shows it."""

    label: str
    passed: bool
    sentence: str


def explain_checks(checks: Iterable[Check | Mapping[str, Any]]) -> list[ExplainedCheck]:
    """Every check in order, with its label, outcome and sentence."""
    explained = []
    for check in map(_as_dict, checks):
        explained.append(
            ExplainedCheck(
                label(CHECK_LABELS, check.get("name")),
                bool(check.get("passed")),
                reason_sentence(str(check.get("reason", "")), str(check.get("detail") or "")),
            )
        )
    return explained


def failed_sentences(checks: Iterable[Check | Mapping[str, Any]]) -> list[str]:
    """The sentences of the failed checks only: why nothing was (or would be) sent."""
    return [check.sentence for check in explain_checks(checks) if not check.passed]


def reason_sentence(reason: str, detail: str = "") -> str:
    """A reason code (and its detail) as a sentence in the user's language."""
    if reason.startswith(CONSENT_PREFIXES):
        return consent_sentence(reason)
    explain = _DETAILED.get(reason)
    if explain is not None:
        return explain(reason, detail)
    simple = SIMPLE_SENTENCES.get(reason)
    return str(simple) if simple is not None else _("Reason code: %(code)s", code=reason)


def duration_text(seconds: int) -> str:
    """A duration such as a first-response time, e.g. ``2 h 5 min``."""
    minutes, rest = divmod(max(seconds, 0), 60)
    if not minutes:
        return _("%(seconds)d s", seconds=rest)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min", minutes=minutes)
    days, hours = divmod(hours, 24)
    if not days:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("%(days)d d %(hours)d h", days=days, hours=hours)


def consent_sentence(state: str) -> str:
    """The consent state code ``<policy>:<latest action>`` as a sentence."""
    sentences = {
        "opt_in:granted": _("The contact granted consent (opt-in policy)."),
        "opt_in:none": _("The contact never granted consent, and the policy is opt-in."),
        "opt_in:withdrawn": _("The contact withdrew consent."),
        "opt_out:granted": _("The contact granted consent (opt-out policy)."),
        "opt_out:none": _("The contact has not objected (opt-out policy)."),
        "opt_out:withdrawn": _("The contact withdrew consent."),
    }
    return sentences.get(state, _("The contact has not given consent for this channel."))


def _no_consent_sentence(_reason: str, detail: str) -> str:
    return _("No consent for this channel: %(state)s", state=consent_sentence(detail))


def _condition_sentence(_reason: str, detail: str) -> str:
    return _("A condition of the rule does not hold: %(condition)s.", condition=detail)


def _moved_sentence(_reason: str, detail: str) -> str:
    when = _when(detail)
    return _("The send time fell into quiet hours, so it was moved to %(when)s.", when=when)


def _recontact_sentence(reason: str, detail: str) -> str:
    if reason == "recontact_contact":
        return _(
            "The contact was already asked within the recontact period (last on %(when)s).",
            when=_when(detail),
        )
    if reason == "recontact_survey":
        return _(
            "The contact already got this survey within its recontact period (last on %(when)s).",
            when=_when(detail),
        )
    if detail:
        return _(
            "Not asked within the recontact period (last asked on %(when)s).", when=_when(detail)
        )
    return _("Not asked before.")


def _sampling_sentence(reason: str, detail: str) -> str:
    rate = _percent(detail)
    if reason == "sampled":
        return _("Drawn in the sample (sampling rate %(rate)s %%).", rate=rate)
    return _("Not drawn in the sample (sampling rate %(rate)s %%).", rate=rate)


def _cap_sentence(reason: str, detail: str) -> str:
    count, _slash, cap = detail.partition("/")
    if reason == "daily_cap":
        return _("The rule's daily cap of %(cap)s invitations is reached.", cap=cap or "?")
    return _(
        "Under the daily cap (%(count)s of %(cap)s invitations today).",
        count=count or "0",
        cap=cap or "?",
    )


def _when(iso: str) -> str:
    try:
        return str(format_datetime(datetime.fromisoformat(iso), "short"))
    except ValueError:
        return iso or "?"


def _percent(detail: str) -> str:
    try:
        rate = float(detail.removeprefix("rate").strip())
    except ValueError:
        return "?"
    return str(format_decimal(round(rate * 100, 4)))


_DETAILED: dict[str, Callable[[str, str], str]] = {
    "no_consent": _no_consent_sentence,
    "condition": _condition_sentence,
    "recontact_contact": _recontact_sentence,
    "recontact_survey": _recontact_sentence,
    "not_asked_recently": _recontact_sentence,
    "sampled": _sampling_sentence,
    "sampling": _sampling_sentence,
    "under_cap": _cap_sentence,
    "daily_cap": _cap_sentence,
    "moved": _moved_sentence,
}


def _as_dict(check: Check | Mapping[str, Any]) -> Mapping[str, Any]:
    return asdict(check) if isinstance(check, Check) else check
