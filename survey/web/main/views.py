"""Public pages: the start page, questionnaire previews and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template
from sqlalchemy import text

from survey.extensions import db
from survey.services import demo

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> str:
    """The start page: what the service is for and the questionnaires it runs."""
    catalogue = current_app.extensions["survey_catalogue"]
    return render_template("main/home.html", questionnaires=list(catalogue),
                           demo_about=demo.ABOUT if demo.loaded(db.session()) else "")


@bp.route("/questionnaires/<questionnaire_id>")
def questionnaire(questionnaire_id: str) -> str:
    """A read-only preview of a questionnaire's sections, duties and statements."""
    found = current_app.extensions["survey_catalogue"].get(questionnaire_id)
    if found is None:
        abort(404)
    return render_template("main/questionnaire.html", q=found)


@bp.route("/accessibility")
def accessibility() -> str:
    """The accessibility statement."""
    return render_template("main/accessibility.html")


@bp.route("/livez")
def live() -> Any:
    """Liveness: the process answers (no database involved)."""
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.route("/healthz")
def health() -> Any:
    """Liveness and database check for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")
