"""Typed SQLAlchemy models; importing this package makes ``Base.metadata`` complete."""

from surveyapp.models.api_keys import ApiKey
from surveyapp.models.audit import AuditEvent
from surveyapp.models.base import Base
from surveyapp.models.case_mail import CaseMail
from surveyapp.models.case_playbooks import Playbook, PlaybookTick
from surveyapp.models.case_recovery import CaseResurvey, Goodwill, TeamRecoverySettings
from surveyapp.models.case_settings import CaseRule, TeamCaseSettings
from surveyapp.models.cases import Case, CaseEvent, RootCause
from surveyapp.models.contacts import (
    ConsentEvent,
    ConsentSetting,
    ConsentText,
    Contact,
    SuppressedAddress,
)
from surveyapp.models.dispatch import InvitationEvent, OutboxMessage, PeriodicRun
from surveyapp.models.jobs import WorkerHeartbeat
from surveyapp.models.report_subscriptions import ReportSubscription
from surveyapp.models.reporting import (
    DailyDeliveryRollup,
    DailyScoreRollup,
    Improvement,
    RollupState,
)
from surveyapp.models.responses import Channel, Invitation, LinkFetch, Response, ResponseStatus
from surveyapp.models.retention import RetentionSetting
from surveyapp.models.staff_notices import Kudos, NotificationSettings
from surveyapp.models.surveys import Survey, SurveyKind, SurveyStatus, SurveyVersion
from surveyapp.models.touchpoints import Interaction, JourneyStage, Touchpoint, TriggerRule
from surveyapp.models.users import Team, User
from surveyapp.models.web_sites import WebDisplay, WebSite

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "Case",
    "CaseEvent",
    "CaseMail",
    "CaseResurvey",
    "CaseRule",
    "Channel",
    "ConsentEvent",
    "ConsentSetting",
    "ConsentText",
    "Contact",
    "DailyDeliveryRollup",
    "DailyScoreRollup",
    "Goodwill",
    "Improvement",
    "Interaction",
    "Invitation",
    "InvitationEvent",
    "JourneyStage",
    "Kudos",
    "LinkFetch",
    "NotificationSettings",
    "OutboxMessage",
    "PeriodicRun",
    "Playbook",
    "PlaybookTick",
    "ReportSubscription",
    "Response",
    "ResponseStatus",
    "RetentionSetting",
    "RollupState",
    "RootCause",
    "SuppressedAddress",
    "Survey",
    "SurveyKind",
    "SurveyStatus",
    "SurveyVersion",
    "Team",
    "TeamCaseSettings",
    "TeamRecoverySettings",
    "Touchpoint",
    "TriggerRule",
    "User",
    "WebDisplay",
    "WebSite",
    "WorkerHeartbeat",
]
