"""Configuration from SURVEYAPP_* variables, with safe defaults and clear refusals."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from config import Config, ConfigError
from surveyapp.app import create_app


def test_embedded_defaults_use_a_sqlite_file_and_a_generated_secret(tmp_path: Path) -> None:
    config = Config.from_env({"SURVEYAPP_INSTANCE_PATH": str(tmp_path)}).resolved()
    assert config.database_url == f"sqlite:///{tmp_path / 'surveyapp.db'}"
    assert config.secret_key
    assert len(config.secret_key) >= 32
    # The generated secret survives restarts, or every restart would sign everyone out.
    again = Config.from_env({"SURVEYAPP_INSTANCE_PATH": str(tmp_path)}).resolved()
    assert again.secret_key == config.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert config.scheduler == "inprocess"
    assert (config.host, config.port) == ("127.0.0.1", 5000)


def test_variables_are_parsed(tmp_path: Path) -> None:
    config = Config.from_env(
        {
            "SURVEYAPP_INSTANCE_PATH": str(tmp_path),
            "SURVEYAPP_DATABASE_URL": "postgresql://app@db.internal/surveys",
            "SURVEYAPP_BASE_URL": "https://feedback.example.com/",
            "SURVEYAPP_SMTP_URL": "smtp://mail.example.com:587",
            "SURVEYAPP_DEFAULT_LOCALE": "de",
            "SURVEYAPP_DEFAULT_TIMEZONE": "Europe/Berlin",
            "SURVEYAPP_SCHEDULER": "off",
            "SURVEYAPP_LOG_LEVEL": "warning",
            "SURVEYAPP_PORT": "8080",
            "SURVEYAPP_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
            "SURVEYAPP_RATELIMIT_ENABLED": "off",
        }
    )
    assert config.ratelimit_enabled is False
    assert config.database_url == "postgresql+psycopg://app@db.internal/surveys"
    assert config.base_url == "https://feedback.example.com"
    assert config.default_locale == "de"
    assert config.default_timezone == "Europe/Berlin"
    assert config.scheduler == "off"
    assert config.log_level == "WARNING"
    assert config.port == 8080
    assert config.secure_cookies


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SURVEYAPP_PORT", "eighty", "SURVEYAPP_PORT must be a whole number"),
        ("SURVEYAPP_PORT", "70000", "between 1 and 65535"),
        ("SURVEYAPP_SCHEDULER", "cron", "SURVEYAPP_SCHEDULER must be one of inprocess, off"),
        ("SURVEYAPP_DEFAULT_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("SURVEYAPP_DEFAULT_LOCALE", "fr", "one of en, de"),
        ("SURVEYAPP_DATABASE_URL", "mysql://x/y", "sqlite:/// or postgresql://"),
        ("SURVEYAPP_BASE_URL", "feedback.example.com", "must be a URL"),
        ("SURVEYAPP_SMTP_URL", "http://mail", "smtp or smtp\\+starttls or smtps"),
        ("SURVEYAPP_RATELIMIT_ENABLED", "maybe", "true or false"),
    ],
)
def test_malformed_values_are_refused_naming_the_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env({name: value})


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    env = {
        "SURVEYAPP_ENV": "production",
        "SURVEYAPP_INSTANCE_PATH": str(tmp_path),
        "SURVEYAPP_BASE_URL": "https://feedback.example.com",
    }
    with pytest.raises(ConfigError, match="needs SURVEYAPP_SECRET_KEY"):
        create_app(Config.from_env(env))
    with pytest.raises(ConfigError, match="needs SURVEYAPP_SECRET_KEY"):
        create_app(Config.from_env({**env, "SURVEYAPP_SECRET_KEY": "dev"}))
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_without_a_base_url(tmp_path: Path) -> None:
    env = {
        "SURVEYAPP_ENV": "production",
        "SURVEYAPP_INSTANCE_PATH": str(tmp_path),
        "SURVEYAPP_SECRET_KEY": "x" * 48,
    }
    with pytest.raises(ConfigError, match="needs SURVEYAPP_BASE_URL"):
        create_app(Config.from_env(env))


def test_production_with_secret_and_base_url_starts_with_secure_cookies(tmp_path: Path) -> None:
    app = create_app(
        Config.from_env(
            {
                "SURVEYAPP_ENV": "production",
                "SURVEYAPP_INSTANCE_PATH": str(tmp_path),
                "SURVEYAPP_SECRET_KEY": "x" * 48,
                "SURVEYAPP_BASE_URL": "https://feedback.example.com",
            }
        )
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unknown_variables_are_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = Config.from_env(
        {"SURVEYAPP_INSTANCE_PATH": str(tmp_path), "SURVEYAPP_DATABSE_URL": "sqlite://"}
    )
    with caplog.at_level(logging.WARNING):
        config.validate()
    assert "SURVEYAPP_DATABSE_URL" in caplog.text
