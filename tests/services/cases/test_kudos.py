"""Praise: a promoter's comment about a known agent becomes a kudos mailed to agent and manager."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.roles import Role
from surveyapp.models import Case, Interaction, Kudos
from surveyapp.services.cases import kudos
from surveyapp.services.dispatch.sending import DispatchSettings
from surveyapp.services.mail.transport import SmtpTransport
from tests.factories import CaseSetup, make_case_setup, make_user, plan_invitation
from tests.services.cases.recovery_setup import answer
from tests.smtp_sink import SmtpSink

SETTINGS = DispatchSettings(
    worker_id="worker-1",
    base_url="http://localhost",
    sender="surveys@localhost",
    domain="localhost",
    secret="test-secret-key-that-is-long-enough-for-tests",
)


def _answer_about(
    session: Session,
    clock: FixedClock,
    key: str,
    agent_id: str | None,
    *,
    score: int,
    comment: str | None,
) -> int:
    invitation = plan_invitation(session, clock, key, f"C-{key}")
    interaction = session.get(Interaction, invitation.interaction_id)
    assert interaction is not None
    interaction.agent_external_id = agent_id
    return answer(session, clock, invitation, score=score, comment=comment).id


def _text(message: object) -> str:
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return str(body.get_content())


def test_praise_for_a_known_agent_reaches_the_agent_and_the_manager_once(
    session: Session,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    smtp_sink: SmtpSink,
) -> None:
    setup: CaseSetup = make_case_setup(session, clock)
    agent = setup.agents[0]
    agent.locale = "de"
    response_id = _answer_about(
        session, clock, "K-1", agent.email.upper(), score=10, comment="Anna solved it in minutes!"
    )
    session.commit()

    (entry,) = session.scalars(select(Kudos)).all()
    assert (entry.response_id, entry.agent_id, entry.score) == (response_id, agent.id, 10)
    assert session.scalars(select(Case)).all() == []  # praise opens no case
    assert [k.comment for k in kudos.list_kudos(session, viewer=agent)] == [
        "Anna solved it in minutes!"
    ]
    assert len(kudos.list_kudos(session, viewer=setup.manager)) == 1
    assert kudos.list_kudos(session, viewer=setup.agents[1]) == []

    transport = SmtpTransport(smtp_sink.url, timeout=5)
    try:
        assert (
            kudos.send_kudos_mail(session_factory, transport, settings=SETTINGS, clock=clock) == 2
        )
        assert (
            kudos.send_kudos_mail(session_factory, transport, settings=SETTINGS, clock=clock) == 0
        )
    finally:
        transport.close()
    by_recipient = {r.recipients[0]: r.message for r in smtp_sink.received}
    assert set(by_recipient) == {agent.email, setup.manager.email}
    assert "Anna solved it in minutes!" in _text(by_recipient[agent.email])
    assert by_recipient[agent.email]["Content-Language"] == "de"
    assert agent.name in str(by_recipient[setup.manager.email]["Subject"])


def test_no_kudos_without_a_promoter_score_a_comment_or_a_known_agent(
    session: Session, clock: FixedClock
) -> None:
    setup = make_case_setup(session, clock)
    agent = setup.agents[0]
    outsider = make_user(session, role=Role.VIEWER)
    _answer_about(session, clock, "K-2", agent.email, score=8, comment="Fine.")
    _answer_about(session, clock, "K-3", agent.email, score=9, comment=None)
    _answer_about(session, clock, "K-4", "someone@elsewhere.example", score=10, comment="Great")
    _answer_about(session, clock, "K-5", outsider.email, score=10, comment="Great")
    _answer_about(session, clock, "K-6", None, score=10, comment="Great")

    assert session.scalars(select(Kudos)).all() == []
