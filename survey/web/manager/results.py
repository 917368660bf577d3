"""Board manager pages for a round's results: collated figures, publishing, the workbook, grading by agency,
areas for development and their actions, and the review of partner commentary."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from survey.exports.cells import csv_cell
from survey.extensions import db
from survey.scoring import Level
from survey.services import commentary as review
from survey.services import grading as grading_service
from survey.services import publication_withdrawal, round_history
from survey.services import results as results_service
from survey.services.definitions import questionnaire_of
from survey.text import file_name
from survey.web.development_pages import (
    action_form,
    action_in,
    area_in,
    areas_page,
    carried_context,
    progress_page,
)
from survey.web.downloads import send_board_paper, send_board_workbook
from survey.web.forms import PublishForm, ReasonForm, refuse
from survey.web.manager.forms import commentary_review_form
from survey.web.manager.views import _round, bp


@bp.route("/rounds/<int:round_id>/results")
def results(round_id: int) -> str:
    """The collated results, interim while the round is open."""
    found = _round(round_id)
    if not results_service.can_see(found, "manager"):
        abort(404)
    collated = results_service.results_for(db.session(), found, request.args.get("ratings") == "moderated")
    return render_template("results/results.html", results=collated,
                           trend=round_history.trend_for(db.session(), collated),
                           **carried_context(found), publishing=results_service.publish_state(db.session(), found),
                           withdrawable=publication_withdrawal.withdrawable(db.session(), found),
                           viewer="manager", back=url_for("manager.dashboard", round_id=round_id))


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
def publish(round_id: int) -> Any:
    """Let the chair see the results before the round closes."""
    found = _round(round_id)
    if found.state.value == "draft":
        abort(404)
    form = PublishForm()
    try:
        results_service.publish(db.session(), found, current_user.principal.person_id, form.risk_reason.data or "")
    except results_service.PublishError as exc:
        flash(f"{exc}.", "info")
    else:
        flash("The results are published: the chair sees them as they are now, until you publish again.",
              "success")
    return redirect(url_for("manager.results", round_id=round_id))


@bp.route("/rounds/<int:round_id>/withdraw", methods=["POST"])
def withdraw_publication(round_id: int) -> Any:
    """Take the chair's current publication of an open round away, with a reason."""
    found = _round(round_id)
    form = ReasonForm()
    try:
        publication_withdrawal.withdraw(db.session(), found, form.reason.data or "", current_user.principal.person_id)
    except results_service.PublishError as exc:
        flash(f"{exc}.", "info")
    else:
        flash("The publication is withdrawn: the chair no longer sees it.", "success")
    return redirect(url_for("manager.results", round_id=round_id))


@bp.route("/rounds/<int:round_id>/workbook.xlsx")
def board_workbook(round_id: int) -> Any:
    """The board workbook as a download."""
    found = _round(round_id)
    if found.state.value == "draft":
        abort(404)
    return send_board_workbook(found, request.args.get("ratings") == "moderated")


@bp.route("/rounds/<int:round_id>/board-paper.pdf")
def board_paper(round_id: int) -> Any:
    """The board paper as a PDF download."""
    found = _round(round_id)
    if found.state.value == "draft":
        abort(404)
    return send_board_paper(found, request.args.get("ratings") == "moderated")


@bp.route("/rounds/<int:round_id>/grading")
def grading(round_id: int) -> str:
    """Each submitted return's means by duty and section, sortable, with statements below the threshold."""
    found = _round(round_id)
    questionnaire = questionnaire_of(found.definition_version)
    grades, sort = grading_service.sorted_grades(grading_service.grading(db.session(), found), questionnaire,
                                                 request.args.get("sort", "overall"))
    return render_template("manager/grading.html", round=found, grades=grades, questionnaire=questionnaire,
                           sort=sort, back=url_for("manager.results", round_id=round_id),
                           csv_url=url_for("manager.grading_csv", round_id=round_id))


@bp.route("/rounds/<int:round_id>/grading.csv")
def grading_csv(round_id: int) -> Response:
    """The grading as CSV: one row per return, a column per section and duty mean."""
    found = _round(round_id)
    questionnaire = questionnaire_of(found.definition_version)
    grades = grading_service.grading(db.session(), found)
    columns: list[tuple[Level, str]] = ([("section", s.id) for s in questionnaire.sections]
                                        + [("duty", d.id) for _, d in questionnaire.duties()])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    graded = bool(questionnaire.grades)
    writer.writerow(["agency", "overall mean", *(["grade"] if graded else []),
                     *[f"{level} {ident}" for level, ident in columns], "statements below the threshold"])
    for g in sorted(grades, key=lambda g: g.agency.lower()):
        writer.writerow([csv_cell(g.agency), g.overall.mean_label, *([csv_cell(g.grade)] if graded else []),
                         *[g.groups[c].mean_label for c in columns],
                         " ".join(f"{sid}={value:g}" for sid, value in g.below)])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{file_name(found.title, "by agency", ext="csv")}"'})


@bp.route("/rounds/<int:round_id>/areas")
def areas(round_id: int) -> str:
    """The round's areas for development (agreed by the chair) and their actions."""
    found = _round(round_id)
    if found.state.value == "draft":
        abort(404)
    return areas_page(found, "manager")


@bp.route("/areas/<int:area_id>/actions/new", methods=["GET", "POST"])
def new_action(area_id: int) -> Any:
    """Add an action to an area for development."""
    return action_form(area_in(area_id, current_user.principal.manager_partnerships), None, "manager.areas")


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
def change_action(action_id: int) -> Any:
    """Update an action's status, owner or due date."""
    action = action_in(action_id, current_user.principal.manager_partnerships)
    return action_form(action.area, action, "manager.areas")


@bp.route("/actions/<int:action_id>/progress", methods=["GET", "POST"])
def action_progress(action_id: int) -> Any:
    """An action's history over the years: notes of progress with evidence, and its colour."""
    return progress_page(action_in(action_id, current_user.principal.manager_partnerships), "manager")


@bp.route("/rounds/<int:round_id>/commentary", methods=["GET", "POST"])
def commentary(round_id: int) -> Any:
    """Review partner commentary before the chair reads it: accept or edit the suggested redactions, hide a
    comment, choose examples."""
    found = _round(round_id)
    if found.state.value == "draft":
        abort(404)
    items = review.items(db.session(), found)
    form = commentary_review_form(items)
    error = None
    if form.validate_on_submit():
        choices = {answer_id: review.Choice(shown, hidden=hidden, example=example)
                   for answer_id, (shown, hidden, example) in form.decided().items()}
        try:
            changed = review.save(db.session(), found, choices, current_user.principal.person_id)
        except review.ReviewError as exc:
            error = exc
            refuse(form, str(exc), f"text-{exc.answer_id}")
        else:
            flash(f"The review is saved: {changed} comment{'s' if changed != 1 else ''} changed." if changed
                  else "Nothing was changed.", "success")
            return redirect(url_for("manager.commentary", round_id=round_id))
    return render_template("manager/commentary.html", round=found, items=items, form=form,
                           error=error), (400 if error else 200)
