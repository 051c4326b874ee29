"""Request and response bodies of the widget's endpoints (pydantic)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

AttributeValue = Annotated[str, StringConstraints(max_length=500)] | int | float | bool | None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrackRequest(_Body):
    """``surveyapp.track(event, attributes)`` with what embed.js knows of the visitor."""

    event: str = Field(min_length=1, max_length=120)
    attributes: dict[Annotated[str, StringConstraints(max_length=64)], AttributeValue] = Field(
        default_factory=dict, max_length=50
    )
    # identify(contact_id, signature): the company's id, signed with the site secret.
    contact_id: str | None = Field(default=None, min_length=1, max_length=120)
    signature: str | None = Field(default=None, max_length=128)
    # The anonymous visitor's random id from localStorage (used when not identified).
    visitor_id: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=35)


class CheckOut(BaseModel):
    """One check of the decision, for the browser console when the site explains decisions."""

    name: str
    passed: bool
    reason: str
    detail: str


class EligibilityResponse(BaseModel):
    """Whether to show a survey; the offer is handed back to ``show``."""

    show: bool
    offer: str | None = None
    consent_first: bool = False
    reasons: list[str] | None = None
    checks: list[CheckOut] | None = None


class ShowRequest(_Body):
    """The offer of an eligibility answer, when the widget is about to show the survey."""

    offer: str = Field(min_length=1, max_length=16000)


class WidgetLabels(BaseModel):
    """The widget's own words, in the visitor's language."""

    title: str
    open: str
    minimize: str
    close: str
    frame: str
    opened: str


class ShowResponse(BaseModel):
    """What to show: the frame's address (relative), how it looks, and its words."""

    show: bool
    token: str | None = None
    frame: str | None = None
    lang: str | None = None
    minimized: bool = False
    position: str | None = None
    colour: str | None = None
    text_colour: str | None = None
    labels: WidgetLabels | None = None


class DismissRequest(_Body):
    """The token of the shown survey the visitor closed."""

    token: str = Field(min_length=1, max_length=100)
