"""Agency pages after a return is sent: the board's challenges, the action plan, the agency's report, and the
workbook to complete offline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from survey.extensions import db
from survey.models import AgencyAction, Challenge
from survey.services import action_plans, invitations, mail, moderation, returns
from survey.web.agency.views import _load, bp
from survey.web.forms import ProgressForm, ReplyForm, refuse
from survey.web.offline import import_page, send_workbook
from survey.web.reports import report_response


@bp.route("/returns/<int:return_id>/challenges/<int:challenge_id>", methods=["GET", "POST"])
def challenge(return_id: int, challenge_id: int) -> Any:
    """A challenge from the board: everyone in the agency reads it, the lead answers."""
    ret, _ = _load(return_id)
    found = db.session.get(Challenge, challenge_id)
    if found is None or found.return_id != ret.id:
        abort(404)
    can_reply = current_user.principal.can_submit_return(ret)
    form = ReplyForm()
    if form.is_submitted():
        if not can_reply:
            abort(403)
        if form.validate():
            try:
                moderation.reply(db.session(), found, form.body.data or "", current_user.principal.person_id,
                                 False, mail.SmtpSettings.from_config(current_app.config),
                                 invitations.challenge_composer(current_app.config))
            except moderation.ModerationError as exc:
                refuse(form, str(exc), "body")
            else:
                flash("Your answer has been sent to the board.", "success")
                return redirect(url_for("agency.challenge", return_id=return_id, challenge_id=challenge_id))
    return render_template("challenges/thread.html", challenge=found, ret=ret, viewer="agency", form=form,
                           can_reply=can_reply), (400 if form.errors else 200)


@bp.route("/actions")
def action_plan() -> str:
    """The action plan of the person's agencies: from low ratings and from challenges, across rounds."""
    return render_template("agency/actions.html", today=dt.date.today(),
                           actions=action_plans.plan_of(db.session(), current_user.principal.memberships))


@bp.route("/actions/<int:agency_action_id>", methods=["GET", "POST"])
def action_progress(agency_action_id: int) -> Any:
    """Record how far an action has got, with the evidence when it is done."""
    action = db.session.get(AgencyAction, agency_action_id)
    if action is None or not current_user.principal.can_edit_return(action.return_):
        abort(404)
    form = ProgressForm(data={"status": action.status.value, "evidence": action.evidence})
    if form.validate_on_submit():
        try:
            action_plans.update_progress(db.session(), action, form.status.data or "", form.evidence.data or "",
                                         current_user.principal.person_id, dt.date.today())
        except action_plans.ActionPlanError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash("Progress saved.", "success")
            return redirect(url_for("agency.action_plan"))
    return render_template("agency/action_progress.html", action=action, form=form), (400 if form.errors else 200)


@bp.route("/returns/<int:return_id>/report")
@bp.route("/returns/<int:return_id>/report.pdf", endpoint="report_pdf", defaults={"pdf": True})
def report(return_id: int, pdf: bool = False) -> Any:
    """The agency's report on this round for its own governance (print view or PDF)."""
    ret, _ = _load(return_id)
    return report_response(ret, url_for("agency.task_list", return_id=return_id),
                           url_for("agency.report_pdf", return_id=return_id), pdf)


@bp.route("/returns/<int:return_id>/workbook.xlsx")
def return_workbook(return_id: int) -> Any:
    """The return as an Excel workbook to complete offline."""
    ret, _ = _load(return_id)
    return send_workbook(ret)


@bp.route("/returns/<int:return_id>/import", methods=["GET", "POST"])
def import_workbook(return_id: int) -> Any:
    """Upload a completed workbook into the return."""
    ret, _ = _load(return_id)
    if not returns.is_editable(ret):
        flash("This return cannot be changed now, so a workbook cannot be uploaded into it.", "info")
        return redirect(url_for("agency.task_list", return_id=return_id))
    back = url_for("agency.task_list", return_id=return_id)
    return import_page(ret, back, back)
