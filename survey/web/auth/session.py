"""Signed-in people for Flask-Login, backed by server-side sessions, and the handler for expired ones."""

from __future__ import annotations

import datetime as dt
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
        params: dict[str, str] = {"next": safe_next(request.full_path if request.method == "GET" else request.path)}
        if expired is not None:
            flash("You were signed out because you were inactive. Sign in again to carry on.", "info")
            if request.method == "POST":
                data = {k: v for k, v in _lists(request.form).items() if k != "csrf_token"}
                token = stash.put(db.session(), expired, "expired", request.path, data)
                params["restore"] = token
                if request.files and any(f.filename for f in request.files.values()):
                    flash("Files you chose were not uploaded: attach them again after signing in.", "info")
        else:
            flash("Sign in to continue.", "info")
        return redirect(url_for("auth.sign_in", **params))


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
