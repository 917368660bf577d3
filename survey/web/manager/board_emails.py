"""A partnership's own words in its emails, and its chasing schedule: edit, preview, save."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from survey import placeholders
from survey.extensions import db
from survey.models import Partnership
from survey.services import board_email
from survey.text import possessive
from survey.web.forms import refuse
from survey.web.manager.views import bp


class BoardEmailsForm(FlaskForm):  # type: ignore[misc]
    """The partnership's own words and schedule; `board_email.check` says what is wrong with any of them."""

    sender_name = StringField("Sender name")
    reply_to = StringField("Reply-To address (optional)")
    invitation_text = TextAreaField("Invitation, when a round opens")
    reminder_text = TextAreaField("Reminder, before the deadline")
    overdue_text = TextAreaField("Chaser, once overdue")
    remind_before = StringField("Days before the deadline")
    remind_on_the_day = BooleanField("On the day of the deadline", false_values=("", "no"))
    chase_every_days = StringField("Once overdue, chase every (days)")
    chase_times = StringField("Chase at most (times)")
    copy_managers_from = StringField("Copy the partnership's managers from chaser number")
    action = StringField("Action")  # the button pressed: "preview" shows the emails without saving


NEW_SCHEDULE = {"sender_name": "", "reply_to": "", "invitation_text": "", "reminder_text": "", "overdue_text": "",
                "remind_before": "14,3", "remind_on_the_day": True, "chase_every_days": "7", "chase_times": "3",
                "copy_managers_from": "2"}


def _partnership(partnership_id: int) -> Partnership:
    if partnership_id not in current_user.principal.manager_partnerships:
        abort(404)
    found = db.session.get(Partnership, partnership_id)
    if found is None:
        abort(404)
    return found


def _saved(row: Any) -> dict[str, Any]:
    """The form's values as saved, or the defaults a new schedule starts from."""
    if row is None:
        return NEW_SCHEDULE
    return {"sender_name": row.sender_name, "reply_to": row.reply_to, "invitation_text": row.invitation_text,
            "reminder_text": row.reminder_text, "overdue_text": row.overdue_text,
            "remind_before": str(row.remind_before), "remind_on_the_day": row.remind_on_the_day,
            "chase_every_days": str(row.chase_every_days), "chase_times": str(row.chase_times),
            "copy_managers_from": str(row.copy_managers_from)}


@bp.route("/partnerships/<int:partnership_id>/emails", methods=["GET", "POST"])
def board_emails(partnership_id: int) -> Any:
    """The partnership's sender name, Reply-To, texts for invitations, reminders and chasers, and schedule."""
    partnership = _partnership(partnership_id)
    session = db.session()
    row = board_email.settings_of(session, partnership.id)
    form = BoardEmailsForm(data=_saved(row))
    values = form.data
    previews: dict[str, str] = {}
    if form.validate_on_submit():
        submitted = board_email.Submitted(
            values["sender_name"] or "", values["reply_to"] or "",
            {kind: values[f"{kind}_text"] or "" for kind in board_email.TEXTS}, values["remind_before"] or "",
            bool(values["remind_on_the_day"]), values["chase_every_days"] or "", values["chase_times"] or "",
            values["copy_managers_from"] or "")
        try:
            if form.action.data == "preview":
                checked = board_email.check(submitted)
                today = dt.date.today()
                previews = {kind: placeholders.fill(str(checked[f"{kind}_text"]),
                                                    board_email.sample_values(kind, partnership.name, today))
                            for kind in board_email.TEXTS}
            else:
                board_email.save(session, partnership.id, submitted, current_user.principal.person_id)
                flash(f"{possessive(partnership.name)} emails and reminders are saved. They apply to every email "
                      "from now on.",
                      "success")
                return redirect(url_for("manager.board_emails", partnership_id=partnership.id))
        except board_email.BoardEmailError as exc:
            refuse(form, str(exc), exc.field)
    errors = {name: messages[0] for name, messages in form.errors.items()}
    return render_template("manager/board_emails.html", partnership=partnership, values=values, form=form,
                           errors=errors,
                           previews=previews, placeholders=placeholders.PLACEHOLDERS,
                           sender=current_app.config.get("MAIL_FROM"), default_before=current_app.config.get(
                               "REMINDER_DAYS_BEFORE")), (400 if form.errors else 200)
