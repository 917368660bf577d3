"""Blueprints, one per kind of user, and the error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the error handlers."""
    from survey.web.main.views import bp as main_bp

    app.register_blueprint(main_bp)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        """A GOV.UK error page for 400, 403, 404, 405, 413 and the rest."""
        return render_template("errors/error.html", error=exc), exc.code or 500

    @app.context_processor
    def service() -> dict[str, Any]:
        return {"serviceName": app.config["SERVICE_NAME"], "serviceUrl": "/"}
