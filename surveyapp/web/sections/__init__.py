"""Staff sections whose capabilities are still to come: each shows what it will hold."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from surveyapp.web.decorators import staff_view

SECTIONS: tuple[str, ...] = ()  # every section has its capability now


def _section_blueprint(section: str) -> Blueprint:
    blueprint = Blueprint(section, __name__, url_prefix=f"/{section}")

    @blueprint.get("/")
    @staff_view(section)
    def index() -> Any:
        return render_template("staff/section_empty.html", section=section)

    return blueprint


blueprints = [_section_blueprint(section) for section in SECTIONS]
