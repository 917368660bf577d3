"""The app factory: configuration, extensions, Jinja loaders, assets and blueprints."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from survey.config import ROOT, ConfigurationError, check_environment, check_settings, defaults, known_settings, typed
from survey.extensions import csrf, db, limiter

__all__ = ["ConfigurationError", "build_app"]


def build_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then the environment, then the test dict; bind extensions; register blueprints."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(ROOT / "templates"))
    from survey.web.hygiene import init_hygiene

    init_hygiene(app)
    settings = defaults(app.instance_path)
    app.config.from_mapping(settings)
    check_environment(known_settings(app.instance_path))
    # Each SURVEY_* variable as the type of its setting's default. Not Flask's from_prefixed_env: it reads every
    # value as JSON, so a password or secret made of digits would become a number.
    for name in known_settings(app.instance_path):
        if f"SURVEY_{name}" in os.environ:
            app.config[name] = typed(name, os.environ[f"SURVEY_{name}"], settings.get(name))
    if test_config:
        app.config.from_mapping(test_config)
    _check_production(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from survey.services.catalogue import load_catalogue

    app.extensions["survey_catalogue"] = load_catalogue(app.config["QUESTIONNAIRES_DIR"])

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    from govuk_frontend_wtf.main import WTFormsHelpers

    WTFormsHelpers(app)
    db.init_app(app)
    csrf.init_app(app)
    import survey.services.throttle  # noqa: F401 - registers the survey-db:// storage scheme

    limiter.init_app(app)
    if int(app.config.get("PROXY_COUNT", 0)):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a reverse proxy, trust its X-Forwarded-* headers (and only as many hops as configured).
        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    from survey.web.auth.session import init_login

    init_login(app)
    from survey.web.auth.sso_setup import init_sso

    init_sso(app)
    from survey.web.page_cache import init_page_cache

    init_page_cache(app)

    # GOV.UK Frontend's CSS and JS sit in dist/govuk, its fonts and images in dist/govuk/assets; the CSS asks
    # for all of them under /assets.
    assets = Path(app.config["ASSETS_DIR"])

    @app.route("/assets/<path:filename>")
    def assets_file(filename: str) -> Any:
        """GOV.UK Frontend's CSS, JS, fonts and images, served locally."""
        folder = assets / "assets" if filename.startswith(("fonts/", "images/", "manifest.json")) else assets
        return send_from_directory(folder, filename, max_age=86400)

    from survey.web import register_blueprints
    from survey.web.security import init_security

    init_security(app)

    register_blueprints(app)

    @app.after_request
    def _end_transaction(response: Any) -> Any:
        # Registered last, so it runs before the other after-request work: what the view did is committed by
        # its unit of work or was never meant to be kept, and ending the transaction now releases SQLite's
        # write lock before the rate limiter records a refused sign-in on a connection of its own.
        db.session.remove()
        return response

    return app


def _check_production(app: Flask) -> None:
    check_settings(app.config)
    if app.config["ENV"] != "production":
        return
    app.config["SESSION_COOKIE_SECURE"] = True
    # The __Host- prefix makes browsers refuse the cookie unless it is secure, for this host only, on path /.
    app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    app.config["SESSION_COOKIE_DOMAIN"] = None
    app.config["SESSION_COOKIE_PATH"] = "/"
    # Requests naming any other host are refused (400) before a view runs: links in emails come from
    # SURVEY_BASE_URL anyway, and nothing should be served under a name an attacker chose.
    trusted = app.config.get("TRUSTED_HOSTS") or []
    if isinstance(trusted, str):
        trusted = [host.strip() for host in trusted.split(",") if host.strip()]
    app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["BASE_URL"]).hostname, *trusted]


def settle_after_crash(app: Flask) -> None:
    """Finish the uploads a crash left between commit and rename and delete those that never committed.

    Run once as the server starts, before any worker can be storing a file (`survey serve` and
    deploy/gunicorn.conf.py do)."""
    import logging

    from sqlalchemy.exc import SQLAlchemyError

    from survey.services import evidence

    log = logging.getLogger("survey.evidence")
    with app.app_context():
        try:
            settled = evidence.settle(db.session(), app.config["EVIDENCE_DIR"])
        except SQLAlchemyError as exc:
            # The server still starts (and answers 503 until the database is back); the next start settles.
            log.warning("evidence folder not settled: the database is unavailable (%s)", type(exc).__name__)
            return
        finally:
            db.session.remove()
            if db.engine is not None:
                db.engine.dispose()  # the server's master process keeps no connection open for its workers
    if settled.published or settled.discarded:
        log.warning("evidence folder settled after a crash: %d committed files renamed, %d uncommitted deleted",
                    settled.published, settled.discarded)
    if settled.unreferenced:
        log.warning("%d files in the evidence folder belong to no evidence row (see docs/operations.md)",
                    len(settled.unreferenced))
