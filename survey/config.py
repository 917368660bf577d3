"""Configuration: defaults, then SURVEY_* environment variables, then the test dict."""

from __future__ import annotations

import difflib
import math
import os
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - refused in production by create_app
ENVIRONMENTS = ("development", "production")
# Settings the app reads that have no default, and SURVEY_* variables read by the test suite and tools only.
OPTIONAL_SETTINGS = frozenset({"DEBUG", "TRUSTED_HOSTS", "PAGE_CACHE_VERIFY"})
TOOLING_VARIABLES = frozenset({"TEST_POSTGRES_URL", "SCREENSHOTS"})
# The least `secret_strength_bits` a production secret may score. Of 100,000 secrets each, token_urlsafe(32)
# scored 176 or more, token_hex(32) 217 or more and base64 of 32 random bytes 188 or more; token_hex(16) (16
# bytes) scores about 113, "x" * 40 scores 0.
SECRET_MIN_SCORE = 160
SECRET_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105 - a command, not a secret


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration; the message says why."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings that work out of the box: a SQLite file in the instance folder, shipped questionnaires."""
    return {
        "SECRET_KEY": DEV_SECRET,
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'survey.sqlite'}",
        "QUESTIONNAIRES_DIR": str(ROOT / "questionnaires"),
        "EXPORTS_DIR": str(ROOT / "exports"),
        "ASSETS_DIR": str(ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
        "SERVICE_NAME": "Safeguarding self-assessment",
        "SMTP_HOST": "localhost",
        "SMTP_PORT": 25,
        "SMTP_USERNAME": "",
        "SMTP_PASSWORD": "",
        "SMTP_STARTTLS": False,
        "MAIL_FROM": "safeguarding-partnership@localhost",
        # Every email is queued in the transaction of the change that causes it. "outbox": `survey worker` (or
        # `survey mail send` from cron) sends them, so no request waits for a relay; "request": each request
        # sends its own emails once its change has committed (for an installation with no worker).
        "MAIL_DELIVERY": "outbox",
        "ENV": "development",
        "WTF_CSRF_TIME_LIMIT": None,
        # The whole request: files in it are kept only up to survey.web.hygiene.file_part_limit each, so a file
        # too large for its page gets that page's message with everything typed kept, not a bare refusal.
        "MAX_CONTENT_LENGTH": 512 * 1024 * 1024,
        "EVIDENCE_DIR": str(Path(instance_path) / "evidence"),
        "EVIDENCE_MAX_MB": 10,
        "SESSION_IDLE_MINUTES": 60,
        "AUTOSAVE_MS": 3000,
        "PROXY_COUNT": 0,
        "RETENTION_DAYS": 6 * 365,
        "BASE_URL": "http://127.0.0.1:5000",
        "REMINDER_DAYS_BEFORE": "7,1",
        # Areas for development suggested on the results page: this many lowest means, and ranges this wide.
        "DEVELOPMENT_LOWEST": 5,
        "DEVELOPMENT_WIDE_RANGE": 2.0,
        "SIGN_IN_LIMIT_PER_ADDRESS": "30 per minute",
        # Failed sign-ins only: per account from one client address, and a slower limit per account from anywhere.
        "SIGN_IN_LIMIT_PER_ACCOUNT": "10 per 10 minutes",
        "SIGN_IN_LIMIT_PER_ACCOUNT_ANYWHERE": "100 per hour",
        "SESSION_MAX_HOURS": 12,
        # A TOML file listing the OpenID Connect providers people may sign in with (docs/admin-guide.md).
        "SSO_PROVIDERS_FILE": "",
        # Seconds of clock difference with a provider allowed when checking an ID token's times.
        "SSO_CLOCK_LEEWAY": 60,
        # Rendered duty pages each worker keeps (survey/web/page_cache.py); 0 turns the cache off.
        "PAGE_CACHE_ENTRIES": 128,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def check_environment(known: frozenset[str], prefix: str = "SURVEY_") -> None:
    """Refuse a SURVEY_* variable that names no setting (a misspelling), suggesting the one it probably meant."""
    for key in os.environ:
        name = key[len(prefix):] if key.startswith(prefix) else None
        if name is None or name in known or name in TOOLING_VARIABLES:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {prefix}{close[0]}?" if close else "; the settings are listed in docs/operations.md"
        raise ConfigurationError(f"{key} is not a setting of this app{hint}")


def typed(name: str, raw: str, default: Any) -> Any:
    """A setting read from the environment as the type of its default: true or false for a flag, a whole number
    for a number, the text itself otherwise (a password of digits stays text)."""
    if isinstance(default, bool) or (default is None and raw.lower() in ("true", "false")):
        if raw.lower() not in ("true", "false"):
            raise ConfigurationError(f"SURVEY_{name} is {raw!r}; it must be true or false")
        return raw.lower() == "true"
    if isinstance(default, int | float):
        try:
            return type(default)(raw)
        except ValueError:
            raise ConfigurationError(f"SURVEY_{name} is {raw!r}; it must be a number") from None
    return raw


def known_settings(instance_path: str) -> frozenset[str]:
    """Every setting name the app reads (what SURVEY_* variables may set)."""
    return frozenset(defaults(instance_path)) | OPTIONAL_SETTINGS


def secret_strength_bits(secret: str) -> float:
    """A generous estimate of the randomness in a secret: its length times the entropy of its characters."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return len(secret) * per_char


def check_settings(config: Any) -> None:
    """Refuse settings the app cannot run safely with; production needs a strong secret and its own address."""
    env = config.get("ENV")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"SURVEY_ENV is {env!r}; it must be one of {', '.join(ENVIRONMENTS)} (in lower case)")
    if config.get("MAIL_DELIVERY", "outbox") not in ("request", "outbox"):
        raise ConfigurationError(f"SURVEY_MAIL_DELIVERY is {config.get('MAIL_DELIVERY')!r}; it must be request "
                                 "(emails sent within each request) or outbox (queued, sent by survey worker)")
    base = str(config.get("BASE_URL") or "")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(f"SURVEY_BASE_URL is {base!r}; it must be the address people use, like "
                                 "https://safeguarding.example.gov.uk")
    if env != "production":
        return
    secret = str(config.get("SECRET_KEY") or "")
    if secret == DEV_SECRET or len(secret) < 32 or secret_strength_bits(secret) < SECRET_MIN_SCORE:
        raise ConfigurationError(f"SURVEY_SECRET_KEY must be at least 32 random bytes in production; make one with "
                                 f"{SECRET_HINT}")
    if config.get("DEBUG"):
        raise ConfigurationError("debug must be off in production (unset SURVEY_DEBUG)")
    if parts.scheme != "https":
        raise ConfigurationError(f"SURVEY_BASE_URL is {base!r}; in production it must start with https://")
