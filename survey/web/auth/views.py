"""Sign in, sign out, invitations and password resets."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from survey.extensions import db, limiter
from survey.links import external_url
from survey.models import Person
from survey.services import accounts, email_texts, mail
from survey.services.access import principal_for
from survey.web.after_response import deliver_after_response
from survey.web.auth import sso_setup
from survey.web.auth.forms import ForgotPasswordForm, SetPasswordForm, SignInForm
from survey.web.auth.session import SignedIn, safe_next

bp = Blueprint("auth", __name__)

PURPOSES = {"invite": "Create your password", "reset": "Reset your password"}
# Who gave the right password and owes the code (survey.web.auth.second_factor), in the signed session cookie.
PENDING = "pending_sign_in"


def home_for(user: SignedIn) -> str:
    """Where a person lands after signing in."""
    principal = user.principal
    if principal.is_manager:
        return url_for("manager.home")
    if principal.is_agency_user:
        return url_for("agency.home")
    if principal.is_chair:
        return url_for("chair.home")
    if principal.admin:
        return url_for("admin.people")
    return url_for("main.home")


def landing(user: SignedIn, target: str, restore: str = "") -> str:
    """Where a new sign-in goes: the page that asked for it (with the post kept for it to restore), or home."""
    if target == "/":
        return home_for(user)
    if restore:
        target = f"{target}{'&' if '?' in target else '?'}restore={restore}"
    return target


def _email() -> str:
    return accounts.normalise_email(request.form.get("email", ""))[:254]


def _account_key() -> str:
    # An account from one client: someone guessing from one address is stopped there, and cannot lock the
    # account's owner out from anywhere else.
    return f"account:{_email()}|{get_remote_address()}"


def _account_anywhere_key() -> str:
    return f"account-anywhere:{_email()}"


def _address_limit() -> str:
    return str(current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"])


def account_limit() -> str:
    """The limit on refused sign-ins (and codes) per account from one client."""
    return str(current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"])


def account_anywhere_limit() -> str:
    """The slower limit on refused sign-ins (and codes) per account from anywhere."""
    return str(current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT_ANYWHERE"])


def refused(response: Any) -> bool:
    """Only a refused sign-in counts towards the limits (a successful one redirects)."""
    return bool(response.status_code != 302)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=refused)
@limiter.limit(account_limit, methods=["POST"], key_func=_account_key, deduct_when=refused)
@limiter.limit(account_anywhere_limit, methods=["POST"], key_func=_account_anywhere_key, deduct_when=refused)
def sign_in() -> Any:
    """Sign in with email and password."""
    form = SignInForm()
    target = safe_next(request.args.get("next"))
    restore = request.args.get("restore", "")
    if form.validate_on_submit():
        try:
            signed_in = accounts.sign_in(db.session(), form.email.data or "", form.password.data or "",
                                         sso_setup.required_domains())
        except accounts.SsoRequired as exc:
            form.password.errors = [str(exc)]
        else:
            if signed_in is not None:
                return _after_password(*signed_in, target, restore)
            form.email.errors = ["Enter a correct email address and password"]
    return render_template("auth/sign_in.html", form=form, sso_providers=sso_setup.providers()), (
        200 if request.method == "GET" or not form.errors else 400)


def _after_password(person: Person, token: str | None, target: str, restore: str) -> Any:
    session.clear()  # a fresh cookie: nothing from before sign-in carries over
    if token is None:
        # No sign-in session exists until the code from the authenticator app is right.
        session[PENDING] = {"person": person.id, "at": int(time.time()), "next": target, "restore": restore}
        return redirect(url_for("auth.sign_in_code"))
    user = SignedIn(token, principal_for(db.session(), person))
    login_user(user)
    return redirect(landing(user, target, restore))


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> Any:
    """End the session for good: the cookie it used no longer works, even if replayed."""
    if current_user.is_authenticated:
        accounts.end_session(db.session(), current_user.id)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(account_limit, methods=["POST"], key_func=_account_key)
def forgot_password() -> Any:
    """Email a reset link; the page says the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        def compose(person: Person, token: str) -> mail.Outgoing:
            link = external_url(current_app.config, url_for("auth.set_password", purpose="reset", token=token))
            body = email_texts.render("password_reset.txt", current_app.config, person=person, link=link,
                                   hours=accounts.RESET_HOURS)
            return mail.Outgoing(person.email, "Reset your password", body, "password_reset")

        settings = mail.SmtpSettings.from_config(current_app.config)
        batch = accounts.request_password_reset(db.session(), form.email.data or "", current_app.config["SECRET_KEY"],
                                                settings, compose)
        deliver_after_response(settings, batch)
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form), (400 if form.errors else 200)


@bp.route("/set-password/<purpose>/<token>", methods=["GET", "POST"])
def set_password(purpose: str, token: str) -> Any:
    """Choose a password from an invitation or reset link (each link works once)."""
    if purpose not in PURPOSES:
        abort(404)
    try:
        person = accounts.redeem_link_token(db.session(), token, purpose, current_app.config["SECRET_KEY"])
    except accounts.AccountError as exc:
        return render_template("auth/link_problem.html", message=str(exc)), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_from_link(db.session(), person, form.password.data or "")
        except accounts.AccountError as exc:
            form.password.errors = [str(exc)]
        else:
            flash("Your password is set. Sign in with your email address and new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, title=PURPOSES[purpose], person=person), (
        400 if form.errors else 200)
