"""What a website decision reads, in two plain statements: every page event asks it.

``track`` is called on page views at any rate a site has, so the facts planning needs are
read with Core statements on a plain connection (no ORM loading, no session): the site with
the event's website rules, their newest survey versions and the consent policy in one
statement, and the visitor's contact with its newest web consent and when it was last asked
in another. ``WebFacts`` answers ``planning.decide`` from them. The site and its rules change
rarely and the web layer may keep them for a few seconds; the visitor's facts are read anew
for every event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarSelect,
    Table,
    Text,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from surveyapp.domain.consent import (
    ConsentAction,
    ConsentChannel,
    ConsentDecision,
    ConsentPolicy,
    decide,
)
from surveyapp.domain.embed import Position
from surveyapp.models import (
    Base,
    ConsentEvent,
    ConsentSetting,
    Contact,
    Invitation,
    Survey,
    SurveyStatus,
    SurveyVersion,
    Touchpoint,
    TriggerRule,
    WebSite,
)
from surveyapp.services.consent import DEFAULT_POLICY
from surveyapp.services.planning_facts import ASKED_STATES, ASKED_TODAY

_rules: Table = cast(Table, TriggerRule.__table__)
_sites: Table = cast(Table, WebSite.__table__)
_RULE_COLUMNS = tuple(column.key for column in _rules.columns)
_M = TypeVar("_M", bound=Base)


@dataclass(frozen=True)
class SiteView:
    """A website as the widget's endpoints need it (read without the ORM)."""

    id: int
    site_key: str
    secret_salt: str
    allowed_origins: tuple[str, ...]
    theme_colour: str
    position: Position
    start_minimized: bool
    explain_decisions: bool
    is_active: bool


_SITE_COLUMNS = (
    _sites.c.id.label("site_id"),
    _sites.c.site_key,
    _sites.c.secret_salt,
    _sites.c.allowed_origins,
    _sites.c.theme_colour,
    _sites.c.position,
    _sites.c.start_minimized,
    _sites.c.explain_decisions,
    _sites.c.is_active.label("site_is_active"),
)
_SITE = select(*_SITE_COLUMNS).where(_sites.c.site_key == bindparam("site_key"))


def _newest_version(column: Any) -> ScalarSelect[Any]:
    return (
        select(column)
        .where(SurveyVersion.survey_id == _rules.c.survey_id)
        .order_by(SurveyVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )


_WEB_POLICY = (
    select(ConsentSetting.policy)
    .where(ConsentSetting.channel == ConsentChannel.WEB)
    .scalar_subquery()
)
# The touchpoint's active website rules whose survey is in use, best priority first, each
# with its survey's newest version (id and document) and the workspace's web policy.
_WEB_RULES = (
    select(
        *_rules.columns,
        _newest_version(SurveyVersion.id).label("newest_version"),
        _newest_version(cast_(SurveyVersion.definition, Text)).label("newest_document"),
        _WEB_POLICY.label("web_policy"),
    )
    .join(Touchpoint, _rules.c.touchpoint_id == Touchpoint.id)
    .join(Survey, _rules.c.survey_id == Survey.id)
    .where(
        Touchpoint.key == bindparam("key"),
        _rules.c.is_active.is_(True),
        _rules.c.channel == ConsentChannel.WEB,
        Survey.status == SurveyStatus.ACTIVE,
    )
)
_RULES = _WEB_RULES.order_by(_rules.c.priority, _rules.c.id)
# The site and the event's rules in one statement: every track call starts here.
_WEB_RULES_OF = _WEB_RULES.subquery("web_rules")
_SITE_AND_RULES = (
    select(*_SITE_COLUMNS, _WEB_RULES_OF)
    .select_from(_sites.outerjoin(_WEB_RULES_OF, true()))
    .where(_sites.c.site_key == bindparam("site_key"))
    .order_by(_WEB_RULES_OF.c.priority, _WEB_RULES_OF.c.id)
)


def _constant(value: str) -> ColumnElement[Any]:
    """A fixed value written into the SQL text instead of a bound parameter.

    Every bound parameter is converted anew on each execution, and the visitor's statement
    had twenty of them, all but two constant. Only plain words are accepted.
    """
    if not value.replace("_", "").isalnum():
        raise ValueError(f"not a plain constant: {value!r}")
    return literal_column(f"'{value}'")


_NEWEST_WEB_CONSENT = (
    select(ConsentEvent.action)
    .where(
        ConsentEvent.contact_id == Contact.id,
        ConsentEvent.channel == _constant(ConsentChannel.WEB.value),
    )
    .order_by(ConsentEvent.occurred_at.desc(), ConsentEvent.id.desc())
    .limit(literal_column("1"))
    .offset(literal_column("0"))
    .scalar_subquery()
)
# Spelled out as ORs, not IN: an IN list is expanded anew on every execution.
_IS_ASKED = or_(*(Invitation.state == _constant(state.value) for state in ASKED_STATES))
_ASKED = select(func.max(Invitation.send_at)).where(Invitation.contact_id == Contact.id, _IS_ASKED)
_ASKED_FOR_SURVEY = _ASKED.join(
    SurveyVersion, Invitation.survey_version_id == SurveyVersion.id
).where(SurveyVersion.survey_id == bindparam("survey_id"))
# The visitor's contact, newest web consent and last invitations (any, and the survey's).
_CONTACT = select(
    Contact.id,
    Contact.locale,
    Contact.timezone,
    Contact.attributes,
    Contact.erased_at,
    _NEWEST_WEB_CONSENT.label("web_consent"),
    _ASKED.scalar_subquery().label("asked_any"),
    _ASKED_FOR_SURVEY.scalar_subquery().label("asked_survey"),
).where(Contact.external_id == bindparam("external_id"))
_LAST_ASKED_BY_SURVEY = (
    select(SurveyVersion.survey_id, func.max(Invitation.send_at))
    .join(SurveyVersion, Invitation.survey_version_id == SurveyVersion.id)
    .where(Invitation.contact_id == bindparam("contact_id"), _IS_ASKED)
    .group_by(SurveyVersion.survey_id)
)


@dataclass(frozen=True)
class RuleSet:
    """An event's website rules, their surveys' newest versions and the web consent policy.

    The rules and versions are transient objects, never attached to a session: they may be
    shared read-only between requests.
    """

    rules: tuple[TriggerRule, ...]
    versions: Mapping[int, SurveyVersion | None]
    policy: ConsentPolicy
    # The newest versions' documents (JSON text) by version id, for choosing a language.
    documents: Mapping[int, str] = field(default_factory=dict)

    @property
    def survey_ids(self) -> set[int]:
        """The surveys the rules ask."""
        return {rule.survey_id for rule in self.rules}


@dataclass(frozen=True)
class VisitorRecord:
    """The visitor's contact as planning reads it, and what else decides on them.

    The contact is transient (never in a session; no id while it is not stored yet).
    """

    contact: Contact
    locale: str | None = None
    erased_at: datetime | None = None
    web_consent: ConsentAction | None = None
    last_asked_any: datetime | None = None
    last_asked: Mapping[int, datetime] = field(default_factory=dict)


def load_site(connection: Connection, site_key: str) -> SiteView | None:
    """The site with this public key (active or not), if any."""
    row = connection.execute(_SITE, {"site_key": site_key}).first()
    return _site(row) if row is not None else None


def load_site_and_rules(
    connection: Connection, site_key: str, event: str
) -> tuple[SiteView | None, RuleSet]:
    """``load_site`` and ``load_rules`` in one statement."""
    parameters = {"site_key": site_key, "key": event}
    rows = connection.execute(_SITE_AND_RULES, parameters).all()
    if not rows:
        return None, _rule_set([])
    return _site(rows[0]), _rule_set([row for row in rows if row.id is not None])


def load_rules(connection: Connection, event: str) -> RuleSet:
    """The event's active website rules, best priority first (empty for unknown events)."""
    return _rule_set(connection.execute(_RULES, {"key": event}).all())


def load_visitor(
    connection: Connection, external_id: str, survey_ids: Iterable[int]
) -> VisitorRecord:
    """The contact with this external id and its facts, or a new transient contact.

    ``survey_ids``: the surveys whose last invitation may matter (the rules' surveys).
    """
    wanted = sorted(set(survey_ids))
    parameters = {"external_id": external_id, "survey_id": wanted[0] if wanted else None}
    row = connection.execute(_CONTACT, parameters).first()
    if row is None:
        return VisitorRecord(transient(Contact, id=None, timezone=None, attributes={}))
    contact = transient(Contact, id=row.id, timezone=row.timezone, attributes=row.attributes or {})
    asked: dict[int, datetime] = {}
    if len(wanted) == 1:
        if row.asked_survey is not None:
            asked[wanted[0]] = row.asked_survey
    elif wanted:  # rules of several surveys: one more statement
        rows = connection.execute(_LAST_ASKED_BY_SURVEY, {"contact_id": row.id}).all()
        asked = {survey_id: sent for survey_id, sent in rows if sent is not None}
    consent = ConsentAction(row.web_consent) if row.web_consent else None
    return VisitorRecord(contact, row.locale, row.erased_at, consent, row.asked_any, asked)


def transient(model: type[_M], **values: Any) -> _M:
    """An object of ``model`` for planning to read, never added to a session.

    Its attributes are set without the ORM's change events (a third of the cost), so only
    what planning reads is set; every page event builds these.
    """
    instance = model()
    for name, value in values.items():
        set_committed_value(instance, name, value)
    return instance


def _site(row: Any) -> SiteView:
    return SiteView(
        id=row.site_id,
        site_key=row.site_key,
        secret_salt=row.secret_salt,
        allowed_origins=tuple(row.allowed_origins or ()),
        theme_colour=row.theme_colour,
        position=Position(row.position),
        start_minimized=row.start_minimized,
        explain_decisions=row.explain_decisions,
        is_active=row.site_is_active,
    )


def _rule_set(rows: Sequence[Any]) -> RuleSet:
    rules = tuple(
        transient(TriggerRule, **{name: row._mapping[name] for name in _RULE_COLUMNS})
        for row in rows
    )
    versions = {
        row.survey_id: transient(SurveyVersion, id=row.newest_version, survey_id=row.survey_id)
        if row.newest_version
        else None
        for row in rows
    }
    documents = {row.newest_version: row.newest_document for row in rows if row.newest_version}
    policy = next((row.web_policy for row in rows if row.web_policy), None)
    return RuleSet(rules, versions, ConsentPolicy(policy) if policy else DEFAULT_POLICY, documents)


def flushed_connection(session: Session) -> Connection:
    """The session's connection, with the session's pending changes flushed to it first."""
    session.flush()  # a plain statement does not autoflush as ORM queries do
    return session.connection()


class WebFacts:
    """Planning facts of one website decision, answered from ``RuleSet`` and ``VisitorRecord``.

    Only a rule's daily cap is still counted with a statement (when the rule has one).
    """

    def __init__(self, connection: Connection, rules: RuleSet, visitor: VisitorRecord) -> None:
        """Decide from the preloaded ``rules`` and ``visitor``."""
        self._connection = connection
        self._rule_set = rules
        self._visitor = visitor

    def rules(self, touchpoint_id: int) -> Sequence[TriggerRule]:
        """The preloaded website rules."""
        return self._rule_set.rules

    def latest_version(self, survey_id: int) -> SurveyVersion | None:
        """The survey's newest version, as a transient object carrying its id."""
        return self._rule_set.versions.get(survey_id)

    def consent(self, contact_id: int, channel: ConsentChannel) -> ConsentDecision:
        """The policy and the visitor's newest web consent."""
        return decide(self._rule_set.policy, self._visitor.web_consent)

    def last_asked(self, contact_id: int, survey_id: int | None) -> datetime | None:
        """When the visitor was last asked (this survey, or any when ``None``)."""
        if survey_id is None:
            return self._visitor.last_asked_any
        return self._visitor.last_asked.get(survey_id)

    def is_suppressed(self, email: str) -> bool:
        """Website surveys need no address."""
        return False

    def asked_today(self, rule_id: int, day_start: datetime) -> int:
        """How many invitations the rule made since ``day_start``."""
        parameters = {"rule_id": rule_id, "day_start": day_start}
        return self._connection.execute(ASKED_TODAY, parameters).scalar_one()

    def note(self, invitation: Invitation, survey_id: int) -> None:
        """Nothing to remember: one decision at a time."""
