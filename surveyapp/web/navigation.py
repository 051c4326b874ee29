"""The staff navigation, filtered by what the signed-in role may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g
from flask_babel import get_locale
from flask_login import current_user

from surveyapp.domain.roles import can_open
from surveyapp.services.cases import inbox
from surveyapp.services.dispatch import queue
from surveyapp.web.i18n import LOCALE_NAMES
from surveyapp.web.labels import (
    AUDIT_LABELS,
    ROLE_LABELS,
    SECTION_SUMMARIES,
    SECTION_TITLES,
)
from surveyapp.web.uow import request_session


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation."""

    section: str
    endpoint: str
    label: Any
    # Blueprints besides the endpoint's own whose pages belong to this entry.
    also_active: tuple[str, ...] = ()

    def is_active(self, blueprint: str | None) -> bool:
        """Whether a page of ``blueprint`` belongs to this entry."""
        return blueprint == self.endpoint.split(".")[0] or blueprint in self.also_active


NAV_ITEMS = (
    *(
        NavItem(section, f"{section}.index", SECTION_TITLES[section])
        for section in ("surveys", "touchpoints", "contacts", "responses", "cases", "reports")
    ),
    NavItem("dispatch", "dispatch.index", SECTION_TITLES["dispatch"], also_active=("outbox",)),
    NavItem("sites", "sites.index", SECTION_TITLES["sites"]),
    NavItem("admin", "admin.users_list", SECTION_TITLES["admin"]),
)


def init_navigation(app: Flask) -> None:
    """Offer the navigation, the current locale and shared labels to every template."""

    @app.context_processor
    def _navigation() -> dict[str, Any]:
        items: list[NavItem] = []
        if current_user.is_authenticated:
            items = [item for item in NAV_ITEMS if can_open(current_user.role, item.section)]
        return {
            "nav_items": items,
            "locale_names": LOCALE_NAMES,
            "current_locale": str(get_locale() or "en"),
            "section_titles": SECTION_TITLES,
            "section_summaries": SECTION_SUMMARIES,
            "role_labels": ROLE_LABELS,
            "audit_labels": AUDIT_LABELS,
            "dead_letter_count": _dead_letter_count,
            "my_open_case_count": _my_open_case_count,
        }


def _my_open_case_count() -> int:
    """Open cases the signed-in user owns: the badge of the Cases entry, counted when shown."""
    known = g.get("my_open_case_count")  # the inbox counted them already
    if known is not None:
        return int(known)
    return inbox.count_mine(request_session(), current_user.id)


def _dead_letter_count() -> int:
    """Failed or uncertain sends: the badge of the Sending entry, counted only when shown."""
    invitations, reminders = queue.count_dead_letters(request_session())
    return invitations + reminders
