"""The widget's calls: is there a survey for this event, show it, the visitor closed it.

``eligibility`` only reads; ``show`` stores what is shown, ``dismiss`` notes a close.
"""

from __future__ import annotations

from dataclasses import asdict
from http import HTTPStatus
from typing import TypeVar

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest, UnprocessableEntity, UnsupportedMediaType

from surveyapp.domain.embed import text_colour_on
from surveyapp.extensions import limiter
from surveyapp.services.embed import displays, eligibility
from surveyapp.services.embed.displays import Shown
from surveyapp.services.embed.eligibility import TrackData
from surveyapp.services.embed.facts import SiteView
from surveyapp.services.embed.visitors import Visitor
from surveyapp.web.embed import access, bp, site_cache
from surveyapp.web.embed.access import app_secret as _app_secret
from surveyapp.web.embed.schemas import (
    CheckOut,
    DismissRequest,
    EligibilityResponse,
    ShowRequest,
    ShowResponse,
    TrackRequest,
    WidgetLabels,
)
from surveyapp.web.uow import clock, read_connection, unit_of_work

M = TypeVar("M", bound=BaseModel)

limited_per_ip = limiter.shared_limit(access.ip_rate_limit, "embed-ip", methods=["POST"])
limited_per_site = limiter.shared_limit(
    access.site_rate_limit, "embed-site", key_func=access.site_limit_key, methods=["POST"]
)


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return access.add_cors_headers(response)


@bp.route("/sites/<site_key>/eligibility", methods=["POST", "OPTIONS"])
@limited_per_ip
@limited_per_site
def eligibility_check(site_key: str) -> ResponseReturnValue:
    """Whether ``surveyapp.track(event, attributes)`` shows a survey now (reads only)."""
    if request.method == "OPTIONS":
        return _preflight()
    body = _parse(TrackRequest)
    site, rules = site_cache.site_and_rules(site_key, body.event)
    access.remember_site(site)
    site, _ = access.admitted()
    track = TrackData(
        event=body.event,
        attributes=body.attributes,
        visitor=Visitor(body.contact_id, body.signature, body.visitor_id),
        locale=body.locale,
    )
    result = eligibility.check_eligibility(
        read_connection(), site, rules, track, app_secret=_app_secret(), clock=clock()
    )
    answer = EligibilityResponse(
        show=result.offer is not None, offer=result.offer, consent_first=result.consent_required
    )
    if site.explain_decisions:
        answer.reasons = result.reasons
        answer.checks = [CheckOut(**asdict(check)) for check in result.checks]
    return _json(answer)


@bp.route("/sites/<site_key>/show", methods=["POST", "OPTIONS"])
@limited_per_ip
@limited_per_site
def show(site_key: str) -> ResponseReturnValue:
    """Store that the widget shows the offered survey; what to show, or ``show: false``."""
    if request.method == "OPTIONS":
        return _preflight()
    site, origin = access.admitted()
    body = _parse(ShowRequest)
    try:
        shown = _show(site, body.offer, origin)
    except IntegrityError:
        # The same offer shown twice at once: the other request stored it; read that one.
        shown = _show(site, body.offer, origin)
    if shown is None:
        return _json(ShowResponse(show=False))
    return _json(_shown_answer(site, shown, origin))


@bp.route("/sites/<site_key>/dismiss", methods=["POST", "OPTIONS"])
@limited_per_ip
@limited_per_site
def dismiss(site_key: str) -> ResponseReturnValue:
    """The visitor closed the survey without answering; it still counts as shown (204)."""
    if request.method == "OPTIONS":
        return _preflight()
    site, _ = access.admitted()
    body = _parse(DismissRequest)
    with unit_of_work() as db:
        displays.dismiss(db, site, body.token, clock=clock())
    return "", HTTPStatus.NO_CONTENT


def _show(site: SiteView, offer: str, origin: str) -> Shown | None:
    with unit_of_work() as db:
        return displays.show_offer(
            db, site, offer, origin=origin, app_secret=_app_secret(), clock=clock()
        )


def _shown_answer(site: SiteView, shown: Shown, origin: str) -> ShowResponse:
    with force_locale(shown.locale):
        labels = WidgetLabels(
            title=gettext("Your feedback"),
            open=gettext("Give feedback"),
            minimize=gettext("Minimize the survey"),
            close=gettext("Close the survey"),
            frame=gettext("Short survey"),
            opened=gettext("A short survey opened at the bottom of the page."),
        )
    return ShowResponse(
        show=True,
        token=shown.token,
        frame=url_for("embed_frame.frame", token=shown.token, origin=origin),
        lang=shown.locale,
        minimized=site.start_minimized,
        position=site.position.value,
        colour=site.theme_colour,
        text_colour=text_colour_on(site.theme_colour),
        labels=labels,
    )


def _preflight() -> ResponseReturnValue:
    """The browser asks whether the page may POST JSON here; CORS headers say yes or not."""
    return "", HTTPStatus.NO_CONTENT


def _parse(model: type[M]) -> M:
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
    try:
        return model.model_validate_json(request.get_data(cache=False))
    except ValidationError as error:
        issues = error.errors(include_url=False)
        if any(issue["type"] == "json_invalid" for issue in issues):
            raise BadRequest("The body is not valid JSON.") from None
        fields = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'body'}: {issue['msg']}"
            for issue in issues
        )
        raise UnprocessableEntity(f"Some fields are not valid: {fields}") from None


def _json(body: BaseModel) -> Response:
    return Response(body.model_dump_json(exclude_none=True), mimetype="application/json")
