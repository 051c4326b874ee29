"""CX owners build, translate, preview and publish surveys; viewers only look."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from surveyapp.domain.roles import Role
from surveyapp.domain.survey_definition import from_document
from surveyapp.domain.tokens import hash_token
from surveyapp.models import Invitation, Survey, SurveyStatus, SurveyVersion
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_published_survey

GERMAN_NPS_PROMPT = "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen"


def _text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def _words(response: TestResponse) -> str:
    """The page as a reader sees it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", _text(response)).split())


def _post(client: FlaskClient, path: str, **fields: Any) -> TestResponse:
    """Submit a form or button; the session's CSRF token is read from the start page."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/"), **fields})


def _draft(session: Session, survey_id: int) -> Any:
    session.expire_all()
    survey = session.get(Survey, survey_id)
    assert survey is not None
    return from_document(survey.draft)


def _versions(session: Session, survey_id: int) -> list[SurveyVersion]:
    session.expire_all()
    query = select(SurveyVersion).where(SurveyVersion.survey_id == survey_id)
    return list(session.scalars(query.order_by(SurveyVersion.number)))


def _nps_fields(**overrides: str) -> dict[str, str]:
    """The NPS template's rating question as its form submits it."""
    fields = {
        "required": "y",
        "prompt_en": "How likely are you to recommend us to a friend or colleague?",
        "low_en": "0 = Not at all likely",
        "high_en": "10 = Extremely likely",
        "prompt_de": f"{GERMAN_NPS_PROMPT} weiterempfehlen?",
        "low_de": "0 = Äußerst unwahrscheinlich",
        "high_de": "10 = Äußerst wahrscheinlich",
    }
    return {**fields, **overrides}


def _create_survey(client: FlaskClient, template: str, name: str = "After support") -> int:
    response = _post(client, "/surveys/new", name=name, kind="transactional", template=template)
    assert response.status_code == 303, _text(response)
    match = re.fullmatch(r"/surveys/(\d+)", response.headers["Location"])
    assert match
    return int(match.group(1))


def test_cx_owner_creates_an_nps_survey_from_the_template_and_publishes_it(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    owner = auth.login_as(Role.CX_OWNER)
    survey_id = _create_survey(client, "nps", name="Support follow-up")

    builder = _text(client.get(f"/surveys/{survey_id}"))
    assert "How likely are you to recommend us to a friend or colleague?" in builder
    assert "Only for scores 0-6 (NPS 0-10)" in builder
    assert "German: complete" in builder
    assert "The draft is ready to publish." in builder

    published = _post(client, f"/surveys/{survey_id}/publish")
    assert published.status_code == 303
    assert "Version 1 was published." in _text(client.get(published.headers["Location"]))
    [version] = _versions(session, survey_id)
    assert version.number == 1
    assert version.published_by_id == owner.id
    assert [q.key for q in from_document(version.definition).questions] == [
        "score",
        "improve",
        "liked",
        "contact",
    ]
    listing = _text(client.get("/surveys/"))
    assert "Support follow-up" in listing
    assert "Version 1 of" in listing
    assert "Unpublished changes" not in listing


def test_german_rewording_changes_the_draft_and_becomes_version_2(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    owner = auth.login_as(Role.CX_OWNER)
    survey, _version = make_published_survey(session, actor=owner)
    session.commit()
    path = f"/surveys/{survey.id}/questions/score"
    assert GERMAN_NPS_PROMPT in _text(client.get(path))

    reworded = "Würden Sie uns weiterempfehlen?"
    response = _post(client, path, **_nps_fields(prompt_de=reworded))
    assert response.status_code == 303, _text(response)

    assert _draft(session, survey.id).question("score").wording["de"].prompt == reworded
    [first] = _versions(session, survey.id)
    assert (
        GERMAN_NPS_PROMPT in from_document(first.definition).question("score").wording["de"].prompt
    )
    assert "Unpublished changes" in _text(client.get("/surveys/"))

    assert _post(client, f"/surveys/{survey.id}/publish").status_code == 303
    versions = _versions(session, survey.id)
    assert [v.number for v in versions] == [1, 2]
    assert from_document(versions[1].definition).question("score").wording["de"].prompt == reworded
    again = _post(client, f"/surveys/{survey.id}/publish")
    assert again.status_code == 303
    assert "Nothing changed since the last published version." in _text(
        client.get(again.headers["Location"])
    )


def test_missing_german_translation_is_listed_and_blocks_publishing(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey_id = _create_survey(client, "blank")
    path = f"/surveys/{survey_id}/questions/new?type=text"
    response = _post(client, path, prompt_en="Anything else?", prompt_de="")
    assert response.status_code == 303, _text(response)

    builder = _words(client.get(f"/surveys/{survey_id}"))
    assert "Question 1 (q1) · German: The question text is missing." in builder
    assert "German: The thank-you text is missing." in builder
    assert "German: incomplete" in builder
    assert "English: complete" in builder
    assert "Publish the survey to create test links." in builder

    refused = _post(client, f"/surveys/{survey_id}/publish")
    page = _text(refused)
    assert refused.status_code == 400
    assert "Fix the problems listed below before publishing." in page
    assert "German: The question text is missing." in page
    assert _versions(session, survey_id) == []
    early_link = _post(client, f"/surveys/{survey_id}/test-link", locale="en")
    assert early_link.status_code == 400
    assert "Publish the survey to create test links." in _text(early_link)


@pytest.mark.parametrize(
    ("question", "fields", "message"),
    [
        ("score", {"prompt_en": ""}, "Enter the question text."),
        ("score", {"prompt_en": "x" * 501}, "Use at most 500 characters."),
        ("score", {"low_de": "x" * 121}, "Use at most 120 characters."),
        ("improve", {"band_min": "6", "band_max": "2"}, "must not be above its last score"),
        ("improve", {"band_min": "0", "band_max": "11"}, "Choose a score from 0 to 10."),
        ("improve", {"band_min": "0", "band_max": ""}, "Enter both ends of the band, or neither."),
        ("improve", {"band_min": "low", "band_max": "6"}, "Not a valid integer value."),
    ],
)
def test_bad_input_on_the_question_form_is_refused_with_a_message(
    question: str,
    fields: dict[str, str],
    message: str,
    client: FlaskClient,
    session: Session,
    auth: AuthActions,
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey, _version = make_published_survey(session)
    session.commit()
    before = _draft(session, survey.id)
    base = _nps_fields() if question == "score" else {"prompt_en": "What went wrong?"}
    response = _post(client, f"/surveys/{survey.id}/questions/{question}", **{**base, **fields})
    assert response.status_code == 400
    page = _text(response)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert _draft(session, survey.id) == before


def test_unequal_option_lines_and_unknown_types_are_refused(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.ADMIN)
    survey, _version = make_published_survey(session)
    session.commit()
    before = _draft(session, survey.id)
    choice = f"/surveys/{survey.id}/questions/new?type=single_choice"
    response = _post(client, choice, prompt_en="Why?", options_en="A\nB\nC", options_de="X\nY")
    assert response.status_code == 400
    assert "Enter as many options as in English (3), one per line." in _text(response)

    unknown = client.get(f"/surveys/{survey.id}/questions/new?type=poll")
    assert unknown.status_code == 400
    assert "Not a valid choice" in _text(unknown)
    posted = _post(client, f"/surveys/{survey.id}/questions/new?type=poll", prompt_en="Hi")
    assert posted.status_code == 400
    missing_token = client.post(choice, data={"prompt_en": "Why?", "options_en": "A\nB"})
    assert missing_token.status_code == 400
    assert "security token" in _text(missing_token)
    assert _draft(session, survey.id) == before


def test_option_keys_stay_stable_when_labels_change(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey, _version = make_published_survey(session)
    session.commit()
    new = f"/surveys/{survey.id}/questions/new?type=multi_choice"
    fields = {"prompt_en": "What did we do well?", "options_en": "Speed\nFriendliness"}
    assert _post(client, new, **fields).status_code == 303
    [key] = [q.key for q in _draft(session, survey.id).questions if q.type == "multi_choice"]
    question = _draft(session, survey.id).question(key)
    assert question.option_keys() == ["o1", "o2"]
    assert question.band is None

    edit = f"/surveys/{survey.id}/questions/{key}"
    assert "Speed\nFriendliness" in _text(client.get(edit))
    fields = {
        "prompt_en": "What did we do well?",
        "options_en": "Quick answers\nFriendliness\nExpertise",
        "options_de": "Schnelle Antworten\nFreundlichkeit\nFachwissen",
        "band_min": "9",
        "band_max": "10",
    }
    assert _post(client, edit, **fields).status_code == 303
    question = _draft(session, survey.id).question(key)
    assert question.option_keys() == ["o1", "o2", "o3"]
    assert question.options[0].labels == {"en": "Quick answers", "de": "Schnelle Antworten"}
    assert question.band is not None
    assert (question.band.minimum, question.band.maximum) == (9, 10)
    assert not question.required


def test_questions_move_up_and_down_and_are_removed(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey, _version = make_published_survey(session)
    session.commit()

    def keys() -> list[str]:
        return [q.key for q in _draft(session, survey.id).questions]

    moved = _post(client, f"/surveys/{survey.id}/questions/liked/move", direction="up")
    assert moved.status_code == 303
    assert keys() == ["score", "liked", "improve", "contact"]
    _post(client, f"/surveys/{survey.id}/questions/score/move", direction="down")
    assert keys() == ["liked", "score", "improve", "contact"]
    bad = _post(client, f"/surveys/{survey.id}/questions/score/move", direction="sideways")
    assert bad.status_code == 400

    removed = _post(client, f"/surveys/{survey.id}/questions/contact/remove")
    assert removed.status_code == 303
    assert keys() == ["liked", "score", "improve"]
    assert _post(client, f"/surveys/{survey.id}/questions/contact/remove").status_code == 404
    [version] = _versions(session, survey.id)
    assert len(from_document(version.definition).questions) == 4


def test_viewer_opens_every_page_but_every_change_is_refused(
    app: Flask, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    survey, _version = make_published_survey(session, name="Onboarding")
    session.commit()
    before = _draft(session, survey.id)
    auth.login_as(Role.VIEWER)
    pages = [
        "/surveys/",
        "/surveys/new",
        f"/surveys/{survey.id}",
        f"/surveys/{survey.id}/settings",
        f"/surveys/{survey.id}/questions/score",
        f"/surveys/{survey.id}/questions/new",
        f"/surveys/{survey.id}/questions/new?type=text",
        f"/surveys/{survey.id}/preview/de",
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page
    builder = _text(client.get(f"/surveys/{survey.id}"))
    assert "Onboarding" in builder
    assert "Publish a new version" not in builder
    assert "Your role may look at surveys but not change them." in builder

    values = {"survey_id": survey.id, "question_key": "score", "locale": "en"}
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("surveys.") and "POST" in rule.methods
    ]
    assert len(posts) >= 10
    for rule in posts:
        url = rule.build({name: values[name] for name in rule.arguments})[1]
        assert _post(client, url, name="x", direction="up").status_code == 403, url
        # What the route walk of test_access can read to know who may post here.
        action_roles = app.view_functions[rule.endpoint].action_roles  # type: ignore[attr-defined]
        assert action_roles == {Role.ADMIN, Role.CX_OWNER}, rule.endpoint
    assert _draft(session, survey.id) == before
    assert session.scalar(select(Survey.status).where(Survey.id == survey.id)) == "active"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CX_OWNER])
def test_editors_are_admitted_to_every_change(
    role: Role, app: Flask, client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    survey, _version = make_published_survey(session)
    session.commit()
    auth.login_as(role)
    values = {"survey_id": survey.id, "question_key": "liked", "locale": "en"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("surveys.") and "POST" in rule.methods:
            url = rule.build({name: values[name] for name in rule.arguments})[1]
            assert _post(client, url).status_code not in {302, 401, 403}, url


def test_archiving_hides_the_survey_and_blocks_edits_until_restored(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey, _version = make_published_survey(session, name="Old checkout survey")
    session.commit()
    assert _post(client, f"/surveys/{survey.id}/archive").status_code == 303
    assert "Old checkout survey" not in _text(client.get("/surveys/"))
    assert "Old checkout survey" in _text(client.get("/surveys/?archived=1"))
    before = _draft(session, survey.id)

    path = f"/surveys/{survey.id}/questions/score"
    refused = _post(client, path, **_nps_fields(prompt_en="Changed?"))
    assert refused.status_code == 303
    page = _text(client.get(refused.headers["Location"]))
    assert "Archived surveys cannot be changed." in page
    assert "Restore this survey" in page
    assert _draft(session, survey.id) == before
    assert _post(client, f"/surveys/{survey.id}/publish").status_code == 303
    assert len(_versions(session, survey.id)) == 1

    assert _post(client, f"/surveys/{survey.id}/restore").status_code == 303
    assert session.scalar(select(Survey.status).where(Survey.id == survey.id)) == (
        SurveyStatus.ACTIVE
    )
    assert "Old checkout survey" in _text(client.get("/surveys/"))


def test_test_link_is_shown_once_and_stored_hashed(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey, version = make_published_survey(session)
    session.commit()
    response = _post(client, f"/surveys/{survey.id}/test-link", locale="de")
    assert response.status_code == 200
    match = re.search(r"http://localhost/s/([A-Za-z0-9_-]+)", _text(response))
    assert match, _text(response)
    token = match.group(1)
    session.expire_all()
    invitation = session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).one()
    assert invitation.survey_version_id == version.id
    assert invitation.locale == "de"
    assert token not in _text(client.get(f"/surveys/{survey.id}"))

    bad = _post(client, f"/surveys/{survey.id}/test-link", locale="xx")
    assert bad.status_code == 400
    assert "Not a valid choice" in _text(bad)


def test_preview_shows_the_draft_in_the_chosen_language(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey, _version = make_published_survey(session)
    session.commit()
    reworded = "Würden Sie uns weiterempfehlen?"
    _post(client, f"/surveys/{survey.id}/questions/score", **_nps_fields(prompt_de=reworded))

    response = client.get(f"/surveys/{survey.id}/preview/de")
    german = _text(response)
    assert response.status_code == 200
    assert '<html lang="de">' in german
    assert reworded in german  # the draft, not the published version
    assert "0 = Äußerst unwahrscheinlich" in german
    assert 'class="banner"' in german
    assert 'name="csrf_token"' not in german  # the preview's form cannot be sent
    assert "How likely are you" not in german
    assert f'href="/surveys/{survey.id}/preview/en"' in german
    assert client.get(f"/surveys/{survey.id}/preview/fr").status_code == 404


def test_settings_add_a_language_whose_texts_appear_and_refuse_bad_input(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey, _version = make_published_survey(session)
    session.commit()
    path = f"/surveys/{survey.id}/settings"
    fields = {
        "name": "After support",
        "kind": "relational",
        "locales": ["en", "de", "fr"],
        "default_locale": "en",
        "edit_window_minutes": "60",
        "thank_you_en": "Thanks!",
        "thank_you_de": "Danke!",
    }
    shown = _post(client, path, refresh_languages="1", **fields)
    assert shown.status_code == 200
    assert 'name="thank_you_fr"' in _text(shown)
    assert _draft(session, survey.id).locales == ("en", "de")

    saved = _post(client, path, **fields)
    assert saved.status_code == 303
    assert saved.headers["Location"] == path
    page = _text(client.get(path))
    assert "Texts in French" in page
    draft = _draft(session, survey.id)
    assert draft.locales == ("en", "de", "fr")
    assert draft.edit_window_minutes == 60
    assert draft.thank_you == {"en": "Thanks!", "de": "Danke!", "fr": ""}
    assert "French: The thank-you text is missing." in _text(client.get(f"/surveys/{survey.id}"))

    cases = [
        ({"name": ""}, "Enter a name."),
        ({"name": "n" * 121}, "Use at most 120 characters."),
        ({"edit_window_minutes": "10081"}, "from 0 to 10080"),
        ({"locales": []}, "Choose at least one language."),
        ({"default_locale": "pl"}, "The default language must be one of the survey"),
        ({"thank_you_en": "t" * 2001}, "Use at most 2000 characters."),
        ({"kind": "weekly"}, "Not a valid choice"),
    ]
    for change, message in cases:
        response = _post(client, path, **{**fields, **change})
        assert response.status_code == 400, change
        assert message in _text(response), change
    assert _draft(session, survey.id) == draft


def test_anonymous_link_is_shown_when_enabled(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    survey, _version = make_published_survey(session, link_enabled=True)
    session.commit()
    page = _text(client.get(f"/surveys/{survey.id}/settings"))
    assert f"http://localhost/l/{survey.link_slug}" in page


def test_new_survey_form_refuses_bad_input(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER)
    cases = [
        ({"name": "", "template": "nps"}, "Enter a name."),
        ({"name": "n" * 121, "template": "nps"}, "Use at most 120 characters."),
        ({"name": "Survey", "template": "quiz"}, "Not a valid choice"),
    ]
    for fields, message in cases:
        response = _post(client, "/surveys/new", kind="transactional", **fields)
        assert response.status_code == 400, fields
        assert message in _text(response), fields
    assert session.scalars(select(Survey)).all() == []


def test_languages_are_named_in_the_staff_users_language(
    client: FlaskClient, session: Session, auth: AuthActions
) -> None:
    auth.login_as(Role.CX_OWNER, locale="de")
    survey, _version = make_published_survey(session)
    session.commit()
    builder = _text(client.get(f"/surveys/{survey.id}"))
    assert "Englisch" in builder
    assert "Deutsch" in builder
    assert "Französisch" in _text(client.get(f"/surveys/{survey.id}/settings"))
