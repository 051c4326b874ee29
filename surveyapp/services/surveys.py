"""Designing surveys: drafts, questions, translations, publishing versions, archiving."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from surveyapp.domain.clock import Clock
from surveyapp.domain.i18n import N_
from surveyapp.domain.survey_definition import (
    Problem,
    Question,
    SurveyDefinition,
    find_problems,
    from_document,
    to_document,
)
from surveyapp.domain.survey_templates import TEMPLATES
from surveyapp.domain.tokens import generate_token
from surveyapp.models import Survey, SurveyKind, SurveyStatus, SurveyVersion, User
from surveyapp.services import audit
from surveyapp.services.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)

SUPPORTED_SURVEY_LOCALES = ("en", "de", "fr", "es", "it", "nl", "pl", "pt")


class PublishBlocked(ValidationFailed):
    """The draft has problems (missing translations first); ``problems`` lists them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        """Keep every problem so the builder can show each next to its question and locale."""
        super().__init__(N_("Fix the problems listed below before publishing."))
        self.problems = list(problems)


def list_surveys(session: Session, *, include_archived: bool = False) -> Sequence[Survey]:
    """Surveys by name; archived ones only when asked."""
    # The list shows each survey's newest version: load them all in one more query.
    query = (
        select(Survey)
        .options(selectinload(Survey.versions))
        .order_by(Survey.status, func.lower(Survey.name))
    )
    if not include_archived:
        query = query.where(Survey.status == SurveyStatus.ACTIVE)
    return session.scalars(query).all()


def get_survey(session: Session, survey_id: int) -> Survey:
    """The survey with ``survey_id`` or ``NotFound``."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(N_("This survey does not exist."))
    return survey


def draft_of(survey: Survey) -> SurveyDefinition:
    """The survey's draft as a domain object."""
    return from_document(survey.draft)


def latest_version(session: Session, survey_id: int) -> SurveyVersion | None:
    """The newest published version, or ``None`` before the first publish."""
    query = (
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def create_survey(
    session: Session,
    *,
    name: str,
    kind: SurveyKind,
    template: str | None,
    clock: Clock,
    actor: User | None,
) -> Survey:
    """Create a draft survey, empty or from the ``nps``/``csat``/``ces`` template. Flushes."""
    if template is not None and template not in TEMPLATES:
        raise ValidationFailed.on_field("template", N_("Choose one of the templates."))
    definition = TEMPLATES[template]() if template else SurveyDefinition()
    now = clock.now()
    survey = Survey(
        name=_clean_name(name),
        kind=kind,
        status=SurveyStatus.ACTIVE,
        draft=to_document(definition),
        has_unpublished_changes=True,
        link_slug=generate_token(16),
        link_enabled=False,
        created_at=now,
        updated_at=now,
        created_by_id=actor.id if actor else None,
    )
    session.add(survey)
    session.flush()
    audit.record(
        session,
        "survey.created",
        clock=clock,
        actor=actor,
        target=survey,
        details={"template": template},
    )
    log.info("Survey %s created", survey.id)
    return survey


def update_settings(
    session: Session,
    survey_id: int,
    *,
    name: str,
    kind: SurveyKind,
    locales: Sequence[str],
    default_locale: str,
    intro: dict[str, str],
    thank_you: dict[str, str],
    edit_window_minutes: int,
    link_enabled: bool,
    clock: Clock,
    actor: User,
) -> Survey:
    """Change a survey's name, kind, languages, texts and anonymous link. Flushes.

    Languages must be supported and include the default (``ValidationFailed`` on ``locales``).
    """
    survey = _editable(session, survey_id)
    unknown = [locale for locale in locales if locale not in SUPPORTED_SURVEY_LOCALES]
    if not locales or unknown:
        raise ValidationFailed.on_field("locales", N_("Choose at least one supported language."))
    if default_locale not in locales:
        raise ValidationFailed.on_field(
            "default_locale", N_("The default language must be one of the survey's languages.")
        )
    definition = replace(
        draft_of(survey),
        locales=tuple(locales),
        default_locale=default_locale,
        intro={k: v.strip() for k, v in intro.items() if k in locales},
        thank_you={k: v.strip() for k, v in thank_you.items() if k in locales},
        edit_window_minutes=edit_window_minutes,
    )
    survey.name = _clean_name(name)
    survey.kind = kind
    survey.link_enabled = link_enabled
    _store_draft(survey, definition, clock)
    audit.record(session, "survey.updated", clock=clock, actor=actor, target=survey)
    session.flush()
    return survey


def save_question(
    session: Session, survey_id: int, question: Question, *, clock: Clock, actor: User
) -> Survey:
    """Replace the draft question with ``question.key``, or append it when new. Flushes."""
    survey = _editable(session, survey_id)
    definition = draft_of(survey)
    keys = [q.key for q in definition.questions]
    if question.key in keys:
        questions = tuple(question if q.key == question.key else q for q in definition.questions)
    else:
        questions = (*definition.questions, question)
    _store_draft(survey, definition.with_questions(questions), clock)
    audit.record(
        session,
        "survey.question_saved",
        clock=clock,
        actor=actor,
        target=survey,
        details={"question": question.key},
    )
    session.flush()
    return survey


def remove_question(
    session: Session, survey_id: int, key: str, *, clock: Clock, actor: User
) -> Survey:
    """Remove a question from the draft (published versions keep it). Flushes."""
    survey = _editable(session, survey_id)
    definition = draft_of(survey)
    if key not in [q.key for q in definition.questions]:
        raise NotFound(N_("This question does not exist."))
    _store_draft(
        survey,
        definition.with_questions(tuple(q for q in definition.questions if q.key != key)),
        clock,
    )
    audit.record(
        session,
        "survey.question_removed",
        clock=clock,
        actor=actor,
        target=survey,
        details={"question": key},
    )
    session.flush()
    return survey


def move_question(
    session: Session, survey_id: int, key: str, offset: int, *, clock: Clock, actor: User
) -> Survey:
    """Move a question ``offset`` places (negative: up), clamped to the list. Flushes."""
    survey = _editable(session, survey_id)
    questions = list(draft_of(survey).questions)
    index = next((i for i, q in enumerate(questions) if q.key == key), None)
    if index is None:
        raise NotFound(N_("This question does not exist."))
    target = max(0, min(len(questions) - 1, index + offset))
    questions.insert(target, questions.pop(index))
    _store_draft(survey, draft_of(survey).with_questions(tuple(questions)), clock)
    session.flush()
    return survey


def publish(session: Session, survey_id: int, *, clock: Clock, actor: User) -> SurveyVersion:
    """Freeze the draft into a new immutable version.

    Raises ``PublishBlocked`` listing every problem (missing translations, no questions, bad
    score bands) and ``Conflict`` when nothing changed since the last version. Records
    ``survey.published``. Flushes.
    """
    survey = _editable(session, survey_id)
    definition = draft_of(survey)
    problems = find_problems(definition)
    if problems:
        raise PublishBlocked(problems)
    previous = latest_version(session, survey_id)
    if previous is not None and not survey.has_unpublished_changes:
        raise Conflict(N_("Nothing changed since the last published version."))
    version = SurveyVersion(
        survey_id=survey.id,
        number=(previous.number + 1) if previous else 1,
        kind=survey.kind,
        definition=to_document(definition),
        published_at=clock.now(),
        published_by_id=actor.id,
    )
    session.add(version)
    survey.has_unpublished_changes = False
    session.flush()
    audit.record(
        session,
        "survey.published",
        clock=clock,
        actor=actor,
        target=survey,
        details={"version": version.number},
    )
    log.info("Survey %s published as version %s by %s", survey.id, version.number, actor.email)
    return version


def set_archived(
    session: Session, survey_id: int, archived: bool, *, clock: Clock, actor: User
) -> Survey:
    """Archive a survey (no new answers, hidden from lists) or bring it back. Flushes."""
    survey = get_survey(session, survey_id)
    survey.status = SurveyStatus.ARCHIVED if archived else SurveyStatus.ACTIVE
    survey.updated_at = clock.now()
    action = "survey.archived" if archived else "survey.unarchived"
    audit.record(session, action, clock=clock, actor=actor, target=survey)
    session.flush()
    return survey


def _editable(session: Session, survey_id: int) -> Survey:
    survey = get_survey(session, survey_id)
    if survey.status == SurveyStatus.ARCHIVED:
        raise Conflict(N_("Archived surveys cannot be changed. Restore the survey first."))
    return survey


def _store_draft(survey: Survey, definition: SurveyDefinition, clock: Clock) -> None:
    survey.draft = to_document(definition)
    survey.has_unpublished_changes = True
    survey.updated_at = clock.now()


def _clean_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise ValidationFailed.on_field("name", N_("Enter a name."))
    return clean[:120]
