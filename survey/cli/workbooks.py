"""`survey export`, `survey board-paper`, `survey return-workbook` and `survey import-return`: workbooks and the
board paper out, workbooks in."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.app import app_context, require_schema, round_with_returns
from survey.cli.base import ProgressBar, fail, main, write_binary, xlsx_target
from survey.config import ROOT
from survey.exports.return_workbook import WorkbookError
from survey.extensions import db as database
from survey.services import board_export, return_workbooks, rounds
from survey.services.returns import ReadOnly
from survey.text import possessive


@main.command("export")
@click.argument("round_id", type=int)
@click.option("--out", type=click.Path(path_type=Path), help="The file to write (default exports/round-ID.xlsx).")
@click.option("--ratings", type=click.Choice(["self", "moderated"]), default="self", show_default=True,
              help="The agencies' own ratings, or moderated ratings where the board has moderated.")
def export(round_id: int, out: Path | None, ratings: str) -> None:
    """Write a round's board workbook: Summary, a sheet per section, Commentary, Responses, Development, About.

    Figures follow the results page: submitted returns only, and nothing collated below the anonymity threshold."""
    target = xlsx_target(out or ROOT / "exports" / f"round-{round_id}.xlsx", "board workbook")
    with app_context() as app:
        require_schema()
        session = database.session()
        found = round_with_returns(session, round_id, "returns to export")
        with ProgressBar("writing responses") as progress:
            write_binary(target, lambda handle: board_export.export_round(
                session, found, handle, app.config["SECRET_KEY"], progress, moderated=ratings == "moderated"))
    click.echo(f"wrote {target}")


@main.command("board-paper")
@click.argument("round_id", type=int)
@click.option("--out", type=click.Path(path_type=Path),
              help="The file to write (default exports/round-ID-board-paper.pdf).")
@click.option("--ratings", type=click.Choice(["self", "moderated"]), default="self", show_default=True,
              help="The agencies' own ratings, or moderated ratings where the board has moderated.")
def board_paper(round_id: int, out: Path | None, ratings: str) -> None:
    """Write a round's board paper as a PDF: title page, results by section and duty, the trend over earlier rounds,
    how the ratings were spread, examples of commentary, areas for development (with each action's colour and
    progress, and the open actions of earlier rounds) and the method.

    Figures follow the results page and the workbook: submitted returns only, nothing below the anonymity
    threshold."""
    target = out or ROOT / "exports" / f"round-{round_id}-board-paper.pdf"
    if target.suffix.lower() != ".pdf":
        fail(f"{target}: the board paper is a PDF; give a name ending .pdf")
    if not target.parent.is_dir():
        fail(f"cannot write {target}: the folder {target.parent} does not exist")
    with app_context() as app:
        require_schema()
        session = database.session()
        found = round_with_returns(session, round_id, "results for a board paper")
        try:
            write_binary(target, lambda handle: board_export.write_paper(
                session, found, handle, app.config["SECRET_KEY"], moderated=ratings == "moderated"))
        except OSError as exc:
            fail(f"cannot make the PDF: {exc} (WeasyPrint needs the Pango library: Debian libpango-1.0-0)")
    click.echo(f"wrote {target}")


@main.command("return-workbook")
@click.argument("round_id", type=int)
@click.argument("agency")
@click.option("--out", type=click.Path(path_type=Path),
              help="The file to write (default exports/return-ROUND-AGENCYID.xlsx).")
def return_workbook(round_id: int, agency: str, out: Path | None) -> None:
    """Write an agency's return as an Excel workbook to complete offline (AGENCY: its name or id).

    The current answers are filled in; only answer cells can be edited; `survey import-return` reads it back."""
    with app_context() as app:
        require_schema()
        session = database.session()
        try:
            found = rounds.get_round(session, round_id)
        except rounds.RoundError as exc:
            fail(str(exc))
        ret = rounds.return_of(session, found, agency)
        if ret is None:
            fail(f"{agency!r} has no return in round {round_id}; `survey round status {round_id}` lists its agencies")
        target = xlsx_target(out or ROOT / "exports" / f"return-{round_id}-{ret.agency_id}.xlsx", "workbook")
        write_binary(target, lambda handle: return_workbooks.write(session, ret, app.config["SECRET_KEY"], handle))
    click.echo(f"wrote {target}")


@main.command("import-return")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what it would change; save nothing.")
@click.option("--overwrite-conflicts", is_flag=True,
              help="Where an answer changed online since the download too, keep the file's version.")
def import_return(file: Path, dry_run: bool, overwrite_conflicts: bool) -> None:
    """Import a return workbook made by `survey return-workbook` or downloaded from the return's page.

    Every cell is checked first; nothing is saved unless the whole file is valid. Answers changed online since the
    download are listed as conflicts and left alone unless --overwrite-conflicts is given."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    with app_context() as app:
        require_schema()
        session = database.session()
        try:
            planned = return_workbooks.plan(session, data, file.name, app.config["SECRET_KEY"])
        except WorkbookError as exc:
            for problem in exc.problems[:-1]:
                click.echo(problem, err=True)
            more = f" (and {len(exc.problems) - 1} more above)" if len(exc.problems) > 1 else ""
            fail(f"{exc.problems[-1]}{more}; nothing was saved")
        ret = planned.ret
        for conflict in planned.conflicts:
            click.echo(f"conflict: {conflict.statement_id} was changed online by {conflict.their_name} since the "
                       f"workbook was downloaded", err=True)
        if dry_run:
            click.echo(f"would change {len(planned.changes)} statement(s) of {possessive(ret.agency.name)} return; "
                       f"{len(planned.conflicts)} conflict(s)")
            return
        if planned.conflicts and not overwrite_conflicts:
            fail(f"{len(planned.conflicts)} answer(s) changed online since the download; nothing was saved. "
                 "Check them, then run again with --overwrite-conflicts to keep the file's version")
        overwrite = frozenset(c.statement_id for c in planned.conflicts)
        try:
            result = return_workbooks.apply(session, planned, return_workbooks.system_principal(ret), overwrite)
        except ReadOnly as exc:
            fail(str(exc))
        click.echo(f"saved {len(result.saved)} statement(s) of {possessive(ret.agency.name)} return for "
                   f"{ret.round.title}")


