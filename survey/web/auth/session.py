"""Signed-in people for Flask-Login, backed by server-side sessions, and the handler for expired ones."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, url_for
from flask_login import UserMixin
from werkzeug.datastructures import MultiDict

from survey.extensions import db, login_manager
from survey.services import accounts, stash
from survey.services.access import Principal


class SignedIn(UserMixin):  # type: ignore[misc]
    """The person behind the current request; `id` is the session token the cookie carries."""

    def __init__(self, token: str, principal: Principal) -> None:
        self.id = token
        self.principal = principal

    @property
    def name(self) -> str:
        """The person's name."""
        return self.principal.name


def init_login(app: Flask) -> None:
    """Bind Flask-Login to server-side sessions."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load(token: str) -> SignedIn | None:
        session = db.session()
        checked = accounts.check_session(
            session, token,
            idle=dt.timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"])),
            absolute=dt.timedelta(hours=int(current_app.config["SESSION_MAX_HOURS"])),
        )
        if checked.principal is None:
            g.expired_person_id = checked.expired_person_id
            return None
        return SignedIn(token, checked.principal)

    @login_manager.unauthorized_handler
    def unauthorized() -> Any:
        """Send people to sign in; a post from a session that just timed out is kept and restored after."""
        expired = getattr(g, "expired_person_id", None)
        params: dict[str, Any] = {"next": safe_next(request.full_path if request.method == "GET" else request.path)}
        if expired is not None:
            flash("You were signed out because you were inactive. Sign in again to carry on.", "info")
            if request.method == "POST":
                data = {k: v for k, v in _lists(request.form).items() if k != "csrf_token"}
                kept, dropped = _keep_files(expired)
                data.update({f"pending-{sid}": [token] for sid, token in kept.items()})
                token = stash.put(db.session(), expired, "expired", request.path, data)
                params["restore"] = token
                if dropped:
                    flash("Some files you chose could not be kept: attach them again after signing in.", "info")
        else:
            flash("Sign in to continue.", "info")
        return redirect(url_for("auth.sign_in", **params))


_DUTY_PAGE = re.compile(r"/agency/returns/(\d{1,9})/duties/[^/]+")


def _keep_files(person_id: int) -> tuple[dict[str, str], int]:
    """Evidence files posted with a duty page after the session timed out, kept to attach once the person is
    back (tokens by statement id), and how many could not be kept (not a duty page, or not an allowed file)."""
    from survey.services import evidence, pending_uploads

    chosen = [(name, f) for name, f in request.files.items(multi=True) if f.filename]
    found = _DUTY_PAGE.fullmatch(request.path)
    if not chosen or found is None:
        return {}, len(chosen)
    limit = int(current_app.config["EVIDENCE_MAX_MB"]) * 1024 * 1024
    kept, dropped = {}, 0
    for name, upload in chosen:
        data = upload.read(limit + 1)
        try:
            evidence.check(upload.filename or "", data, limit)
        except evidence.EvidenceError:
            dropped += 1
            continue
        if not name.startswith("evidence-"):
            dropped += 1
            continue
        statement_id = name[len("evidence-"):]
        kept[statement_id] = pending_uploads.keep(db.session(), person_id, int(found.group(1)), statement_id,
                                                  upload.filename or "evidence", data).token
    return kept, dropped


def _lists(form: MultiDict[str, str]) -> dict[str, list[str]]:
    return {key: form.getlist(key) for key in form}


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything pointing elsewhere becomes the home page."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target.rstrip("?")


def second_factor_first() -> Any:
    """Send an administrator, manager or chair who has no second factor to set one up before any of their pages
    (None when they have one)."""
    from flask_login import current_user

    if current_user.is_authenticated and current_user.principal.needs_second_factor:
        flash("Set up a second factor before you continue: your role shows safeguarding material from every "
              "agency.", "info")
        return redirect(url_for("auth.second_factor", next=safe_next(request.full_path)))
    return None
