"""A workspace whose every user-writable field holds an attack payload (``xss_corpus``).

``build_scene`` writes the payloads through the services the forms and the API call (the
same validation and normalisation), so what the sinks render is what an attacker could store.
Every value starts with a tag (``[case-note]``) that tells the tests which field landed where.
Long fields (comments, notes, messages, texts) hold the whole corpus; short ones (names,
labels) one payload each, in turn. ``staff_pages`` lists the staff pages that show them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.domain.case_mail import case_mail_token
from surveyapp.domain.case_recovery import GoodwillKind, PlaybookTrigger
from surveyapp.domain.clock import FixedClock
from surveyapp.domain.report_periods import Cadence
from surveyapp.domain.roles import Role
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import Option, Question, Wording
from surveyapp.models import Case, Contact, Interaction, Response, Survey, TriggerRule, User
from surveyapp.services import consent, invitations, preferences, surveys, teams, users
from surveyapp.services.cases import goodwill, messages, playbooks, taxonomy, work
from surveyapp.services.cases.goodwill import GoodwillInput
from surveyapp.services.cases.playbooks import PlaybookInput
from surveyapp.services.embed import sites
from surveyapp.services.reporting import improvements, subscriptions
from surveyapp.services.reporting.improvements import ImprovementInput
from tests.factories import (
    TEST_APP_SECRET,
    CaseSetup,
    answer_invitation,
    case_of,
    make_case_setup,
    plan_invitation,
)
from tests.security.xss_corpus import ALL_PAYLOADS, mark
from tests.services.cases.recovery_setup import answer

SHORT_FIELD = 120
PERIOD = "date_from=2026-02-02&date_to=2026-03-02"
_turn = itertools.count()


def short(tag: str) -> str:
    """One payload (the next in turn that fits a name field), tagged."""
    for _ in ALL_PAYLOADS:  # the turn restarts with every scene: the same fields, same payloads
        value = mark(ALL_PAYLOADS[next(_turn) % len(ALL_PAYLOADS)], tag)
        if len(value) <= SHORT_FIELD:
            return value
    raise AssertionError("no payload fits a short field")


def long(tag: str, limit: int = 5000) -> str:
    """Every payload of the corpus that fits in ``limit`` characters, each tagged, one a line."""
    lines: list[str] = []
    for payload in ALL_PAYLOADS:
        line = mark(payload, tag)
        if sum(len(kept) + 1 for kept in lines) + len(line) > limit:
            break
        lines.append(line)
    return "\n".join(lines)


@dataclass
class Scene:
    """What the sinks need to find the stored payloads again."""

    setup: CaseSetup
    admin: User
    survey: Survey
    case: Case
    response: Response
    praise: Response
    contact: Contact
    site_id: int
    playbook_id: int
    subscription_id: int
    case_mail_token: str
    test_link: str
    preference_link: str


def build_scene(session: Session, clock: FixedClock) -> Scene:
    """Payloads in every field; committed by the caller."""
    global _turn  # noqa: PLW0603 -- restarted so that every scene is the same
    _turn = itertools.count()
    setup = make_case_setup(session, clock)
    admin = users.create_user(
        session,
        email="admin-xss@example.com",
        name=short("user-name"),
        role=Role.ADMIN,
        password="correct horse battery staple",
        clock=clock,
        actor=None,
    ).user
    _name_the_team_and_staff(session, setup, admin, clock)
    survey = _hostile_survey(session, setup, admin, clock)
    response = answer_invitation(
        session,
        clock,
        "XSS-1",
        score=2,
        comment=long("comment"),
        contact_me=True,
        contact="C-XSS-1",
        name=short("contact-name"),
        attributes={"plan": short("contact-attribute"), "region": short("contact-attribute")},
    )
    case = case_of(session, response)
    assert case is not None, "an unhappy answer opens a case"
    case.owner_id = setup.agents[0].id
    session.flush()
    contact = session.get(Contact, case.contact_id)
    assert contact is not None
    mail_token = _work_the_case(session, setup, admin, case, clock)
    praise = _praise(session, setup, clock)
    consent.save_consent_text(
        session, locale="en", body=long("consent-text"), clock=clock, actor=admin
    )
    site = sites.create_site(
        session,
        sites.SiteSettings(name=short("site-name"), allowed_origins=("https://shop.example",)),
        app_secret=TEST_APP_SECRET,
        clock=clock,
        actor=admin,
    ).site
    improvements.record_improvement(
        session,
        ImprovementInput(
            changed_on=date(2026, 2, 20),
            title=short("improvement"),
            description=long("improvement-description", 500),
            touchpoint_id=setup.touchpoint.id,
        ),
        actor=admin,
        clock=clock,
    )
    subscription = subscriptions.subscribe(
        session,
        actor=setup.manager,
        team_id=setup.team.id,
        touchpoint_id=None,
        cadence=Cadence.WEEKLY,
        timezone="UTC",
        locale="en",
        clock=clock,
    )
    link = invitations.create_test_invitation(
        session, survey.id, locale="en", clock=clock, actor=admin
    )
    session.flush()
    return Scene(
        setup=setup,
        admin=admin,
        survey=survey,
        case=case,
        response=response,
        praise=praise,
        contact=contact,
        site_id=site.id,
        playbook_id=_playbook(session, admin, case, clock),
        subscription_id=subscription.id,
        case_mail_token=mail_token,
        test_link=f"/s/{link.token}",
        preference_link=f"/p/{preferences.preference_token(contact, secret=TEST_APP_SECRET)}",
    )


def _name_the_team_and_staff(
    session: Session, setup: CaseSetup, admin: User, clock: FixedClock
) -> None:
    # The touchpoint moves to a team made by the admin form's service. No service renames a
    # touchpoint: its name is set as a created one would be.
    setup.team = teams.create_team(session, name=short("team-name"), clock=clock, actor=admin)
    setup.touchpoint.team_id = setup.team.id
    setup.touchpoint.name = short("touchpoint-name")
    for staff in (setup.manager, *setup.agents):
        users.update_user(
            session,
            staff.id,
            name=short("user-name"),
            role=staff.role,
            is_active=True,
            team_ids=[setup.team.id],
            clock=clock,
            actor=admin,
        )
    session.flush()


def _hostile_survey(session: Session, setup: CaseSetup, admin: User, clock: FixedClock) -> Survey:
    """The dispatch rule's survey, reworded with payloads and published again."""
    rule = session.scalars(
        select(TriggerRule).where(TriggerRule.touchpoint_id == setup.touchpoint.id)
    ).one()
    return reword_survey(session, rule.survey_id, admin, clock)


def reword_survey(session: Session, survey_id: int, admin: User, clock: FixedClock) -> Survey:
    """Payloads in a survey's wording, scale labels, options, intro and thank-you; published."""
    survey = surveys.get_survey(session, survey_id)
    for question in surveys.draft_of(survey).questions:
        wording = dict(question.wording)
        wording["en"] = Wording(
            short(f"question-{question.key}"), short("scale-low"), short("scale-high")
        )
        surveys.save_question(
            session, survey.id, replace(question, wording=wording), clock=clock, actor=admin
        )
    choice = Question(
        key="channel",
        type=QuestionType.SINGLE_CHOICE,
        required=False,
        wording={"en": Wording(short("question-channel")), "de": Wording("Kanal")},
        options=tuple(
            Option(f"o{number}", {"en": short("option"), "de": f"Option {number}"})
            for number in range(3)
        ),
    )
    surveys.save_question(session, survey.id, choice, clock=clock, actor=admin)
    surveys.update_settings(
        session,
        survey.id,
        name=short("survey-name"),
        kind=survey.kind,
        locales=["en", "de"],
        default_locale="en",
        intro={"en": long("intro"), "de": "Hallo"},
        thank_you={"en": long("thank-you"), "de": "Danke"},
        edit_window_minutes=60,
        link_enabled=True,
        clock=clock,
        actor=admin,
    )
    surveys.publish(session, survey.id, clock=clock, actor=admin)
    return survey


def _work_the_case(
    session: Session, setup: CaseSetup, admin: User, case: Case, clock: FixedClock
) -> str:
    """A note, a message to the customer, a root cause and goodwill; the mail's answer token."""
    manager = setup.manager
    work.add_note(session, case, long("case-note"), actor=manager, clock=clock)
    mail = messages.write_to_customer(
        session, case, long("case-message"), secret=TEST_APP_SECRET, actor=manager, clock=clock
    )
    cause = taxonomy.save_root_cause(
        session,
        name=short("root-cause"),
        description=long("root-cause-description", 500),
        clock=clock,
        actor=admin,
    )
    work.set_root_causes(
        session, case, [cause.id], expected_version=case.version, actor=manager, clock=clock
    )
    goodwill.record_goodwill(
        session,
        case,
        GoodwillInput(GoodwillKind.VOUCHER, Decimal("10"), "EUR", note=long("goodwill", 500)),
        actor=manager,
        clock=clock,
    )
    session.flush()
    return case_mail_token(TEST_APP_SECRET, mail.id)


def _praise(session: Session, setup: CaseSetup, clock: FixedClock) -> Response:
    """A promoter's comment about an agent: a kudos."""
    invitation = plan_invitation(session, clock, "XSS-2", "C-XSS-2", name=short("contact-name"))
    interaction = session.get(Interaction, invitation.interaction_id)
    assert interaction is not None
    interaction.agent_external_id = setup.agents[0].email
    return answer(session, clock, invitation, score=10, comment=long("kudos"))


def _playbook(session: Session, admin: User, case: Case, clock: FixedClock) -> int:
    cause_id = case.root_causes[0].id
    playbook = playbooks.save_playbook(
        session,
        None,
        PlaybookInput(
            name=short("playbook"),
            trigger=PlaybookTrigger.ROOT_CAUSE,
            root_cause_id=cause_id,
            score_band=None,
            items=(short("playbook-item"), short("playbook-item")),
        ),
        actor=admin,
        clock=clock,
    )
    return playbook.id


def staff_pages(scene: Scene) -> dict[str, tuple[str, ...]]:
    """Every staff page that shows a stored field, and the fields it must show."""
    case, survey, team = scene.case.id, scene.survey.id, scene.setup.team.id
    return {
        f"/cases/{case}": (
            "case-message", "case-note", "comment", "contact-attribute", "contact-name",
            "goodwill", "playbook", "playbook-item", "question-improve", "question-score",
            "root-cause", "survey-name", "team-name", "touchpoint-name", "user-name",
        ),
        "/cases/?view=all": ("contact-name", "root-cause", "team-name", "touchpoint-name"),
        "/cases/?view=team": ("root-cause", "touchpoint-name", "user-name"),
        "/cases/kudos": ("kudos", "user-name"),
        "/cases/playbooks": ("playbook", "root-cause"),
        f"/cases/playbooks/{scene.playbook_id}": ("playbook", "playbook-item", "root-cause"),
        "/cases/root-causes": ("root-cause", "root-cause-description"),
        "/cases/settings": ("survey-name", "team-name", "touchpoint-name"),
        f"/cases/settings/teams/{team}": ("team-name",),
        f"/cases/settings/teams/{team}/recovery": ("team-name",),
        "/cases/notifications": ("user-name",),
        "/contacts/": ("contact-name",),
        f"/contacts/{scene.contact.id}": ("contact-attribute", "contact-name", "survey-name"),
        "/contacts/consent": ("consent-text",),
        "/responses/": ("comment", "kudos", "survey-name"),
        f"/responses/{scene.response.id}": (
            "comment", "question-improve", "question-score", "scale-low", "scale-high",
        ),
        f"/responses/{scene.praise.id}": ("kudos", "question-liked"),
        f"/reports/?{PERIOD}": ("improvement", "root-cause", "team-name", "touchpoint-name"),
        f"/reports/review?{PERIOD}": ("comment", "kudos", "team-name", "touchpoint-name"),
        f"/reports/improvements?{PERIOD}": ("improvement", "improvement-description"),
        f"/reports/responses?{PERIOD}": ("comment", "kudos", "survey-name"),
        f"/reports/journey?{PERIOD}": ("touchpoint-name",),
        "/reports/subscriptions": ("team-name",),
        "/surveys/": ("survey-name",),
        f"/surveys/{survey}": ("question-channel", "question-score", "survey-name"),
        f"/surveys/{survey}/preview/en": (
            "intro", "option", "question-channel", "question-score", "scale-low", "scale-high",
        ),
        f"/surveys/{survey}/settings": ("intro", "survey-name", "thank-you"),
        f"/surveys/{survey}/questions/score": ("question-score", "scale-low", "scale-high"),
        f"/surveys/{survey}/questions/channel": ("option", "question-channel"),
        "/touchpoints/": ("team-name", "touchpoint-name"),
        f"/touchpoints/{scene.setup.touchpoint.id}": ("survey-name", "touchpoint-name"),
        "/sites/": ("site-name",),
        f"/sites/{scene.site_id}": ("site-name",),
        f"/sites/{scene.site_id}/edit": ("site-name",),
        "/admin/teams": ("team-name",),
        "/admin/users": ("team-name", "user-name"),
        f"/admin/users/{scene.setup.manager.id}": ("team-name", "user-name"),
        "/admin/audit": ("root-cause",),
        "/": ("user-name",),
    }  # fmt: skip
