"""Board manager pages: rounds, creating one, the returns dashboard, opening and closing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from survey.exports.cells import csv_cell
from survey.extensions import db, login_manager
from survey.models import Agency, Partnership, PartnershipAgency, Round
from survey.services import (
    audit_log,
    board_questionnaires,
    invitations,
    mail,
    reminders,
    return_changes,
    round_reopening,
    rounds,
)
from survey.text import file_name, possessive
from survey.web.auth.session import second_factor_first
from survey.web.forms import ReasonForm, refuse
from survey.web.manager.forms import JointForm, OpenRoundForm, RoundForm

bp = Blueprint("manager", __name__, url_prefix="/manager")

SORTS = {
    "agency": lambda r: r.agency.lower(),
    "status": lambda r: (["overdue", "not started", "draft", "reopened", "submitted"].index(r.status), r.agency),
    "answered": lambda r: (r.percent, r.agency),
    "activity": lambda r: (r.last_activity is None, r.last_activity.timestamp() if r.last_activity else 0),
}


@bp.before_request
def require_manager() -> Any:
    """Only board managers use these pages."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.principal.is_manager:
        abort(403)
    return second_factor_first()


def _round(round_id: int) -> Round:
    found = db.session.get(Round, round_id)
    if found is None or not found.run_by(current_user.principal.manager_partnerships):
        abort(404)
    return found


@bp.route("/")
def home() -> str:
    """The rounds of the manager's partnerships."""
    from survey.services import attention, joint_rounds

    mine = frozenset(current_user.principal.manager_partnerships)
    rows = rounds.list_rounds(db.session(), mine)
    todo = attention.for_partnerships(db.session(), mine, dt.date.today())
    partnerships = db.session.scalars(select(Partnership).where(Partnership.id.in_(mine))
                                      .order_by(Partnership.name)).all()
    return render_template("manager/home.html", rows=rows, attention=todo, partnerships=partnerships,
                           proposals=joint_rounds.proposals_for(db.session(), mine))


@bp.route("/rounds/new", methods=["GET", "POST"])
def new_round() -> Any:
    """Create a draft round from a questionnaire, for one partnership or jointly with others."""
    session = db.session()
    partnerships = session.scalars(select(Partnership).where(
        Partnership.id.in_(current_user.principal.manager_partnerships)).order_by(Partnership.name)).all()
    others = session.scalars(select(Partnership).order_by(Partnership.name)).all()
    form = RoundForm()
    posted = request.method == "POST"
    # Only one of the manager's own partnerships: another's id in the form must never list its agencies.
    mine = {p.id for p in partnerships}
    chosen = form.partnership.data if posted and form.partnership.data in mine else partnerships[0].id
    joint = [p for p in others if posted and p.id in (form.joint.data or []) and p.id != chosen]
    # The round's own agencies are the chosen partnership's; a joint partnership chooses its own once it agrees.
    agencies = session.scalars(select(Agency).join(PartnershipAgency).where(
        PartnershipAgency.partnership_id == chosen, PartnershipAgency.active.is_(True)).order_by(Agency.name)).all()
    catalogue = current_app.extensions["survey_catalogue"]
    own = board_questionnaires.offered(session, chosen)
    form.set_choices([(p.id, p.name) for p in partnerships],
                     [(value, f"{q.title} (version {q.version}, uploaded by your board)") for value, q in own]
                     + [(q.id, f"{q.title} (version {q.version})") for q in catalogue],
                     [(a.id, a.name) for a in agencies], [(p.id, p.name) for p in others if p.id != chosen])
    # "Show their agencies" lists (and ticks) the agencies of the partnerships now chosen, without creating.
    if not posted or form.refresh.data:
        form.agencies.data = [a.id for a in agencies]
        return render_template("manager/new_round.html", form=form)
    ask_deadline = bool(form.deadline_passed.data)
    if form.validate_on_submit():
        partnership = next(p for p in partnerships if p.id == form.partnership.data)
        try:
            questionnaire = dict(own).get(form.questionnaire.data) or catalogue.get(form.questionnaire.data)
            created = rounds.create_round(session, partnership, questionnaire,
                                          form.title.data or "", form.opens_on.data, form.deadline.data,
                                          form.agencies.data or [],
                                          current_user.principal.person_id, joint_with=joint,
                                          deadline_passed_ok=bool(form.deadline_passed.data))
        except rounds.DeadlinePassed as exc:
            form.deadline.errors = [*form.deadline.errors, str(exc)]
            ask_deadline = True
        except rounds.RoundError as exc:
            form.title.errors = [*form.title.errors, str(exc)]
        else:
            flash(f"{created.title} has been created as a draft. Check it, then open it.", "success")
            return redirect(url_for("manager.dashboard", round_id=created.id))
    return render_template("manager/new_round.html", form=form, ask_deadline=ask_deadline), (
        400 if form.errors else 200)


@bp.route("/rounds/<int:round_id>")
def dashboard(round_id: int) -> str:
    """Every agency's return in a round: status, progress, last activity; sortable and filterable."""
    found = _round(round_id)
    report = rounds.status(db.session(), found)
    sort = request.args.get("sort", "agency")
    wanted = request.args.get("status", "")
    rows = [r for r in report.rows if not wanted or r.status == wanted]
    rows.sort(key=SORTS.get(sort, SORTS["agency"]))
    from survey.services import action_plans

    overdue = action_plans.overdue_count(db.session(), found.id, dt.date.today())
    return render_template("manager/dashboard.html", round=found, report=report, rows=rows, sort=sort,
                           wanted=wanted, statuses=["not started", "draft", "reopened", "overdue", "submitted"],
                           overdue_actions=overdue)


@bp.route("/rounds/<int:round_id>/status.csv")
def dashboard_csv(round_id: int) -> Response:
    """The dashboard as CSV."""
    found = _round(round_id)
    report = rounds.status(db.session(), found)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["agency", "status", "answered", "statements", "percent answered", "last activity",
                     "submitted on", "submitted by", "deadline", "stage", "late"])
    for r in report.rows:
        writer.writerow([_cell(r.agency), r.status, r.answered, r.statements, r.percent,
                         r.last_activity.isoformat() if r.last_activity else "",
                         r.submitted_at.isoformat() if r.submitted_at else "", _cell(r.submitted_by),
                         r.deadline.isoformat(), r.stage, "yes" if r.late else "no"])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{file_name(found.title, "status", ext="csv")}"'})


def _cell(text: str) -> str:
    """A CSV cell that opens as text (survey.exports.cells)."""
    return str(csv_cell(text))


@bp.route("/rounds/<int:round_id>/open", methods=["GET", "POST"])
def open_round(round_id: int) -> Any:
    """Confirm, then open a round and email every agency's people: now, or by itself on its opening date."""
    found = _round(round_id)
    today = dt.date.today()
    error = None
    form = OpenRoundForm(data={"when": "opening-date" if found.opens_on > today else "now"})
    when, confirmed = form.when.data, bool(form.deadline_passed.data)
    if form.validate_on_submit():
        session = db.session()
        settings = mail.SmtpSettings.from_config(current_app.config)
        try:
            if when == "stop":
                rounds.stop_opening_by_itself(session, found, current_user.principal.person_id)
                flash(f"{found.title} stays a draft: it will not open by itself.", "success")
                return redirect(url_for("manager.dashboard", round_id=round_id))
            batch = rounds.open_round(session, found, settings, invitations.composer(session, current_app.config),
                                      current_user.principal.person_id, today=today,
                                      on_opening_date=when == "opening-date", deadline_passed_ok=confirmed)
        except rounds.DeadlinePassed as exc:
            error = str(exc)
        except rounds.RoundError as exc:
            flash(str(exc), "info")
            return redirect(url_for("manager.dashboard", round_id=round_id))
        else:
            if found.opens_by_itself:
                flash(f"{found.title} will open by itself on {found.opens_on.strftime('%-d %B %Y')}, and everyone "
                      "taking part will be emailed then.", "success")
            else:
                flash(f"{found.title} is open. {mail.summary(session, settings, batch, 'invitations')} The Emails "
                      "page shows each one.", "success")
            return redirect(url_for("manager.dashboard", round_id=round_id))
    return render_template("manager/confirm.html", round=found, action="open", today=today, when=when,
                           error=error, deadline_passed=found.deadline < today), (400 if error else 200)


@bp.route("/rounds/<int:round_id>/close", methods=["GET", "POST"])
def close_round(round_id: int) -> Any:
    """Confirm, then close a round: read-only for everyone, for good."""
    found = _round(round_id)
    if request.method == "POST":
        try:
            rounds.close_round(db.session(), found, current_user.principal.person_id)
        except rounds.RoundError as exc:
            flash(str(exc), "info")
        else:
            flash(f"{found.title} is closed. Its returns can no longer be changed.", "success")
        return redirect(url_for("manager.dashboard", round_id=round_id))
    return render_template("manager/confirm.html", round=found, action="close")


@bp.route("/rounds/<int:round_id>/reopen", methods=["GET", "POST"])
def reopen_round(round_id: int) -> Any:
    """Reopen a closed round with a reason (audited); the chair keeps seeing its final results until the next
    publication."""
    found = _round(round_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            round_reopening.reopen_round(db.session(), found, form.reason.data or "",
                                         current_user.principal.person_id)
        except rounds.RoundError as exc:
            refuse(form, str(exc), "reason")
        else:
            late = " Its deadline has passed: give agencies more time from this page." \
                if found.deadline < dt.date.today() else ""
            flash(f"{found.title} is open again.{late}", "success")
            return redirect(url_for("manager.dashboard", round_id=round_id))
    return render_template("manager/reopen_round.html", round=found, form=form), (400 if form.errors else 200)


@bp.route("/rounds/<int:round_id>/remind", methods=["GET", "POST"])
def remind(round_id: int) -> Any:
    """Preview, then send, a reminder to everyone whose agency has not submitted."""
    found = _round(round_id)
    session = db.session()
    due = reminders.not_submitted(session, found)
    compose = invitations.reminder_composer(current_app.config)
    if request.method == "POST":
        if found.state.value != "open":
            flash("Reminders can only be sent while the round is open.", "info")
            return redirect(url_for("manager.dashboard", round_id=round_id))
        messages = [compose(person, r) for r in due for person in r.recipients]
        problem = mail.send_recorded(session, mail.SmtpSettings.from_config(current_app.config), messages)
        if problem:
            flash(f"The reminders are recorded, but {problem}.", "info")
        else:
            flash(f"{len(messages)} reminders to people in {len(due)} agencies are on their way.", "success")
        return redirect(url_for("manager.dashboard", round_id=round_id))
    sample = compose(due[0].recipients[0], due[0]) if due else None
    # Composing the preview changed nothing that is kept: the session ends with the request, uncommitted.
    return render_template("manager/remind.html", round=found, due=due, sample=sample)


def _return(return_id: int) -> Any:
    from survey.models import Return

    found = db.session.get(Return, return_id)
    if found is None or not found.round.run_by(current_user.principal.manager_partnerships):
        abort(404)
    return found


@bp.route("/returns/<int:return_id>/reopen", methods=["GET", "POST"])
def reopen(return_id: int) -> Any:
    """Reopen a submitted return with a reason; the agency is emailed."""
    ret = _return(return_id)
    form = ReasonForm()
    if form.validate_on_submit():
        session = db.session()
        settings = mail.SmtpSettings.from_config(current_app.config)
        try:
            batch = return_changes.reopen_return(session, ret, form.reason.data or "", settings,
                                                 invitations.reopened_composer(current_app.config),
                                                 current_user.principal.person_id)
        except rounds.RoundError as exc:
            refuse(form, str(exc), "reason")
        else:
            problem = mail.problem(session, settings, batch)
            if problem:
                flash(f"The return is reopened, but {problem}.", "info")
            else:
                flash(f"{possessive(ret.agency.name)} return is reopened and its people are being emailed.", "success")
            return redirect(url_for("manager.dashboard", round_id=ret.round_id))
    return render_template("manager/reopen.html", ret=ret, form=form), (400 if form.errors else 200)


@bp.route("/rounds/<int:round_id>/audit")
def round_audit(round_id: int) -> str:
    """Everything recorded about a round and its returns."""
    found = _round(round_id)
    return render_template("manager/audit.html", round=found, ret=None,
                           lines=audit_log.audit_log(db.session(), found.id))


@bp.route("/rounds/<int:round_id>/emails")
def round_emails(round_id: int) -> str:
    """Every email about a round: to whom, what, and whether it was sent, is waiting, or failed and why."""
    found = _round(round_id)
    return render_template("manager/emails.html", round=found, emails=mail.of_round(db.session(), found.id),
                           status=mail.status(db.session(), found.id))


@bp.route("/returns/<int:return_id>/audit")
def return_audit(return_id: int) -> str:
    """Everything recorded about one return: who changed what, when, from what to what."""
    ret = _return(return_id)
    return render_template("manager/audit.html", round=ret.round, ret=ret,
                           lines=audit_log.audit_log(db.session(), ret.round_id, ret.id))


@bp.route("/returns/<int:return_id>/extend", methods=["GET", "POST"])
def extend(return_id: int) -> Any:
    """Give one agency more time."""
    from survey.web.manager.forms import ExtensionForm

    ret = _return(return_id)
    form = ExtensionForm()
    if request.method == "GET":
        form.deadline.process(None, ret.deadline_extended_to or ret.round.deadline)
    if request.method == "GET":
        form.reason.data = ret.extension_reason
    if form.validate_on_submit():
        settings = mail.SmtpSettings.from_config(current_app.config)
        try:
            batch = return_changes.extend_deadline(db.session(), ret, form.deadline.data, form.reason.data or "",
                                                   settings, invitations.extension_composer(current_app.config),
                                                   current_user.principal.person_id)
        except rounds.RoundError as exc:
            form.deadline.errors = [*form.deadline.errors, str(exc)]
        else:
            told = f" {mail.summary(db.session(), settings, batch, 'emails to its people')}" if batch else ""
            flash(f"{ret.agency.name} now has until {form.deadline.data.strftime('%-d %B %Y')}.{told}", "success")
            return redirect(url_for("manager.dashboard", round_id=ret.round_id))
    return render_template("manager/extend.html", ret=ret, form=form), (400 if form.errors else 200)


@bp.route("/joint/<int:joint_id>", methods=["GET", "POST"])
def joint_proposal(joint_id: int) -> Any:
    """A request to run another partnership's round jointly: agree (choosing agencies) or decline."""
    from survey.services import joint_rounds
    from survey.services.definitions import questionnaire_of

    session = db.session()
    joint = joint_rounds.proposal_for(session, joint_id, current_user.principal.manager_partnerships)
    if joint is None:
        abort(404)
    form = JointForm()
    chosen = form.agencies.data or []
    error = None
    if form.validate_on_submit():
        by = current_user.principal.person_id
        try:
            if form.decision.data == "decline":
                joint_rounds.decline(session, joint, by)
                flash(f"You have declined to run {joint.round.title} jointly.", "success")
                return redirect(url_for("manager.home"))
            ids = [int(a) for a in chosen if a.isdigit() and len(a) < 10]
            settings = mail.SmtpSettings.from_config(current_app.config)
            batch = joint_rounds.accept(session, joint, ids, by, settings,
                                        invitations.composer(session, current_app.config))
        except rounds.RoundError as exc:
            error = exc
        else:
            told = f" {mail.summary(session, settings, batch, 'invitations')}" if batch else ""
            flash(f"{joint.partnership.name} now runs {joint.round.title} jointly.{told}", "success")
            return redirect(url_for("manager.dashboard", round_id=joint.round_id))
    return render_template("manager/joint_proposal.html", joint=joint, error=error, chosen=chosen,
                           offered=joint_rounds.agencies_to_offer(session, joint),
                           questionnaire=questionnaire_of(joint.round.definition_version)), (400 if error else 200)
