"""`survey db`, `survey demo`, `survey serve`, `survey retention` and `survey housekeeping`."""

from __future__ import annotations

import gc
from typing import Any

import click
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from sqlalchemy.exc import SQLAlchemyError

from survey import migrate
from survey.cli.app import app_context, require_schema, safe_url
from survey.cli.base import fail, main
from survey.extensions import db as database
from survey.factory import settle_after_crash
from survey.services import data_protection
from survey.services import demo as demo_service


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema (safe to run on every deploy)."""
    with app_context() as app:
        engine = database.engine
        assert engine is not None  # noqa: S101 - bound by create_app
        try:
            before = migrate.current_revision(engine)
            migrate.upgrade(engine, revision)
            after = migrate.current_revision(engine)
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            fail(f"cannot upgrade {safe_url(app)}: {reason}")
        click.echo(f"database {safe_url(app)}: {before or 'empty'} -> {after}")


@db.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one shipped."""
    with app_context() as app:
        assert database.engine is not None  # noqa: S101 - bound by create_app
        click.echo(f"database {safe_url(app)}: {migrate.current_revision(database.engine) or 'empty'} "
                   f"(newest shipped: {migrate.head_revision()})")



@main.command()
def demo() -> None:
    """Load a realistic demo partnership (agencies, people, a closed and an open round) and print sign-ins."""
    with app_context() as app:
        require_schema()
        session = database.session()
        try:
            result = demo_service.load(session, app.extensions["survey_catalogue"])
        except demo_service.DemoRefused as exc:
            fail(str(exc))
        click.echo(result.summary)


@main.command("demo-code")
@click.argument("email")
def demo_code(email: str) -> None:
    """Print the second-factor code a demo board account's authenticator app would show now (demo data only)."""
    with app_context():
        require_schema()
        try:
            click.echo(demo_service.demo_code(database.session(), email))
        except demo_service.DemoRefused as exc:
            fail(str(exc))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Run the web app with gunicorn (use a reverse proxy in front of it in production)."""
    with app_context() as app:
        require_schema()
    settle_after_crash(app)

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("accesslog", None)  # the app logs one JSON line per request itself
            # As deploy/gunicorn.conf.py: keep what the app built out of full garbage collections.
            self.cfg.set("post_worker_init", lambda _worker: gc.freeze())

        def load(self) -> Any:
            return app

    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    _Server().run()


@main.group()
def retention() -> None:
    """Anonymise answers of closed rounds after their retention period (run daily from cron)."""


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="Say what would be anonymised, change nothing.")
def retention_apply(dry_run: bool) -> None:
    """Anonymise every closed round past its retention period: free text, names and files go, ratings stay."""
    with app_context() as app:
        require_schema()
        result = data_protection.apply_retention(database.session(), int(app.config["RETENTION_DAYS"]),
                                                 app.config["EVIDENCE_DIR"], dry_run=dry_run)
    verb = "would anonymise" if dry_run else "anonymised"
    if not result.rounds:
        click.echo("no rounds are past their retention period")
        return
    click.echo(f"{verb} {len(result.rounds)} round(s) ({', '.join(result.rounds)}): {result.answers} answers, "
               f"{result.files} evidence files")


@main.command("housekeeping")
def housekeeping_command() -> None:
    """Remove expired rows: rate-limit counters, old ended sign-in sessions, kept form data (run daily from cron)."""
    with app_context():
        require_schema()
        done = data_protection.housekeeping(database.session())
    click.echo(f"removed {done.rate_limits} expired rate-limit counters, {done.sessions} sign-in sessions ended over "
               f"{data_protection.SESSIONS_KEPT.days} days ago, {done.stashes} expired kept forms")


