"""Typed SQLAlchemy models; importing this package makes ``Base.metadata`` complete."""

from surveyapp.models.audit import AuditEvent
from surveyapp.models.base import Base
from surveyapp.models.jobs import WorkerHeartbeat
from surveyapp.models.users import Team, User

__all__ = ["AuditEvent", "Base", "Team", "User", "WorkerHeartbeat"]
