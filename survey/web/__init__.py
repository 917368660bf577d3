"""Blueprints, one per kind of user, and the error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the error handlers."""
    from survey.definitions import format_value
    from survey.web.agency.views import bp as agency_bp
    from survey.web.auth.views import bp as auth_bp
    from survey.web.main.views import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(agency_bp)

    @app.template_filter("rating")
    def rating_label(value: float, questionnaire: Any) -> str:
        """A rating as "3 – Good", or "2.5" for a half point."""
        label = questionnaire.scale.label_for(value)
        shown = format_value(value)
        return label if label == shown else f"{shown} – {label}"

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        """A GOV.UK error page for 400, 403, 404, 405, 413 and the rest."""
        return render_template("errors/error.html", error=exc), exc.code or 500

    @app.context_processor
    def service() -> dict[str, Any]:
        return {"serviceName": app.config["SERVICE_NAME"], "serviceUrl": "/"}
