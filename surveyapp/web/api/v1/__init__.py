"""Version 1 of the integrator API: API-key authenticated JSON under ``/api/v1``."""

from flask import Blueprint, Response

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")


@bp.after_request
def _no_store(response: Response) -> Response:
    # Answers carry personal data; no browser or proxy cache may keep them.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# The modules register their routes (and the OpenAPI operations) on bp.
from surveyapp.web.api.v1 import (  # noqa: E402, F401
    contacts,
    deliveries,
    docs,
    errors,
    interactions,
    responses,
    touchpoints,
)
