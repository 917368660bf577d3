"""The `survey` command group and what its subcommands share: failing with a reason, progress bars, the app
context, safe file writes, dates."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask
from sqlalchemy.engine import make_url

from survey import actor, create_app, migrate
from survey.extensions import db as database
from survey.factory import ConfigurationError
from survey.models import Partnership, RoundState
from survey.services import boards, rounds
from survey.services.catalogue import CatalogueError


def fail(message: str) -> NoReturn:
    """Print a one-line reason to stderr and exit 1."""
    raise click.ClickException(message)


class ProgressBar:
    """A progress bar on stderr for long work, drawn once the total is known; a callback `(done, total)`."""
    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="section11-survey", prog_name="survey")
def main() -> None:
    """Self-assessment and Section 11 survey engine for safeguarding children partnerships.

    Settings come from SURVEY_* environment variables (SURVEY_DATABASE_URL, SURVEY_SECRET_KEY, SMTP settings);
    without them a SQLite file in the instance folder is used.
    """




def xlsx_target(path: Path, what: str) -> Path:
    """Check where a workbook is to be written before any work is done."""
    if path.suffix.lower() != ".xlsx":
        fail(f"{path}: the {what} is an Excel file; give a name ending .xlsx")
    if not path.parent.is_dir():
        fail(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def write_binary(target: Path, write: Callable[[Any], None]) -> None:
    """Write a file beside its target and rename it, so a failure never leaves half a file."""
    if target.exists() and not target.is_file():
        # A device or a pipe (/dev/null, /dev/stdout, a FIFO): write into it, for renaming over it would replace it.
        try:
            with target.open("wb") as handle:
                write(handle)
        except OSError as exc:
            fail(f"cannot write {target}: {exc.strerror or exc}")
        return
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=target.suffix)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, target)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def write_text(content: str, out: Path | None) -> None:
    """Print text, or write it to a file (whole or not at all) and say so on stderr."""
    if out is None:
        click.echo(content, nl=False)
        return
    write_binary(out, lambda handle: handle.write(content.encode("utf-8")))
    click.echo(f"wrote {out}", err=True)


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

def print_table(table: Sequence[tuple[str, ...]]) -> None:
    """Rows of text in columns, the first row the heading."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def parse_date(value: str, name: str) -> Any:

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{name} must be a date like 2026-04-01, not {value!r}")


def partnership_named(session: Any, slug: str, option: str = "") -> Partnership:
    """The partnership with this short name, or a failure naming the option and where to look them up."""
    found = boards.partnership_by_slug(session, slug)
    if found is None:
        fail(f"{option + ': ' if option else ''}no partnership {slug!r} (`survey partnership list` shows them)")
    return found
