"""Typed factories for test data: they flush, never commit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from functools import cache

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from surveyapp.domain.case_rules import CasePriority, ScoreBand
from surveyapp.domain.case_states import CaseStatus
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentChannel, ConsentPolicy
from surveyapp.domain.embed import site_secret
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import derive_scores
from surveyapp.domain.states import InvitationState
from surveyapp.domain.survey_definition import from_document
from surveyapp.domain.tokens import generate_token, hash_token
from surveyapp.models import (
    Case,
    Channel,
    ConsentSetting,
    Contact,
    Invitation,
    OutboxMessage,
    Response,
    ResponseStatus,
    RootCause,
    Survey,
    SurveyKind,
    SurveyVersion,
    Team,
    Touchpoint,
    TriggerRule,
    User,
    WebSite,
)
from surveyapp.services import answering, consent, surveys, touchpoints, trigger_rules
from surveyapp.services.answering import Steps
from surveyapp.services.auth import hash_password
from surveyapp.services.contacts import ContactData
from surveyapp.services.embed import sites as web_sites
from surveyapp.services.touchpoints import InteractionData
from surveyapp.services.trigger_rules import RuleSettings

DEFAULT_PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@cache
def _default_password_hash() -> str:
    # argon2id is deliberately slow; hash the shared test password once per run.
    return hash_password(DEFAULT_PASSWORD)


def make_user(
    session: Session,
    *,
    role: Role = Role.ADMIN,
    email: str | None = None,
    name: str | None = None,
    is_active: bool = True,
    locale: str | None = None,
    teams: list[Team] | None = None,
) -> User:
    """A staff user whose password is ``DEFAULT_PASSWORD``."""
    number = next(_sequence)
    user = User(
        email=email or f"user{number}@example.com",
        name=name or f"User {number}",
        role=role,
        password_hash=_default_password_hash(),
        is_active=is_active,
        locale=locale,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        teams=teams or [],
    )
    session.add(user)
    session.flush()
    return user


def make_team(session: Session, *, name: str | None = None) -> Team:
    """A team with a unique name."""
    team = Team(name=name or f"Team {next(_sequence)}", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    session.add(team)
    session.flush()
    return team


def make_published_survey(
    session: Session,
    *,
    template: str = "nps",
    name: str = "After support",
    link_enabled: bool = False,
    actor: User | None = None,
) -> tuple[Survey, SurveyVersion]:
    """A survey from a ready-made template, published once."""
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    publisher = actor or make_user(session, role=Role.CX_OWNER)
    survey = surveys.create_survey(
        session,
        name=name,
        kind=SurveyKind.TRANSACTIONAL,
        template=template,
        clock=clock,
        actor=publisher,
    )
    survey.link_enabled = link_enabled
    version = surveys.publish(session, survey.id, clock=clock, actor=publisher)
    return survey, version


def make_response(
    session: Session,
    version: SurveyVersion,
    *,
    score: int = 9,
    comment: str | None = None,
    locale: str = "en",
    channel: Channel = Channel.LINK,
    started_at: datetime | None = None,
) -> Response:
    """A complete response to ``version`` (an NPS-style survey with ``score`` as its rating)."""
    definition = from_document(version.definition)
    primary = definition.primary_rating
    assert primary is not None
    answers: dict[str, object] = {primary.key: score}
    text_key = next((q.key for q in definition.second_step(score) if q.type == "text"), None)
    if comment and text_key:
        answers[text_key] = comment
    derived = derive_scores(primary.type, score)
    at = started_at or datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    response = Response(
        survey_version_id=version.id,
        channel=channel,
        locale=locale,
        status=ResponseStatus.COMPLETE,
        answers=answers,
        score=score,
        nps_category=derived.nps_category,
        csat_satisfied=derived.csat_satisfied,
        ces_easy=derived.ces_easy,
        is_unhappy=derived.is_unhappy,
        has_comment=bool(comment and text_key),
        started_at=at,
        updated_at=at,
        submitted_at=at,
    )
    session.add(response)
    session.flush()
    return response


def make_contact(session: Session, **fields: object) -> Contact:
    """A contact with a unique external id and an email address."""
    number = next(_sequence)
    contact = Contact(
        external_id=str(fields.pop("external_id", f"C-{number}")),
        email=fields.pop("email", f"customer{number}@example.com"),  # type: ignore[arg-type]
        name=fields.pop("name", f"Customer {number}"),  # type: ignore[arg-type]
        locale=fields.pop("locale", "en"),  # type: ignore[arg-type]
        timezone=fields.pop("timezone", "Europe/Berlin"),  # type: ignore[arg-type]
        attributes=fields.pop("attributes", {}),  # type: ignore[arg-type]
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert not fields, f"unknown contact fields {fields}"
    session.add(contact)
    session.flush()
    return contact


# contact region, invitation state after sending, response status (None: no answer)
SEGMENT_CUSTOMERS = [
    ("north", InvitationState.SENT, ResponseStatus.COMPLETE),
    ("north", InvitationState.SENT, ResponseStatus.PARTIAL),
    ("north", InvitationState.SENT, None),
    ("north", InvitationState.EXPIRED, None),
    ("south", InvitationState.SENT, ResponseStatus.COMPLETE),
    ("south", InvitationState.SENT, ResponseStatus.PROVISIONAL),  # not submitted: not answered
    ("south", InvitationState.QUEUED, None),  # not delivered yet: not counted
    (None, InvitationState.SENT, ResponseStatus.COMPLETE),
]


def make_segmented_rule(session: Session, clock: FixedClock) -> TriggerRule:
    """A rule stratified by region whose invitations went out to ``SEGMENT_CUSTOMERS``."""
    admin = make_user(session, role=Role.ADMIN)
    survey, version = make_published_survey(session, actor=admin)
    touchpoint = touchpoints.create_touchpoint(
        session, key="orders.delivered", name="Delivered", clock=clock, actor=admin
    )
    rule = trigger_rules.save_rule(
        session,
        RuleSettings(
            name="Delivered",
            touchpoint_id=touchpoint.id,
            survey_id=survey.id,
            sampling_rate=1.0,
            strata={"attribute": "region", "rates": {"south": 1.0, "north": 0.5}},
            recontact_days_contact=None,
            recontact_days_survey=None,
        ),
        clock=clock,
        actor=admin,
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
    )
    for number, (region, state, status) in enumerate(SEGMENT_CUSTOMERS):
        attributes = {"region": region, "plan": "pro"} if region else {"plan": "pro"}
        recorded = touchpoints.record_interaction(
            session,
            InteractionData(
                f"O-{number}",
                "orders.delivered",
                ContactData(f"C-{number}", email=f"c{number}@example.com", attributes=attributes),
                clock.now(),
            ),
            clock=clock,
        )
        (invitation,) = recorded.invitations
        invitation.state = state  # as the dispatcher leaves it
        if status is not None:
            response = make_response(session, version)
            response.invitation_id = invitation.id
            response.status = status
    session.flush()
    return rule


def make_dispatch_rule(session: Session, clock: FixedClock, **settings: object) -> TriggerRule:
    """A rule that invites every contact of ``support.ticket_closed`` right away (opt-out)."""
    admin = make_user(session, role=Role.ADMIN)
    survey, _ = make_published_survey(session, actor=admin)
    touchpoint = touchpoints.create_touchpoint(
        session, key="support.ticket_closed", name="Ticket closed", clock=clock, actor=admin
    )
    consent.set_policy(
        session, ConsentChannel.EMAIL, ConsentPolicy.OPT_OUT, clock=clock, actor=admin
    )
    values: dict[str, object] = {
        "name": "After tickets",
        "touchpoint_id": touchpoint.id,
        "survey_id": survey.id,
        "delay_minutes": 0,
        "recontact_days_contact": None,
        "recontact_days_survey": None,
        **settings,
    }
    return trigger_rules.save_rule(session, RuleSettings(**values), clock=clock, actor=admin)  # type: ignore[arg-type]


def plan_invitation(
    session: Session, clock: FixedClock, key: str, contact: str = "C-17", **contact_fields: object
) -> Invitation:
    """A ticket closed for ``contact`` now, planned by the dispatch rule: the invitation."""
    fields: dict[str, object] = {
        "email": f"{contact.lower()}@example.com",
        "timezone": "Europe/Berlin",
        "name": f"Customer {contact}",
        **contact_fields,
    }
    recorded = touchpoints.record_interaction(
        session,
        InteractionData(
            idempotency_key=key,
            touchpoint_key="support.ticket_closed",
            contact=ContactData(contact, **fields),  # type: ignore[arg-type]
            occurred_at=clock.now(),
            attributes={"ticket": key},
        ),
        clock=clock,
    )
    (invitation,) = recorded.invitations
    return invitation


def make_dispatched_invitation(
    session: Session,
    clock: FixedClock,
    key: str,
    state: InvitationState,
    *,
    last_error: str | None = None,
    attempts: int = 1,
    **contact_fields: object,
) -> Invitation:
    """An invitation planned by the dispatch rule (``make_dispatch_rule`` first) and left in
    ``state`` as the sender would leave it; contact ``C-<key>`` unless ``contact`` is given."""
    contact = str(contact_fields.pop("contact", f"C-{key}"))
    invitation = plan_invitation(session, clock, key, contact, **contact_fields)
    assert invitation.state == InvitationState.QUEUED, invitation.suppression_reasons
    invitation.state = state
    invitation.last_error = last_error
    invitation.attempts = 0 if state == InvitationState.QUEUED else attempts
    if state in (InvitationState.SENT, InvitationState.ANSWERED):
        invitation.sent_at = clock.now()
    session.flush()
    return invitation


def seed_due_invitations(session: Session, count: int, *, now: datetime) -> None:
    """``count`` email invitations due now, each to its own contact, on an opt-out workspace.

    Bulk inserts (no planning), for worker and benchmark runs of thousands of messages.
    """
    _, version = make_published_survey(session)
    session.add(
        ConsentSetting(channel=ConsentChannel.EMAIL, policy=ConsentPolicy.OPT_OUT, updated_at=now)
    )
    for start in range(0, count, 10_000):
        numbers = range(start, min(start + 10_000, count))
        session.execute(
            insert(Contact),
            [
                {
                    "external_id": f"C-{n}",
                    "email": f"c{n}@example.com",
                    "name": f"Customer {n}",
                    "locale": "en",
                    "attributes": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for n in numbers
            ],
        )
    ids = session.scalars(select(Contact.id).order_by(Contact.id)).all()
    for start in range(0, len(ids), 10_000):
        session.execute(
            insert(Invitation),
            [
                {
                    "token_hash": f"placeholder-{contact_id}",
                    "survey_version_id": version.id,
                    "contact_id": contact_id,
                    "channel": Channel.EMAIL,
                    "locale": "en",
                    "state": InvitationState.QUEUED,
                    "send_at": now - timedelta(minutes=1),
                    "checks": [],
                    "suppression_reasons": [],
                    "created_at": now,
                    "expires_at": now + timedelta(days=14),
                }
                for contact_id in ids[start : start + 10_000]
            ],
        )


def make_outbox_message(
    session: Session,
    clock: FixedClock,
    *,
    subject: str = "Wie zufrieden waren Sie mit der Bäckerei Müller?",
    recipient: str = "ada@example.com",
    html: str | None = "<p style='color:#333'>Hallo <b>Ada</b></p>",
) -> OutboxMessage:
    """An invitation-like message (text, optionally HTML) kept by the outbox."""
    message = EmailMessage(policy=policy.default)
    message["Subject"] = subject
    message["From"] = "surveys@localhost"
    message["To"] = recipient
    message["Message-ID"] = "<invitation-1.invitation@localhost>"
    message.set_content("Hallo Ada,\nwie war es?\nhttp://localhost/s/abc?score=9\n")
    if html is not None:
        message.add_alternative(html, subtype="html")
    stored = OutboxMessage(
        message_id=str(message["Message-ID"]),
        recipient=recipient,
        subject=subject,
        stored_at=clock.now(),
        raw=message.as_string(policy=policy.default),
    )
    session.add(stored)
    session.flush()
    return stored


# --- follow-up cases ------------------------------------------------------------------------


@dataclass
class CaseSetup:
    """A support team owning ``support.ticket_closed`` (``make_dispatch_rule``) and its staff."""

    team: Team
    touchpoint: Touchpoint
    manager: User
    agents: list[User]


def make_case_setup(session: Session, clock: FixedClock, *, agents: int = 2) -> CaseSetup:
    """The dispatch rule's touchpoint, owned by a new team with a manager and ``agents``."""
    rule = make_dispatch_rule(session, clock)
    team = make_team(session, name=f"Support {next(_sequence)}")
    touchpoint = session.get(Touchpoint, rule.touchpoint_id)
    assert touchpoint is not None
    touchpoint.team_id = team.id
    manager = make_user(session, role=Role.MANAGER, teams=[team])
    members = [make_user(session, role=Role.AGENT, teams=[team]) for _ in range(agents)]
    session.flush()
    return CaseSetup(team, touchpoint, manager, members)


def answer_invitation(
    session: Session,
    clock: FixedClock,
    key: str,
    *,
    score: int,
    comment: str | None = None,
    contact_me: bool | None = None,
    contact: str | None = None,
    **contact_fields: object,
) -> Response:
    """A ticket ``key`` closed, its invitation sent and answered in one submit (NPS survey)."""
    invitation = plan_invitation(session, clock, key, contact or f"C-{key}", **contact_fields)
    token = generate_token()
    invitation.token_hash = hash_token(token)
    invitation.state = InvitationState.SENT
    session.flush()
    submitted = {"score": [str(score)]}
    if comment is not None:
        submitted["improve" if score <= 6 else "liked"] = [comment]
    if contact_me is not None:
        submitted["contact"] = ["yes" if contact_me else "no"]
    target = answering.target_for_invitation(session, token, clock=clock)
    return answering.submit_answers(
        session, target, submitted, steps=Steps.ALL, locale="en", clock=clock
    )


def case_of(session: Session, response: Response) -> Case | None:
    """The case ``response`` opened, if any."""
    return session.scalars(select(Case).where(Case.response_id == response.id)).one_or_none()


def make_root_cause(session: Session, name: str | None = None) -> RootCause:
    """An active root cause of the taxonomy."""
    cause = RootCause(
        name=name or f"Cause {next(_sequence)}",
        description="",
        is_active=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(cause)
    session.flush()
    return cause


# The secret key of TestConfig: website secrets are derived from it.
TEST_APP_SECRET = "test-secret-key-that-is-long-enough-for-tests"


def make_web_site(
    session: Session,
    *,
    origins: tuple[str, ...] = ("https://shop.example",),
    actor: User | None = None,
    app_secret: str = TEST_APP_SECRET,
    **settings: object,
) -> tuple[WebSite, str]:
    """A website that may show surveys on ``origins``, and its signing secret."""
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    values: dict[str, object] = {"name": f"Shop {next(_sequence)}", **settings}
    created = web_sites.create_site(
        session,
        web_sites.SiteSettings(allowed_origins=origins, **values),  # type: ignore[arg-type]
        app_secret=app_secret,
        clock=clock,
        actor=actor or make_user(session, role=Role.CX_OWNER),
    )
    assert created.secret == site_secret(app_secret, created.site.secret_salt)
    return created.site, created.secret


def make_web_rule(
    session: Session,
    clock: FixedClock,
    *,
    key: str = "checkout.completed",
    policy: ConsentPolicy = ConsentPolicy.OPT_OUT,
    **settings: object,
) -> TriggerRule:
    """An active website rule of touchpoint ``key`` (created) asking an NPS survey."""
    admin = make_user(session, role=Role.ADMIN)
    survey, _ = make_published_survey(session, actor=admin, name="After checkout")
    touchpoint = touchpoints.create_touchpoint(
        session, key=key, name="Checkout completed", clock=clock, actor=admin
    )
    consent.set_policy(session, ConsentChannel.WEB, policy, clock=clock, actor=admin)
    values: dict[str, object] = {
        "name": "After checkout",
        "touchpoint_id": touchpoint.id,
        "survey_id": survey.id,
        "channel": ConsentChannel.WEB,
        "delay_minutes": 0,
        "recontact_days_contact": 30,
        "recontact_days_survey": None,
        **settings,
    }
    return trigger_rules.save_rule(session, RuleSettings(**values), clock=clock, actor=admin)  # type: ignore[arg-type]


def make_case(
    session: Session,
    response: Response,
    *,
    team: Team | None = None,
    owner: User | None = None,
    at: datetime | None = None,
) -> Case:
    """A new case opened by ``response`` (no rule involved), due in 24 and 72 hours."""
    opened = at or datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    case = Case(
        response_id=response.id,
        team_id=team.id if team else None,
        owner_id=owner.id if owner else None,
        status=CaseStatus.NEW,
        priority=CasePriority.HIGH,
        score=response.score,
        score_band=ScoreBand.VERY_UNHAPPY,
        reasons=["score"],
        opened_at=opened,
        updated_at=opened,
        first_action_due_at=opened + timedelta(hours=24),
        resolution_due_at=opened + timedelta(hours=72),
        escalation_level=0,
        resolution="",
        reopen_count=0,
    )
    session.add(case)
    session.flush()
    return case
