"""Configuration: defaults, then SURVEY_* environment variables, then the test dict."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - refused in production by create_app


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
        "ENV": "development",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
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
        "SIGN_IN_LIMIT_PER_ACCOUNT": "10 per 10 minutes",
        "SESSION_MAX_HOURS": 12,
        # Rendered duty pages each worker keeps (survey/web/page_cache.py); 0 turns the cache off.
        "PAGE_CACHE_ENTRIES": 128,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def from_environment(prefix: str = "SURVEY_") -> dict[str, Any]:
    """Read SURVEY_* variables; numbers and true/false are converted."""
    out: dict[str, Any] = {}
    for key, raw in os.environ.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        value: Any = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif raw.isdigit():
            value = int(raw)
        out[name] = value
    return out
