"""Response hardening and request logging: CSP with a per-request nonce, security headers, no-store caching,
request ids, and one JSON log line per request with no safeguarding content in it."""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from flask import Flask, Response, g, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Tokens in paths (password links) are secrets: never log them.
SECRET_PATHS = re.compile(r"^(/set-password/[a-z]+/)[^/]+")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to ship to any log store."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(data, default=str)


def init_security(app: Flask) -> None:
    """Install the headers, the request id and the access log."""
    log = logging.getLogger("survey.requests")
    if not log.handlers and not app.config.get("TESTING"):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else secrets.token_hex(8)
        g.csp_nonce = secrets.token_urlsafe(16)
        g.started = time.perf_counter()

    @app.context_processor
    def _nonce() -> dict[str, str]:
        return {"cspNonce": g.get("csp_nonce", "")}

    @app.after_request
    def _headers(response: Response) -> Response:
        nonce = g.get("csp_nonce", "")
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["X-Request-ID"] = g.get("request_id", "")
        if not request.path.startswith(("/assets/", "/static/")):
            # Pages may hold safeguarding answers: never keep them in a browser or proxy cache.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        _log(log, response)
        return response


def _log(log: logging.Logger, response: Response) -> None:
    if request.path.startswith(("/assets/", "/static/")):
        return
    # Only a user the request already loaded: logging must never query (or fail on) the database.
    user = g.get("_login_user")
    person = user.principal.person_id if getattr(user, "is_authenticated", False) else None
    log.info("request", extra={"fields": {
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": SECRET_PATHS.sub(r"\1***", request.path),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        "person_id": person,
        "remote": request.remote_addr,
    }})
