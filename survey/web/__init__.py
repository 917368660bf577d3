"""Blueprints, one per kind of user, and the error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, SecurityError

from survey.text import without_bidi


def _shown(value: Any) -> Any:
    """A template value as shown: strings without bidirectional overrides (Markup stays Markup: its translate
    returns Markup, and taking characters out cannot make markup)."""
    return without_bidi(value) if isinstance(value, str) else value


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the error handlers."""
    from survey.definitions import rating_label
    from survey.services.definitions import questionnaire_of
    from survey.text import plural, possessive
    from survey.timezone import london
    from survey.web.admin import sign_in_settings as _sign_in_settings  # noqa: F401 - adds its page to the admin blueprint
    from survey.web.admin.views import bp as admin_bp
    from survey.web.agency import carry as _carry  # noqa: F401 - adds "start from your last return" to the agency blueprint
    from survey.web.agency import evidence_files as _evidence_files  # noqa: F401 - adds its pages to the agency blueprint
    from survey.web.agency import follow_up as _follow_up  # noqa: F401 - adds its pages to the agency blueprint
    from survey.web.agency import ready as _ready  # noqa: F401 - adds "tell the lead it is ready" to the agency blueprint
    from survey.web.agency import sharing as _sharing  # noqa: F401 - adds "your other boards" to the agency blueprint
    from survey.web.agency.views import bp as agency_bp
    from survey.web.auth import account as _account  # noqa: F401 - adds "Your account" to the auth blueprint
    from survey.web.auth import second_factor as _second_factor  # noqa: F401 - adds the code step and set-up
    from survey.web.auth import sso as _sso  # noqa: F401 - adds single sign-on to the auth blueprint
    from survey.web.auth.views import bp as auth_bp
    from survey.web.chair.views import bp as chair_bp
    from survey.web.main.views import bp as main_bp
    from survey.web.manager import board_emails as _board_emails  # noqa: F401 - adds its pages to the manager blueprint
    from survey.web.manager import directory as _directory  # noqa: F401 - adds its pages to the manager blueprint
    from survey.web.manager import moderation as _moderation  # noqa: F401 - adds its pages to the manager blueprint
    from survey.web.manager import results as _results  # noqa: F401 - adds its pages to the manager blueprint
    from survey.web.manager.questionnaires import bp as questionnaires_bp
    from survey.web.manager.views import bp as manager_bp

    # Every value a template shows loses any bidirectional override: input no longer takes them, but text stored
    # earlier (or written straight to the database) must not reorder what a moderator reads.
    app.jinja_env.finalize = _shown

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(agency_bp)
    app.register_blueprint(manager_bp)
    app.register_blueprint(questionnaires_bp)
    app.register_blueprint(chair_bp)
    app.register_blueprint(admin_bp)

    from survey.web import charts, dates

    app.add_template_global(dates.example, "example_date")
    app.add_template_filter(possessive, "possessive")
    app.add_template_filter(plural, "plural")
    app.add_template_filter(london, "london")

    @app.template_global("statement_text")
    def statement_text(round_: Any, statement_id: str) -> str:
        """A statement's text as the round's questionnaire words it (pages never show its internal id)."""
        return questionnaire_of(round_.definition_version).statement_text(statement_id)

    app.add_template_global(charts.distribution, "distribution")
    app.add_template_global(charts.heat_class, "heat_class")
    app.add_template_global(charts.nearest_label, "nearest_label")
    app.add_template_global(charts.trend_chart, "trend_chart")

    @app.template_filter("rating")
    def rating(value: float, questionnaire: Any) -> str:
        """A rating as "3 – Good", or "2.5" for a half point."""
        return rating_label(value, questionnaire.scale)

    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    @app.errorhandler(DBAPIError)
    def database_unavailable(exc: DBAPIError) -> Any:
        """The database cannot be reached: a 503 page that gives back whatever the person typed."""
        from flask import g, request
        from werkzeug.exceptions import InternalServerError

        from survey.extensions import db, login_manager

        try:
            db.session.remove()  # ends the failed transaction; the page below reads nothing more
        except Exception:  # noqa: BLE001, S110 - the connection is already gone
            pass
        if not (isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated):
            # The database answered and refused the query: a fault of ours, not an outage. Say so (500) and log
            # it as one, so that monitoring never reads a bug as the database being down.
            app.logger.error("database refused a query", exc_info=exc)
            return render_template("errors/error.html", error=InternalServerError()), 500
        # Render without touching the database again: no session, and an anonymous user for the page chrome.
        g._login_user = login_manager.anonymous_user()
        app.logger.error("database unavailable: %s", type(exc).__name__)
        typed: list[tuple[str, str]] = []
        if request.method == "POST":
            for key, values in request.form.lists():
                if key.startswith(("commentary-", "notes-", "links-", "what-", "who-")) or key in ("name", "role"):
                    typed.extend((key, v) for v in values if v.strip())
        return render_template("errors/unavailable.html", typed=typed), 503, {"Retry-After": "30"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        """A GOV.UK error page for 400, 403, 404, 405, 413 and the rest."""
        if isinstance(exc, SecurityError):
            # A Host the app does not serve: no page of ours (its links would name that host) and no database.
            return "This address is not served here.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
        return render_template("errors/error.html", error=exc), exc.code or 500

    @app.context_processor
    def service() -> dict[str, Any]:
        return {"serviceName": app.config["SERVICE_NAME"], "serviceUrl": "/"}
