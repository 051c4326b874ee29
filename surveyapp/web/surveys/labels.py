"""Translated names for what the survey builder shows: kinds, question types, scales, languages."""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from surveyapp.domain.scoring import SCALES, QuestionType
from surveyapp.models import SurveyKind, SurveyStatus

KIND_LABELS: dict[SurveyKind, Any] = {
    SurveyKind.TRANSACTIONAL: _l("Transactional"),
    SurveyKind.RELATIONAL: _l("Relational"),
}

STATUS_LABELS: dict[SurveyStatus, Any] = {
    SurveyStatus.ACTIVE: _l("Active"),
    SurveyStatus.ARCHIVED: _l("Archived"),
}

QUESTION_TYPE_LABELS: dict[QuestionType, Any] = {
    QuestionType.NPS: _l("NPS rating (0-10)"),
    QuestionType.CSAT: _l("CSAT rating (1-5)"),
    QuestionType.CES: _l("CES 2.0 rating (1-7)"),
    QuestionType.SINGLE_CHOICE: _l("Single choice"),
    QuestionType.MULTI_CHOICE: _l("Multiple choice"),
    QuestionType.TEXT: _l("Free text"),
    QuestionType.CONTACT_REQUEST: _l("Contact request"),
}

# The short scale names used next to score bands ("NPS 0-10").
SCALE_NAMES: dict[QuestionType, str] = {
    QuestionType.NPS: "NPS",
    QuestionType.CSAT: "CSAT",
    QuestionType.CES: "CES 2.0",
}

# Examples of end labels, in the templates' standard wording, for the help text of each end.
END_LABEL_EXAMPLES: dict[QuestionType, tuple[Any, Any]] = {
    QuestionType.NPS: (_l("0 = Not at all likely"), _l("10 = Extremely likely")),
    QuestionType.CSAT: (_l("1 = Very dissatisfied"), _l("5 = Very satisfied")),
    QuestionType.CES: (_l("1 = Strongly disagree"), _l("7 = Strongly agree")),
}

TEMPLATE_LABELS: dict[str, Any] = {
    "nps": _l("NPS: likelihood to recommend, 0-10, with follow-up questions"),
    "csat": _l("CSAT: satisfaction, 1-5, with follow-up questions"),
    "ces": _l("CES 2.0: effort, 1-7, with follow-up questions"),
    "blank": _l("Blank: no questions yet"),
}


def locale_name(code: str) -> str:
    """The language ``code`` (``de``) named in the staff user's language ("German", "Deutsch")."""
    try:
        name = Locale.parse(code).get_display_name(str(get_locale() or "en"))
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


def scale_text(question_type: QuestionType) -> str:
    """A rating type's scale, such as "NPS 0-10"; empty for questions without a scale."""
    scale = SCALES.get(question_type)
    if scale is None:
        return ""
    return f"{SCALE_NAMES[question_type]} {scale.minimum}-{scale.maximum}"
