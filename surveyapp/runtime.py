"""The per-application runtime: settings, database handles and the clock services use."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import Config
from surveyapp.domain.clock import Clock

EXTENSION_KEY = "surveyapp"


@dataclass
class Runtime:
    """What one app instance works with; tests swap the session factory and the clock."""

    config: Config
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock


def get_runtime(app: Flask | None = None) -> Runtime:
    """The runtime of ``app`` (default: the current app)."""
    runtime: Runtime = (app or current_app).extensions[EXTENSION_KEY]
    return runtime
