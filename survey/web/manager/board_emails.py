"""A partnership's own words in its emails, and its chasing schedule: edit, preview, save."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from survey import placeholders
from survey.extensions import db
from survey.models import Partnership
from survey.services import board_email
from survey.text import possessive
from survey.web.manager.views import bp

FIELDS = ("sender_name", "reply_to", "invitation_text", "reminder_text", "overdue_text", "remind_before",
          "chase_every_days", "chase_times", "copy_managers_from")


def _partnership(partnership_id: int) -> Partnership:
    if partnership_id not in current_user.principal.manager_partnerships:
        abort(404)
    found = db.session.get(Partnership, partnership_id)
    if found is None:
        abort(404)
    return found


def _typed(row: Any) -> dict[str, Any]:
    """The form's values: as posted, else as saved, else the defaults a new schedule starts from."""
    if request.method == "POST":
        values: dict[str, Any] = {name: request.form.get(name, "") for name in FIELDS}
        values["remind_on_the_day"] = request.form.get("remind_on_the_day") == "yes"
        return values
    if row is None:
        return {"sender_name": "", "reply_to": "", "invitation_text": "", "reminder_text": "", "overdue_text": "",
                "remind_before": "14,3", "remind_on_the_day": True, "chase_every_days": "7", "chase_times": "3",
                "copy_managers_from": "2"}
    return {**{name: str(getattr(row, name)) for name in FIELDS}, "remind_on_the_day": row.remind_on_the_day}


@bp.route("/partnerships/<int:partnership_id>/emails", methods=["GET", "POST"])
def board_emails(partnership_id: int) -> Any:
    """The partnership's sender name, Reply-To, texts for invitations, reminders and chasers, and schedule."""
    partnership = _partnership(partnership_id)
    session = db.session()
    row = board_email.settings_of(session, partnership.id)
    values = _typed(row)
    error = None
    previews: dict[str, str] = {}
    if request.method == "POST":
        submitted = board_email.Submitted(
            values["sender_name"], values["reply_to"],
            {kind: values[f"{kind}_text"] for kind in board_email.TEXTS}, values["remind_before"],
            values["remind_on_the_day"], values["chase_every_days"], values["chase_times"],
            values["copy_managers_from"])
        try:
            if request.form.get("action") == "preview":
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
            error = exc
    errors = {error.field: str(error)} if error else {}
    return render_template("manager/board_emails.html", partnership=partnership, values=values, error=error,
                           errors=errors,
                           previews=previews, placeholders=placeholders.PLACEHOLDERS,
                           sender=current_app.config.get("MAIL_FROM"), default_before=current_app.config.get(
                               "REMINDER_DAYS_BEFORE")), (400 if error else 200)
