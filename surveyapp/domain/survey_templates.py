"""Ready-made NPS, CSAT and CES 2.0 surveys with the standard wordings in English and German."""

from __future__ import annotations

from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import Band, Question, SurveyDefinition, Wording

THANK_YOU = {
    "en": "Thank you for your feedback! It helps us get better.",
    "de": "Vielen Dank für Ihr Feedback! Es hilft uns, besser zu werden.",
}
CONTACT_WORDING = {
    "en": Wording("Would you like us to contact you about this?"),
    "de": Wording("Möchten Sie, dass wir Sie dazu kontaktieren?"),
}


def _follow_up(key: str, band: Band, en: str, de: str) -> Question:
    return Question(
        key=key,
        type=QuestionType.TEXT,
        required=False,
        wording={"en": Wording(en), "de": Wording(de)},
        band=band,
    )


def _contact_request(band: Band) -> Question:
    return Question(
        key="contact",
        type=QuestionType.CONTACT_REQUEST,
        required=False,
        wording=dict(CONTACT_WORDING),
        band=band,
    )


def nps_template() -> SurveyDefinition:
    """Net Promoter Score 0-10, with a follow-up for detractors (0-6)."""
    unhappy = Band(0, 6)
    rating = Question(
        key="score",
        type=QuestionType.NPS,
        wording={
            "en": Wording(
                "How likely are you to recommend us to a friend or colleague?",
                "0 = Not at all likely",
                "10 = Extremely likely",
            ),
            "de": Wording(
                "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen "
                "weiterempfehlen?",
                "0 = Äußerst unwahrscheinlich",
                "10 = Äußerst wahrscheinlich",
            ),
        },
    )
    return SurveyDefinition(
        thank_you=dict(THANK_YOU),
        questions=(
            rating,
            _follow_up(
                "improve",
                unhappy,
                "What went wrong, and what should we improve?",
                "Was ist schiefgelaufen, und was sollten wir verbessern?",
            ),
            _follow_up(
                "liked",
                Band(7, 10),
                "What did you like most?",
                "Was hat Ihnen am besten gefallen?",
            ),
            _contact_request(unhappy),
        ),
    )


def csat_template() -> SurveyDefinition:
    """Customer satisfaction 1-5, with a follow-up for 1-3."""
    unhappy = Band(1, 3)
    rating = Question(
        key="score",
        type=QuestionType.CSAT,
        wording={
            "en": Wording(
                "How satisfied were you with our service?",
                "1 = Very dissatisfied",
                "5 = Very satisfied",
            ),
            "de": Wording(
                "Wie zufrieden waren Sie mit unserem Service?",
                "1 = Sehr unzufrieden",
                "5 = Sehr zufrieden",
            ),
        },
    )
    return SurveyDefinition(
        thank_you=dict(THANK_YOU),
        questions=(
            rating,
            _follow_up(
                "improve",
                unhappy,
                "What could we have done better?",
                "Was hätten wir besser machen können?",
            ),
            _contact_request(unhappy),
        ),
    )


def ces_template() -> SurveyDefinition:
    """Customer Effort Score (CES 2.0) 1-7, agreement that handling the issue was easy."""
    unhappy = Band(1, 4)
    rating = Question(
        key="score",
        type=QuestionType.CES,
        wording={
            "en": Wording(
                "How much do you agree: the company made it easy for me to handle my issue.",
                "1 = Strongly disagree",
                "7 = Strongly agree",
            ),
            "de": Wording(
                "Wie sehr stimmen Sie zu: Das Unternehmen hat es mir leicht gemacht, mein "
                "Anliegen zu erledigen.",
                "1 = Stimme überhaupt nicht zu",
                "7 = Stimme voll und ganz zu",
            ),
        },
    )
    return SurveyDefinition(
        thank_you=dict(THANK_YOU),
        questions=(
            rating,
            _follow_up(
                "difficult",
                unhappy,
                "What made it difficult?",
                "Was hat es Ihnen schwer gemacht?",
            ),
            _contact_request(unhappy),
        ),
    )


TEMPLATES = {"nps": nps_template, "csat": csat_template, "ces": ces_template}
