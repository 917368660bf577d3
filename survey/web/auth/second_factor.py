"""The second factor: the code step of signing in, and setting up an authenticator app from "Your account"."""

from __future__ import annotations

import time
from typing import Any

import segno
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user

from survey.extensions import db, limiter
from survey.models import Person
from survey.services import second_factor
from survey.services.access import principal_for
from survey.web.auth.forms import CodeForm, SetUpForm
from survey.web.auth.session import SignedIn, safe_next
from survey.web.auth.views import PENDING, account_anywhere_limit, account_limit, bp, landing, refused
from survey.web.forms import ButtonForm

ENROLLING = "enrolling_second_factor"
PENDING_SECONDS = 300  # the password step is good for five minutes


def _pending() -> dict[str, Any] | None:
    found = session.get(PENDING)
    if not isinstance(found, dict) or not isinstance(found.get("person"), int):
        return None
    if time.time() - int(found.get("at", 0)) > PENDING_SECONDS:
        return None
    return found


def _code_key() -> str:
    found = _pending()
    return f"code:{found['person'] if found else 'none'}|{get_remote_address()}"


def _code_anywhere_key() -> str:
    found = _pending()
    return f"code-anywhere:{found['person'] if found else 'none'}"


# The password's limits hold for codes too (wrong ones only): per account and client, and, for someone who has the
# password and guesses codes from many addresses, per account from anywhere.
@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(account_limit, methods=["POST"], key_func=_code_key, deduct_when=refused)
@limiter.limit(account_anywhere_limit, methods=["POST"], key_func=_code_anywhere_key, deduct_when=refused)
def sign_in_code() -> Any:
    """The code from the authenticator app (or a recovery code), after the password."""
    pending = _pending()
    if pending is None:
        session.pop(PENDING, None)
        flash("Sign in again: the code must follow the password within five minutes.", "info")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            person, token, used = second_factor.complete_sign_in(db.session(), pending["person"],
                                                                 form.code.data or "")
        except second_factor.SecondFactorError as exc:
            form.code.errors = [str(exc)]
        else:
            session.clear()  # the pending step is used up: it cannot be replayed
            user = SignedIn(token, principal_for(db.session(), person))
            login_user(user)
            if used == "recovery code":
                left = second_factor.recovery_codes_left(db.session(), person.id)
                flash(f"You signed in with a recovery code. {left} of them are left: if you have lost your app, "
                      "set up a new one from Your account.", "info")
            return redirect(landing(user, safe_next(pending.get("next")), str(pending.get("restore") or "")))
    return render_template("auth/sign_in_code.html", form=form), (400 if form.errors else 200)


def _qr_svg(uri: str) -> str:
    """The QR code of an otpauth URI as inline SVG (no image file, so the page's CSP needs nothing more)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, light="#fff", title="QR code for your authenticator app"))


@bp.route("/account/second-factor", methods=["GET", "POST"], endpoint="second_factor")
@limiter.limit("20 per hour", methods=["POST"])
@login_required
def second_factor_page() -> Any:
    """Set up an authenticator app (scan, then confirm with its first code), or renew the recovery codes."""
    me = db.session.get(Person, current_user.principal.person_id)
    if me is None:
        abort(404)
    target = safe_next(request.args.get("next"))
    if me.totp_enabled_at is not None:
        if request.method == "POST" and ButtonForm().action.data == "new-codes":
            codes = second_factor.new_recovery_codes(db.session(), me)
            return render_template("auth/recovery_codes.html", codes=codes, target=target, renewed=True)
        return render_template("auth/second_factor.html", person=me, target=target,
                               left=second_factor.recovery_codes_left(db.session(), me.id))
    # The secret waits in the signed session cookie until its first code is confirmed, so reloading the page
    # keeps the QR code already scanned.
    issuer = str(current_app.config["SERVICE_NAME"])
    enrolment = second_factor.new_enrolment(me.email, issuer, session.get(ENROLLING))
    session[ENROLLING] = enrolment.secret
    form = SetUpForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enable(db.session(), me, enrolment.secret, form.code.data or "")
        except second_factor.SecondFactorError as exc:
            form.code.errors = [str(exc)]
        else:
            session.pop(ENROLLING, None)
            # The principal of this request was loaded before the change: the next request sees it.
            return render_template("auth/recovery_codes.html", codes=codes, target=target, renewed=False)
    return render_template("auth/second_factor_set_up.html", form=form, enrolment=enrolment, target=target,
                           qr=_qr_svg(enrolment.uri)), (400 if form.errors else 200)
