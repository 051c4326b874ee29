"""Reference "ceiling" app: bare Flask + SQLAlchemy 2, the upper bound for the product."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import DateTime, Engine, Text, create_engine, event, exc, make_url, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

DATABASE_URL_ENV = "CEILING_DATABASE_URL"
DEFAULT_SQLITE_PATH = Path(tempfile.gettempdir()) / "surveyapp-bench" / "ceiling.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 5000


class Base(DeclarativeBase):
    """Declarative base of the ceiling app's single model."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Item(Base):
    """One row inserted per ``POST /items``."""

    __tablename__ = "ceiling_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


def database_url() -> str:
    """Return the database URL from the environment, or the default SQLite file."""
    configured = os.environ.get(DATABASE_URL_ENV)
    if configured:
        return configured
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _configure_sqlite(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite connections get WAL and a busy timeout."""
    engine = create_engine(url)
    if make_url(url).get_backend_name() == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def create_schema(engine: Engine, attempts: int = 5) -> None:
    """Create the table; retried because every gunicorn worker imports this module at once."""
    for attempt in range(1, attempts + 1):
        try:
            Base.metadata.create_all(engine)
            return
        except exc.DBAPIError:
            if attempt == attempts:
                raise
            time.sleep(0.1 * attempt)


def create_app(db_engine: Engine, session_factory: sessionmaker[Session]) -> Flask:
    """Build the Flask app with ``GET /healthz`` and ``POST /items``."""
    flask_app = Flask(__name__)

    @flask_app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        with db_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return jsonify(status="ok"), 200

    @flask_app.post("/items")
    def create_item() -> ResponseReturnValue:
        data = request.get_json(silent=True)
        payload = str(data.get("payload", "")) if isinstance(data, dict) else ""
        with session_factory() as session:
            item = Item(payload=payload)
            session.add(item)
            session.commit()
        return jsonify(id=item.id, created_at=item.created_at.isoformat()), 201

    return flask_app


engine = make_engine(database_url())
create_schema(engine)
SessionLocal = sessionmaker(engine, expire_on_commit=False)
app = create_app(engine, SessionLocal)
