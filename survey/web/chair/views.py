"""Chair pages: the rounds of the chair's partnerships and their collated results, once published or closed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from survey.extensions import db, login_manager
from survey.models import Round, RoundState
from survey.services import grading as grading_service
from survey.services import results as results_service
from survey.services import round_history
from survey.web.auth.session import second_factor_first

bp = Blueprint("chair", __name__, url_prefix="/chair")


@bp.before_request
def require_chair() -> Any:
    """Only chairs use these pages."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.principal.is_chair:
        abort(403)
    return second_factor_first()


def _round(round_id: int) -> Round:
    found = db.session.get(Round, round_id)
    if (found is None or not found.run_by(current_user.principal.chair_partnerships)
            or not results_service.can_see(found, "chair")):
        abort(404)
    return found


@bp.route("/")
def home() -> str:
    """Rounds whose results the chair can see: closed, or published by the manager."""
    rounds = db.session.scalars(select(Round).where(
        Round.run_by_any(current_user.principal.chair_partnerships),
        or_(Round.state == RoundState.CLOSED, Round.published_at.is_not(None))).order_by(Round.opens_on.desc())).all()
    import datetime as dt

    from survey.services import attention

    todo = attention.for_partnerships(db.session(), frozenset(current_user.principal.chair_partnerships),
                                      dt.date.today(), board_only=True)
    visible = {r.id for r in rounds}
    return render_template("chair/home.html", rounds=rounds, attention=[a for a in todo if a.round_id in visible])


@bp.route("/rounds/<int:round_id>/results")
def results(round_id: int) -> str:
    """The collated results: figures, distributions and anonymised commentary; never who said what."""
    found = _round(round_id)
    from survey.web.development_pages import carried_context

    collated = results_service.results_for(db.session(), found, request.args.get("ratings") == "moderated",
                                           viewer="chair")
    return render_template("results/results.html", results=collated,
                           trend=round_history.trend_for(db.session(), collated),
                           **carried_context(found),
                           viewer="chair", back=url_for("chair.home"))


@bp.route("/rounds/<int:round_id>/workbook.xlsx")
def board_workbook(round_id: int) -> Any:
    """The board workbook as a download."""
    from survey.web.downloads import send_board_workbook

    return send_board_workbook(_round(round_id), request.args.get("ratings") == "moderated", viewer="chair")


@bp.route("/rounds/<int:round_id>/board-paper.pdf")
def board_paper(round_id: int) -> Any:
    """The board paper as a PDF download, from what the chair may see."""
    from survey.web.downloads import send_board_paper

    return send_board_paper(_round(round_id), request.args.get("ratings") == "moderated", viewer="chair")


@bp.route("/rounds/<int:round_id>/grading")
def grading(round_id: int) -> str:
    """Per-agency means, only for questionnaires whose results are not anonymous."""
    from survey.services.definitions import questionnaire_of

    found = _round(round_id)
    questionnaire = questionnaire_of(found.definition_version)
    if questionnaire.anonymous_results:
        abort(404)
    grades, sort = grading_service.sorted_grades(grading_service.grading(db.session(), found), questionnaire,
                                                 request.args.get("sort", "overall"))
    return render_template("manager/grading.html", round=found, grades=grades, questionnaire=questionnaire,
                           sort=sort, back=url_for("chair.results", round_id=round_id), csv_url=None)


@bp.route("/rounds/<int:round_id>/areas")
def areas(round_id: int) -> str:
    """The round's areas for development and their actions, with the rules' suggestions."""
    from survey.web.development_pages import areas_page

    return areas_page(_round(round_id), "chair")


@bp.route("/rounds/<int:round_id>/areas/new", methods=["GET", "POST"])
def new_area(round_id: int) -> Any:
    """Agree an area for development."""
    from survey.web.development_pages import area_form

    return area_form(_round(round_id), None, "chair.areas")


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
def change_area(area_id: int) -> Any:
    """Change an agreed area."""
    from survey.web.development_pages import area_form, area_in

    area = area_in(area_id, current_user.principal.chair_partnerships)
    return area_form(_round(area.round_id), area, "chair.areas")


@bp.route("/areas/<int:area_id>/actions/new", methods=["GET", "POST"])
def new_action(area_id: int) -> Any:
    """Add an action to an area."""
    from survey.web.development_pages import action_form, area_in

    return action_form(area_in(area_id, current_user.principal.chair_partnerships), None, "chair.areas")


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
def change_action(action_id: int) -> Any:
    """Change an action: its status, owner or due date."""
    from survey.web.development_pages import action_form, action_in

    action = action_in(action_id, current_user.principal.chair_partnerships)
    return action_form(action.area, action, "chair.areas")


@bp.route("/actions/<int:action_id>/progress", methods=["GET", "POST"])
def action_progress(action_id: int) -> Any:
    """An action's history over the years: notes of progress with evidence, and its colour."""
    from survey.web.development_pages import action_in, progress_page

    return progress_page(action_in(action_id, current_user.principal.chair_partnerships), "chair")
