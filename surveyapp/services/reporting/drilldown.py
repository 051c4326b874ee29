"""From a report figure to the responses behind it: the response list's filters for it."""

from __future__ import annotations

from surveyapp.services.reporting.filters import ReportFilters
from surveyapp.services.responses import ResponseFilters


def drilldown_filters(
    filters: ReportFilters, *, rating_type: str | None = None, score: int | None = None
) -> ResponseFilters:
    """Response-list filters selecting exactly the counted responses behind a figure.

    ``rating_type`` (``nps``, ``csat``, ``ces``) keeps the ratings of that type, ``score``
    one point of the scale; without them every counted response of the report is listed.
    """
    attribute = (
        (filters.attribute, filters.attribute_value or "")
        if filters.attribute is not None
        else None
    )
    return ResponseFilters(
        survey_id=filters.survey_id,
        channel=filters.channel,
        date_from=filters.date_from,
        date_to=filters.date_to,
        locale=filters.locale,
        touchpoint_id=filters.touchpoint_id,
        team_id=filters.team_id,
        rating_type=rating_type or "counted",
        score=score,
        contact_attribute=attribute,
    )
