"""What the subcommands that work on the database share: the app context, the schema check, looking up rounds and
partnerships with a clear reason when they are not there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask
from sqlalchemy.engine import make_url

from survey import actor, create_app, migrate
from survey.cli.base import fail
from survey.extensions import db as database
from survey.factory import ConfigurationError
from survey.models import Partnership, RoundState
from survey.services import boards, rounds
from survey.services.catalogue import CatalogueError


@contextmanager
def app_context() -> Iterator[Flask]:
    """Create the app (refusing bad configuration or definitions with a clear reason) and push its context; what
    the command changes is audited as done by the operating-system user running it."""
    try:
        app = create_app()
    except (ConfigurationError, CatalogueError) as exc:
        fail(str(exc))
    token = actor.current.set(actor.command_line(_command()))
    try:
        with app.app_context():
            yield app
    finally:
        actor.current.reset(token)


def _command() -> str:
    """The command as typed, from click: its path and arguments ("survey round open 3")."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return "survey"
    shown = [str(v) for v in ctx.params.values() if isinstance(v, str | int) and not isinstance(v, bool)]
    # The root is "survey" however it was started (python -m survey.cli, a test runner).
    return " ".join(["survey", *ctx.command_path.split()[1:], *shown])


def safe_url(app: Flask) -> str:
    """The database URL with any password hidden, for messages."""
    return make_url(app.config["DATABASE_URL"]).render_as_string(hide_password=True)


def round_with_returns(session: Any, round_id: int, what: str) -> Any:
    """A round that has opened (a draft has no returns), or exit with the reason."""
    try:
        found = rounds.get_round(session, round_id)
    except rounds.RoundError as exc:
        fail(str(exc))
    if found.state is RoundState.DRAFT:
        fail(f"round {round_id} is a draft: it has no {what} yet")
    return found


def require_schema() -> None:
    """Exit with a clear reason unless the database is at the newest schema."""
    assert database.engine is not None  # noqa: S101 - bound by create_app
    current = migrate.current_revision(database.engine)
    if current != migrate.head_revision():
        fail(f"the database schema is at {current or 'nothing (empty database)'}; run `survey db upgrade` first")

def partnership_named(session: Any, slug: str, option: str = "") -> Partnership:
    """The partnership with this short name, or a failure naming the option and where to look them up."""
    found = boards.partnership_by_slug(session, slug)
    if found is None:
        fail(f"{option + ': ' if option else ''}no partnership {slug!r} (`survey partnership list` shows them)")
    return found
