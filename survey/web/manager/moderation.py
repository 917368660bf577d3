"""Board manager pages for moderating and challenging submitted returns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from survey.extensions import db
from survey.models import Challenge
from survey.services import action_plans, invitations, mail, moderation
from survey.services.definitions import questionnaire_of
from survey.text import file_name, possessive
from survey.web.forms import ChallengeActionForm, ReplyForm, refuse
from survey.web.manager.forms import ChallengeForm, ModerationForm
from survey.web.manager.views import _return, _round, bp


def _page(ret: Any, errors: dict[str, tuple[str, str]] | None = None, status: int = 200,
          posted: dict[str, str] | None = None) -> Any:
    views = moderation.statements_of(db.session(), ret)
    return render_template("manager/moderate.html", ret=ret, q=questionnaire_of(ret.round.definition_version),
                           views=views, errors=errors or {}, form=posted or {}), status


@bp.route("/returns/<int:return_id>/moderate")
def moderate(return_id: int) -> Any:
    """A submitted return statement by statement: the agency's answer, the board's rating, challenges."""
    return _page(_return(return_id))


@bp.route("/returns/<int:return_id>/moderate/<statement_id>", methods=["POST"])
def moderate_statement(return_id: int, statement_id: str) -> Any:
    """Set or clear the moderated rating of one statement."""
    ret = _return(return_id)
    form = ModerationForm()
    rating, note = form.rating.data or "", form.note.data or ""
    try:
        moderation.set_moderation(db.session(), ret, statement_id, rating, note, current_user.principal.person_id)
    except moderation.ModerationError as exc:
        return _page(ret, {statement_id: (exc.field or "rating", str(exc))}, 400, {"rating": rating, "note": note})
    flash(f"Moderation of {statement_id} saved.", "success")
    return redirect(url_for("manager.moderate", return_id=return_id) + f"#statement-{statement_id}")


@bp.route("/returns/<int:return_id>/challenges", methods=["POST"])
def raise_challenge(return_id: int) -> Any:
    """Put a question to the agency about one statement; its lead is emailed."""
    ret = _return(return_id)
    form = ChallengeForm()
    statement_id, question = form.statement_id.data or "", form.question.data or ""
    try:
        challenge, warning = moderation.raise_challenge(
            db.session(), ret, statement_id, question, current_user.principal.person_id,
            mail.SmtpSettings.from_config(current_app.config), invitations.challenge_composer(current_app.config))
    except moderation.ModerationError as exc:
        return _page(ret, {statement_id: ("question", str(exc))}, 400, {"question": question})
    text = questionnaire_of(ret.round.definition_version).statement_text(statement_id)
    flash(warning or f"Challenge raised on “{text}”; {possessive(ret.agency.name)} lead has been emailed.",
          "info" if warning else "success")
    return redirect(url_for("manager.challenge", challenge_id=challenge.id))


def _challenge(challenge_id: int) -> Challenge:
    found = db.session.get(Challenge, challenge_id)
    if found is None or not found.return_.round.run_by(current_user.principal.manager_partnerships):
        abort(404)
    return found


@bp.route("/challenges/<int:challenge_id>", methods=["GET", "POST"])
def challenge(challenge_id: int) -> Any:
    """A challenge's thread; the board follows up or closes it."""
    found = _challenge(challenge_id)
    form = ReplyForm()
    if form.validate_on_submit():
        session = db.session()
        try:
            if form.action.data == "close":
                moderation.close_challenge(session, found, current_user.principal.person_id)
                flash("The challenge is closed. Its thread is kept.", "success")
            else:
                warning = moderation.reply(session, found, form.body.data or "",
                                           current_user.principal.person_id, True,
                                           mail.SmtpSettings.from_config(current_app.config),
                                           invitations.challenge_composer(current_app.config))
                flash(warning or "Follow-up sent; the agency's lead has been emailed.",
                      "info" if warning else "success")
        except moderation.ModerationError as exc:
            refuse(form, str(exc), "body")
        else:
            return redirect(url_for("manager.challenge", challenge_id=challenge_id))
    return _thread(found, form, ChallengeActionForm(formdata=None))


def _thread(found: Challenge, form: ReplyForm, action_form: ChallengeActionForm) -> Any:
    return render_template("challenges/thread.html", challenge=found, ret=found.return_, viewer="manager",
                           form=form, action_form=action_form), (400 if form.errors or action_form.errors else 200)


@bp.route("/rounds/<int:round_id>/challenges")
def round_challenges(round_id: int) -> str:
    """Every challenge of a round by agency."""
    found = _round(round_id)
    return render_template("manager/challenges.html", round=found,
                           challenges=moderation.challenges_of_round(db.session(), found.id))


@bp.route("/challenges/<int:challenge_id>/action", methods=["POST"])
def challenge_action(challenge_id: int) -> Any:
    """Agree an action with the agency after a challenge; it joins the agency's action plan."""
    found = _challenge(challenge_id)
    form = ChallengeActionForm()
    if form.validate_on_submit():
        try:
            action_plans.add_challenge_action(db.session(), found, form.what.data or "", form.who.data or "",
                                              form.due_on.data, current_user.principal.person_id, dt.date.today())
        except action_plans.ActionPlanError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash(f"The action has been added to {possessive(found.return_.agency.name)} action plan.", "success")
            return redirect(url_for("manager.challenge", challenge_id=challenge_id))
    return _thread(found, ReplyForm(formdata=None), form)


@bp.route("/rounds/<int:round_id>/actions")
def round_actions(round_id: int) -> str:
    """Every agency's actions in a round, overdue first."""
    found = _round(round_id)
    return render_template("manager/actions.html", round=found, today=dt.date.today(),
                           actions=action_plans.round_actions(db.session(), found.id))


@bp.route("/returns/<int:return_id>/report")
@bp.route("/returns/<int:return_id>/report.pdf", endpoint="report_pdf", defaults={"pdf": True})
def report(return_id: int, pdf: bool = False) -> Any:
    """An agency's report on the round (print view or PDF), as the agency sees it."""
    from survey.web.reports import report_response

    ret = _return(return_id)
    return report_response(ret, url_for("manager.dashboard", round_id=ret.round_id),
                           url_for("manager.report_pdf", return_id=return_id), pdf)


@bp.route("/rounds/<int:round_id>/challenges.csv")
def round_challenges_csv(round_id: int) -> Any:
    """Every challenge of a round with its whole thread, one row per message."""
    import csv
    import io

    from flask import Response

    from survey.web.manager.views import _cell

    found = _round(round_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["challenge", "agency", "statement", "status", "message", "from", "written by", "at", "text"])
    for c in moderation.challenges_of_round(db.session(), found.id):
        for number, m in enumerate(c.messages, start=1):
            writer.writerow([c.id, _cell(c.return_.agency.name), c.statement_id, c.state.value, number,
                             "board" if m.from_board else "agency", _cell(m.person.name if m.person else ""),
                             m.created_at.isoformat(timespec="minutes"), _cell(m.body)])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{file_name(found.title, "challenges", ext="csv")}"'})


@bp.route("/returns/<int:return_id>/workbook.xlsx")
def return_workbook(return_id: int) -> Any:
    """An agency's return as an Excel workbook (to send to the agency or complete on its behalf)."""
    from survey.web.offline import send_workbook

    return send_workbook(_return(return_id))


@bp.route("/returns/<int:return_id>/import", methods=["GET", "POST"])
def import_workbook(return_id: int) -> Any:
    """Upload an agency's completed workbook into its return."""
    from survey.services import returns
    from survey.web.offline import import_page

    ret = _return(return_id)
    back = url_for("manager.dashboard", round_id=ret.round_id)
    if not returns.is_editable(ret):
        flash(f"{possessive(ret.agency.name)} return cannot be changed now, so a workbook cannot be uploaded "
              "into it.", "info")
        return redirect(back)
    return import_page(ret, back, back)
