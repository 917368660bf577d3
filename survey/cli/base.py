"""The `survey` command group and what its subcommands share: failing with a reason, progress bars, safe file
writes, dates. Nothing here loads the web app, so `survey score` and `survey validate` start quickly."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click


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


# Where each subcommand is defined. A module is imported only when one of its commands is run (or help lists them
# all), so `survey score` and `survey validate` never load Flask, SQLAlchemy or Alembic.
COMMAND_MODULES = {
    "agencies": "people", "board-paper": "workbooks", "db": "database", "demo": "database",
    "demo-code": "database", "export": "workbooks", "housekeeping": "database", "import-return": "workbooks",
    "mail": "outbox", "partnership": "people", "person": "people", "questionnaire": "definitions",
    "remind": "rounds", "retention": "database", "return-workbook": "workbooks", "round": "rounds",
    "score": "definitions", "serve": "database", "validate": "definitions", "worker": "worker",
}


class LazyGroup(click.Group):
    """A command group that imports the module defining a subcommand the first time the subcommand is asked for
    (click's documented pattern for lazily loaded subcommands)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            # The module adds its commands to this group with `@main.command()` as it is imported.
            importlib.import_module(f"survey.cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
