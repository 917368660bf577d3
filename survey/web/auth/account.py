"""Your account: a signed-in person changes their own name, or their email address once they confirm it from
the new address (nobody else can: a board manager who could change an email could take the account over)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from survey.extensions import db, limiter
from survey.links import external_url
from survey.models import Person
from survey.services import accounts, agencies, email_texts, mail
from survey.web.auth.views import bp
from survey.web.forms import AccountForm, refuse


def _me() -> Person:
    found = db.session.get(Person, current_user.principal.person_id)
    if found is None:
        abort(404)
    return found


@bp.route("/account", methods=["GET", "POST"])
# The limit is counted before the person is loaded: on SQLite, a request that has begun writing holds the write
# lock, which the limiter's own (separate) write would wait for.
@limiter.limit("10 per hour", methods=["POST"])
@login_required
def account() -> Any:
    """Your name and email address."""
    me = _me()
    session = db.session()
    form = AccountForm(data={"name": me.name, "email": me.email})
    if form.validate_on_submit():
        typed = form.email.data or ""
        try:
            new_email = (None if typed.lower() == me.email.lower()
                         else agencies.check_new_email(session, me, typed))
            agencies.change_account(session, me, form.name.data or "", me.email, me.id)
            if new_email is not None:
                _send_confirmation(me, new_email)
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash(f"We have emailed a link to {new_email}. Your email address changes when you follow it; until "
                  "then, keep using this one." if new_email else "Your details have been saved.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, person=me,
                           hours=accounts.EMAIL_CHANGE_HOURS), (400 if form.errors else 200)


def _send_confirmation(me: Person, new_email: str) -> None:
    session = db.session()
    token = accounts.issue_email_change_token(session, me, new_email, current_app.config["SECRET_KEY"])
    link = external_url(current_app.config, url_for("auth.confirm_email", token=token))
    messages = [
        mail.Outgoing(new_email, "Confirm your new email address",
                      email_texts.render("email_change.txt", current_app.config, person=me, link=link,
                                      hours=accounts.EMAIL_CHANGE_HOURS), "email_change"),
        mail.Outgoing(me.email, "Your email address is being changed",
                      email_texts.render("email_change_notice.txt", current_app.config, person=me, new_email=new_email),
                      "email_change_notice"),
    ]
    problem = mail.send_recorded(session, mail.SmtpSettings.from_config(current_app.config), messages)
    if problem:
        raise agencies.DirectoryError(f"The confirmation could not be emailed ({problem}); try again later",
                                      "email")


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> Any:
    """Confirm a new email address from the link sent to it (a button, so that opening the link changes nothing)."""
    session = db.session()
    try:
        person, new_email = accounts.redeem_email_change_token(session, token, current_app.config["SECRET_KEY"])
    except accounts.AccountError as exc:
        return render_template("auth/link_problem.html", message=str(exc)), 400
    error = None
    if request.method == "POST":
        try:
            agencies.confirm_new_email(session, person, new_email)
        except agencies.DirectoryError as exc:
            error = exc
        else:
            flash(f"Your email address is now {new_email}. Use it to sign in.", "success")
            return redirect(url_for("auth.account") if current_user.is_authenticated else url_for("auth.sign_in"))
    return render_template("auth/confirm_email.html", person=person, new_email=new_email, error=error), (
        400 if error else 200)
