"""Configuration: typed settings read from ``SURVEYAPP_*`` environment variables."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent
PREFIX = "SURVEYAPP_"
SUPPORTED_LOCALES = ("en", "de")
SCHEDULER_MODES = ("inprocess", "off")
ENVIRONMENTS = ("development", "production", "testing")
MIN_SECRET_LENGTH = 32
SECRET_FILE_NAME = "secret_key"  # noqa: S105 -- a file name, not a secret

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable and the fix."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{PREFIX}{name} must be true or false, not {raw!r}.")


def _int(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a whole number, not {raw!r}.") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{PREFIX}{name} must be between {minimum} and {maximum}, not {value}.")
    return value


def _choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigError(f"{PREFIX}{name} must be one of {', '.join(choices)}, not {raw!r}.")
    return value


def _url(name: str, raw: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ConfigError(
            f"{PREFIX}{name} must be a URL starting with {' or '.join(schemes)}, not {raw!r}."
        )
    return raw.strip().rstrip("/") if name == "BASE_URL" else raw.strip()


def _ratelimit_storage_url(name: str, raw: str) -> str:
    if raw.strip() == "memory://":
        return "memory://"
    return _url(name, raw, ("redis", "rediss"))


def _timezone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{PREFIX}{name} must be an IANA time zone, not {raw!r}.") from None
    return raw.strip()


def _database_url(name: str, raw: str) -> str:
    scheme = urlsplit(raw.strip()).scheme
    if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
        raise ConfigError(f"{PREFIX}{name} must be a sqlite:/// or postgresql:// URL.")
    if scheme in {"postgresql", "postgres"}:
        # Plain postgresql:// would pick psycopg2, which we do not ship; psycopg 3 it is.
        return "postgresql+psycopg" + raw.strip()[len(scheme) :]
    return raw.strip()


@dataclass(frozen=True)
class Config:
    """Every setting of one surveyapp installation; ``from_env`` is the only reader."""

    env: str = "development"
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str | None = None
    secret_key: str | None = None
    base_url: str | None = None
    # Without it the built-in outbox keeps every message for staff to read (embedded mode).
    smtp_url: str | None = None
    # The From address of invitations; default: surveys@ the host of the base URL.
    mail_from: str | None = None
    dispatch_interval_seconds: int = 5
    dispatch_batch_size: int = 100
    # A claim is held this long; a send still unfinished then is marked uncertain.
    dispatch_lease_seconds: int = 300
    dispatch_max_attempts: int = 6
    default_locale: str = "en"
    default_timezone: str = "UTC"
    scheduler: str = "inprocess"
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 5000
    ratelimit_storage_url: str = "memory://"
    # Flood guard per client address and process on POST /login (refused tries count too).
    login_rate_limit: str = "30 per minute"
    # Sign-in back-off kept in the database (shared by every process): lock an account after
    # this many failures, an address after that many; each further failure doubles the lock.
    sign_in_account_failures: int = 5
    sign_in_ip_failures: int = 20
    sign_in_window_seconds: int = 900
    sign_in_lock_seconds: int = 60
    sign_in_lock_max_seconds: int = 3600
    # How long "Keep me signed in" lasts (the cookie is only set when the box is ticked).
    remember_me_days: int = 14
    # Requests per API key to /api/v1, counted across all its endpoints.
    api_rate_limit: str = "600 per minute"
    # The website widget's requests: per site key (all its visitors) and per visitor address.
    embed_site_rate_limit: str = "6000 per minute"
    embed_ip_rate_limit: str = "120 per minute"
    # How long a process keeps a site and its rules for the widget's calls (0: not at all).
    embed_cache_seconds: int = 5
    # Off only for benchmarks or behind a proxy that limits by itself.
    ratelimit_enabled: bool = True
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    # Behind one, leaving it at 0 makes every visitor share the proxy's address for the
    # sign-in lockout and the rate limits.
    proxy_hops: int = 0
    max_content_length: int = 2 * 1024 * 1024
    testing: bool = False
    unknown_keys: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read the ``SURVEYAPP_*`` variables of ``environ`` (default ``os.environ``)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        unknown: list[str] = []
        readers = _readers()
        for key, raw in env.items():
            if not key.startswith(PREFIX):
                continue
            name = key[len(PREFIX) :]
            if name not in readers:
                unknown.append(key)
                continue
            attribute, parse = readers[name]
            values[attribute] = parse(name, raw)
        return cls(**values, unknown_keys=tuple(sorted(unknown)))

    def resolved(self) -> Config:
        """Fill the embedded-mode defaults that depend on the instance folder.

        Creates the instance folder and, outside production, a generated secret key kept in it.
        """
        self.instance_path.mkdir(parents=True, exist_ok=True)
        updates: dict[str, Any] = {}
        if self.database_url is None:
            updates["database_url"] = f"sqlite:///{self.instance_path / 'surveyapp.db'}"
        if self.secret_key is None and self.env != "production":
            updates["secret_key"] = _instance_secret(self.instance_path)
        return replace(self, **updates) if updates else self

    def validate(self) -> None:
        """Refuse settings that are unsafe for the chosen environment."""
        for key in self.unknown_keys:
            log.warning("Unknown setting %s is ignored.", key)
        if self.env != "production":
            return
        if not self.secret_key or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                "SURVEYAPP_ENV=production needs SURVEYAPP_SECRET_KEY set to a random value of at "
                f"least {MIN_SECRET_LENGTH} characters (the development key is never used in "
                'production). Generate one with: python -c "import secrets; '
                'print(secrets.token_urlsafe(48))"'
            )
        if not self.base_url:
            raise ConfigError(
                "SURVEYAPP_ENV=production needs SURVEYAPP_BASE_URL, the public address of this "
                "installation (for example https://feedback.example.com); links in emails use it."
            )

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def sender_address(self) -> str:
        """The From address of mail to contacts."""
        if self.mail_from:
            return self.mail_from
        return f"surveys@{self.mail_domain}"

    @property
    def mail_domain(self) -> str:
        """The domain of Message-IDs and the default sender: the public host."""
        host = urlsplit(self.base_url or "").hostname
        return host or "localhost"

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure whenever the public address is https (always in production)."""
        return self.is_production or bool(self.base_url and self.base_url.startswith("https://"))


@dataclass(frozen=True)
class TestConfig(Config):
    """Settings for the test suite: no scheduler, a fixed secret, a local base URL."""

    __test__ = False  # not a pytest test class, despite the name

    env: str = "testing"
    testing: bool = True
    scheduler: str = "off"
    secret_key: str | None = "test-secret-key-that-is-long-enough-for-tests"  # noqa: S105
    base_url: str | None = "http://localhost"


def _instance_secret(instance_path: Path) -> str:
    path = instance_path / SECRET_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    secret = secrets.token_urlsafe(48)
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)
    return secret


def _readers() -> dict[str, tuple[str, Callable[[str, str], Any]]]:
    def text(_name: str, raw: str) -> str:
        return raw.strip()

    return {
        "ENV": ("env", lambda n, r: _choice(n, r, ENVIRONMENTS)),
        "INSTANCE_PATH": ("instance_path", lambda _n, r: Path(r).expanduser().resolve()),
        "DATABASE_URL": ("database_url", _database_url),
        "SECRET_KEY": ("secret_key", text),
        "BASE_URL": ("base_url", lambda n, r: _url(n, r, ("http", "https"))),
        "SMTP_URL": ("smtp_url", lambda n, r: _url(n, r, ("smtp", "smtp+starttls", "smtps"))),
        "MAIL_FROM": ("mail_from", text),
        "DISPATCH_INTERVAL": (
            "dispatch_interval_seconds",
            lambda n, r: _int(n, r, minimum=1, maximum=3600),
        ),
        "DISPATCH_BATCH": ("dispatch_batch_size", lambda n, r: _int(n, r, minimum=1, maximum=5000)),
        "DISPATCH_LEASE": (
            "dispatch_lease_seconds",
            lambda n, r: _int(n, r, minimum=10, maximum=86400),
        ),
        "DISPATCH_MAX_ATTEMPTS": (
            "dispatch_max_attempts",
            lambda n, r: _int(n, r, minimum=1, maximum=50),
        ),
        "DEFAULT_LOCALE": ("default_locale", lambda n, r: _choice(n, r, SUPPORTED_LOCALES)),
        "DEFAULT_TIMEZONE": ("default_timezone", _timezone),
        "SCHEDULER": ("scheduler", lambda n, r: _choice(n, r, SCHEDULER_MODES)),
        "LOG_LEVEL": (
            "log_level",
            lambda n, r: _choice(n, r, ("debug", "info", "warning", "error")).upper(),
        ),
        "HOST": ("host", text),
        "PORT": ("port", lambda n, r: _int(n, r, minimum=1, maximum=65535)),
        "RATELIMIT_STORAGE_URL": (
            "ratelimit_storage_url",
            _ratelimit_storage_url,
        ),
        "LOGIN_RATE_LIMIT": ("login_rate_limit", text),
        "SIGN_IN_ACCOUNT_FAILURES": (
            "sign_in_account_failures",
            lambda n, r: _int(n, r, minimum=1, maximum=1000),
        ),
        "SIGN_IN_IP_FAILURES": (
            "sign_in_ip_failures",
            lambda n, r: _int(n, r, minimum=1, maximum=100000),
        ),
        "SIGN_IN_WINDOW": (
            "sign_in_window_seconds",
            lambda n, r: _int(n, r, minimum=1, maximum=7 * 86400),
        ),
        "SIGN_IN_LOCK": ("sign_in_lock_seconds", lambda n, r: _int(n, r, minimum=1, maximum=86400)),
        "SIGN_IN_LOCK_MAX": (
            "sign_in_lock_max_seconds",
            lambda n, r: _int(n, r, minimum=1, maximum=7 * 86400),
        ),
        "REMEMBER_ME_DAYS": ("remember_me_days", lambda n, r: _int(n, r, minimum=1, maximum=365)),
        "API_RATE_LIMIT": ("api_rate_limit", text),
        "EMBED_SITE_RATE_LIMIT": ("embed_site_rate_limit", text),
        "EMBED_IP_RATE_LIMIT": ("embed_ip_rate_limit", text),
        "EMBED_CACHE_SECONDS": (
            "embed_cache_seconds",
            lambda n, r: _int(n, r, minimum=0, maximum=300),
        ),
        "RATELIMIT_ENABLED": ("ratelimit_enabled", _bool),
        "PROXY_HOPS": ("proxy_hops", lambda n, r: _int(n, r, minimum=0, maximum=5)),
        "MAX_CONTENT_LENGTH": (
            "max_content_length",
            lambda n, r: _int(n, r, minimum=1024, maximum=1024**3),
        ),
    }
