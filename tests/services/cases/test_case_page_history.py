"""The case page's customer history shows only what the viewer may open."""

from __future__ import annotations

from sqlalchemy.orm import Session

from surveyapp.domain.roles import Role
from surveyapp.models import SurveyVersion
from surveyapp.services.cases import detail
from tests.factories import make_case, make_response, make_user
from tests.security.route_samples import seed


def test_history_of_a_shared_customer_hides_the_other_teams_cases_and_answers(
    session: Session,
) -> None:
    seeded = seed(session)
    version = session.get(SurveyVersion, seeded.response_b.survey_version_id)
    assert version is not None
    case_a = make_case(session, make_response(session, version, score=3), team=seeded.team_a)
    case_a.contact_id = seeded.contact_b.id
    manager_a = make_user(session, role=Role.MANAGER, teams=[seeded.team_a])
    admin = make_user(session, role=Role.ADMIN)
    session.flush()

    seen_by_manager = detail.case_page(session, case_a.id, viewer=manager_a)
    seen_by_admin = detail.case_page(session, case_a.id, viewer=admin)

    assert [case.id for case in seen_by_admin.other_cases] == [seeded.case_b.id]
    assert [r.id for r in seen_by_admin.earlier_responses] == [seeded.response_b.id]
    assert seen_by_manager.other_cases == []
    assert seen_by_manager.earlier_responses == []
