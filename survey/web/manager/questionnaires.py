"""A board's own questionnaires, for its managers and the administrator: upload a YAML file or a spreadsheet, see
every problem with its line or cell, preview the form as an agency will see it, then publish it for new rounds."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from survey.extensions import db, login_manager
from survey.models import BoardQuestionnaire, Partnership
from survey.services import board_questionnaires as library
from survey.services.definitions import questionnaire_of
from survey.web.agency.forms import rating_choices
from survey.web.auth.session import second_factor_first
from survey.web.manager.forms import QuestionnaireUploadForm
from survey.web.uploads import posted_file

bp = Blueprint("questionnaires", __name__, url_prefix="/manager/questionnaires")


@bp.before_request
def require_manager_or_admin() -> Any:
    """Board managers (for their own boards) and administrators (for any board)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not (current_user.principal.is_manager or current_user.principal.admin):
        abort(403)
    return second_factor_first()


def _partnerships() -> list[Partnership]:
    query = select(Partnership).order_by(Partnership.name)
    if not current_user.principal.admin:
        query = query.where(Partnership.id.in_(current_user.principal.manager_partnerships))
    return list(db.session.scalars(query))


def _mine(board_questionnaire_id: int) -> BoardQuestionnaire:
    found = library.find(db.session(), {p.id for p in _partnerships()}, board_questionnaire_id)
    if found is None:
        abort(404)
    return found


@bp.route("/", methods=["GET", "POST"])
def upload() -> Any:
    """The boards' questionnaires, and the form that uploads one (every problem listed; nothing saved then)."""
    session = db.session()
    partnerships = _partnerships()
    if not partnerships:
        abort(404)  # an administrator before any partnership exists
    form = QuestionnaireUploadForm()
    wanted = form.partnership.data if request.method == "POST" else request.args.get("partnership", "")
    chosen = next((p for p in partnerships if str(p.id) == wanted), partnerships[0])
    title = (form.title.data or "")[:400]
    problems: list[str] = []
    if request.method == "POST":
        name, data, problem = posted_file(library.MAX_BYTES, "questionnaire",
                                          "Choose a YAML definition or a spreadsheet to upload")
        if problem:
            problems = [problem]
        else:
            try:
                draft = library.upload(session, chosen.id, name, data, title,
                                       current_app.extensions["survey_catalogue"], current_user.principal.person_id)
            except library.UploadRefused as exc:
                problems = exc.problems
            else:
                return redirect(url_for("questionnaires.preview", board_questionnaire_id=draft.id))
    rows = library.of_boards(session, [p.id for p in partnerships])
    names = {p.id: p.name for p in partnerships}
    return render_template("manager/questionnaires.html", rows=rows, names=names, partnerships=partnerships,
                           chosen=chosen, title=title, problems=problems,
                           questionnaire_of=questionnaire_of), 400 if problems else 200


@bp.route("/<int:board_questionnaire_id>")
def preview(board_questionnaire_id: int) -> str:
    """The questionnaire as an agency will answer it, with what it is and who may use it."""
    found = _mine(board_questionnaire_id)
    q = questionnaire_of(found.definition_version)
    return render_template("manager/questionnaire_preview.html", found=found, q=q, choices=rating_choices(q),
                           board=db.session.get(Partnership, found.partnership_id))


@bp.route("/<int:board_questionnaire_id>/publish", methods=["POST"])
def publish(board_questionnaire_id: int) -> Any:
    """Offer the questionnaire for the board's new rounds."""
    found = _mine(board_questionnaire_id)
    library.publish(db.session(), found, current_user.principal.person_id)
    q = questionnaire_of(found.definition_version)
    flash(f"{q.title} (version {q.version}) is published: choose it when you create a round.", "success")
    return redirect(url_for("questionnaires.preview", board_questionnaire_id=found.id))


@bp.route("/<int:board_questionnaire_id>/discard", methods=["POST"])
def discard(board_questionnaire_id: int) -> Any:
    """Throw a draft away."""
    found = _mine(board_questionnaire_id)
    try:
        library.discard(db.session(), found, current_user.principal.person_id)
    except library.NotADraft as exc:
        flash(str(exc), "info")
        return redirect(url_for("questionnaires.preview", board_questionnaire_id=board_questionnaire_id))
    flash("The draft has been discarded.", "success")
    return redirect(url_for("questionnaires.upload"))
