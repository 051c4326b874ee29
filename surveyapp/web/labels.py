"""Translated labels for enum values and sections shown across staff pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from surveyapp.domain.roles import Role

ROLE_LABELS: dict[Role, Any] = {
    Role.ADMIN: _l("Admin"),
    Role.CX_OWNER: _l("CX owner"),
    Role.MANAGER: _l("Manager"),
    Role.AGENT: _l("Agent"),
    Role.VIEWER: _l("Viewer"),
}

SECTION_TITLES: dict[str, Any] = {
    "surveys": _l("Surveys"),
    "touchpoints": _l("Touchpoints"),
    "contacts": _l("Contacts"),
    "responses": _l("Responses"),
    "cases": _l("Cases"),
    "reports": _l("Reports"),
    "dispatch": _l("Mail delivery"),
    "sites": _l("Websites"),
    "admin": _l("Admin"),
}

SECTION_SUMMARIES: dict[str, Any] = {
    "surveys": _l("Design NPS, CSAT and CES surveys in every language you serve."),
    "touchpoints": _l("Decide which interaction triggers which survey, when and how often."),
    "contacts": _l("Your customers, their consent and every survey they received."),
    "responses": _l("Every answer, with its score and the customer's own words."),
    "cases": _l("Follow up with unhappy customers and close the loop within the SLA."),
    "reports": _l("Scores with their margin of error, trends and PDF reports."),
    "dispatch": _l("The sending queue, failed sends to try again, and the built-in outbox."),
    "sites": _l("Websites that show surveys with the embed snippet, and their keys."),
    "admin": _l("Users, roles, teams and the audit trail."),
}

AUDIT_LABELS: dict[str, Any] = {
    "auth.signed_in": _l("Signed in"),
    "auth.signed_out": _l("Signed out"),
    "auth.sign_in_failed": _l("Failed sign-in"),
    "auth.locked_out": _l("Sign-in locked after failed attempts"),
    "user.created": _l("User created"),
    "user.role_changed": _l("Role changed"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset by an admin"),
    "team.created": _l("Team created"),
    "survey.created": _l("Survey created"),
    "survey.updated": _l("Survey settings changed"),
    "survey.question_saved": _l("Survey question saved"),
    "survey.question_removed": _l("Survey question removed"),
    "survey.published": _l("Survey published"),
    "survey.archived": _l("Survey archived"),
    "survey.unarchived": _l("Survey restored"),
    "survey.test_link_created": _l("Test link created"),
    "touchpoint.created": _l("Touchpoint created"),
    "improvement.recorded": _l("Change added to the improvement log"),
    "rule.saved": _l("Trigger rule saved"),
    "stage.added": _l("Journey stage added"),
    "stage.renamed": _l("Journey stage renamed"),
    "stage.moved": _l("Journey stage moved"),
    "contact.created": _l("Contact created"),
    "contact.updated": _l("Contact updated"),
    "contact.imported": _l("Contacts imported"),
    "contact.exported": _l("Contact data exported"),
    "contact.erased": _l("Contact data erased"),
    "consent.recorded": _l("Consent recorded"),
    "consent.recorded_by_staff": _l("Consent recorded by staff"),
    "consent.policy_changed": _l("Consent policy changed"),
    "consent.text_saved": _l("Consent text saved"),
    "interaction.recorded": _l("Interaction recorded"),
    "interaction.batch_recorded": _l("Batch of interactions recorded"),
    "api_key.created": _l("API key created"),
    "api_key.revoked": _l("API key revoked"),
    "retention.settings_changed": _l("Retention periods changed"),
    "retention.applied": _l("Retention run"),
    "dispatch.replayed": _l("Failed or uncertain invitations queued again"),
    "dispatch.reminders_released": _l("Failed or uncertain reminders made due again"),
    "delivery.reported": _l("Bounce or complaint reported"),
    "case_rule.saved": _l("Case rule saved"),
    "team_sla.saved": _l("Team case settings saved"),
    "root_cause.saved": _l("Root cause saved"),
    "web_site.created": _l("Website added"),
    "web_site.updated": _l("Website changed"),
    "web_site.secret_rotated": _l("Website secret replaced"),
    "web_site.secret_revealed": _l("Website secret shown"),
}
