"""`survey validate`, `survey score` and `survey questionnaire from-xlsx`: questionnaires and response files."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import numpy as np

from survey import scoring
from survey.cli.base import ProgressBar, fail, main, write_text
from survey.config import ROOT
from survey.definitions import DefinitionError, default_paths, load_file
from survey.definitions.from_sheet import SheetError, definition_from_sheet
from survey.exports.cells import csv_cell
from survey.responses import FAST_FROM, Reader, ResponsesError, Rules, fast_csv, read_responses
from survey.scoring import Figures


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check questionnaire definition files (default: every file in questionnaires/).

    Prints `file:line: what is wrong — how to fix it` for every problem and exits 1 on any error.
    """
    files: list[Path] = []
    for path in paths or (ROOT / "questionnaires",):
        files.extend(default_paths(path) if path.is_dir() else [path])
    if not files:
        fail(f"no questionnaire files (*.yaml, *.yml) found in {', '.join(map(str, paths))}")
    bad = 0
    for file in files:
        try:
            questionnaire = load_file(file)
        except DefinitionError as exc:
            bad += 1
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        statements = len(questionnaire.statement_ids())
        click.echo(f"{file}: ok — {questionnaire.title} (version {questionnaire.version}), "
                   f"{len(questionnaire.sections)} sections, {statements} statements")
    if bad:
        click.echo(f"{bad} of {len(files)} file(s) invalid", err=True)
        sys.exit(1)


# -- scoring -----------------------------------------------------------------------------------------------------
@main.command()
@click.argument("responses", type=click.Path(path_type=Path))
@click.option("--definition", "definition", type=click.Path(path_type=Path),
              help="Questionnaire file: checks ids and scale, orders by it, adds duty and section rows.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write here instead of standard output.")
@click.option("--sheet", help="The workbook sheet to read (default: the first).")
@click.option("--reader", type=click.Choice(["auto", "standard", "polars"]), default="auto", show_default=True,
              help="How a CSV file is read: polars (much faster on large files; pip install "
                   "section11-survey[large-files]) or the standard library. auto uses polars from 4 MB if installed.")
def score(responses: Path, definition: Path | None, fmt: str, out: Path | None, sheet: str | None,
          reader: Reader) -> None:
    """Collate mode, mean and range from a CSV, XLSX or ODS file of ratings.

    \b
    The form is detected from the header row (and reported on standard error):
      long form: columns respondent, statement, rating (any order, any case; other columns ignored)
      wide form: first column respondent, then one column per statement id
    A blank rating or N/A is not counted. Without --definition, ratings 1 to 4 in steps of 0.5 are accepted.
    A semicolon-separated file may write half points with a decimal comma (2,5).
    """
    if reader == "polars" and not fast_csv.available():
        fail("--reader polars: polars is not installed; pip install 'section11-survey[large-files]'")
    questionnaire = None
    rules = Rules()
    if definition is not None:
        try:
            questionnaire = load_file(definition)
        except DefinitionError as exc:
            fail(f"--definition is invalid: {exc.problems[0]}")
        scale = questionnaire.scale
        rules = Rules(scale.values(), questionnaire.statement_ids(), scale.half_points,
                      f"questionnaire '{questionnaire.id}'")
    try:
        with _reading(responses) as progress:
            table = read_responses(responses, rules, sheet, reader, progress)
    except ResponsesError as exc:
        fail(str(exc))
    where = f" (sheet '{table.sheet}')" if table.sheet is not None else ""
    where += " with polars" if table.reader == "polars" else ""
    click.echo(f"read {len(table.respondents)} respondents x {len(table.statement_ids)} statements "
               f"({table.form} form) from {responses}{where}", err=True)
    if questionnaire is not None:
        layout = scoring.layout_for(questionnaire)
        column = {sid: i for i, sid in enumerate(table.statement_ids)}
        codes = np.zeros((len(table.respondents), len(layout.statement_ids)), dtype=np.int8)
        for j, sid in enumerate(layout.statement_ids):
            if sid in column:
                codes[:, j] = table.codes[:, column[sid]]
        texts = {st.id: st.text for _, _, st in questionnaire.statements()}
        texts.update({d.id: d.title for _, d in questionnaire.duties()})
        texts.update({s.id: s.title for s in questionnaire.sections})
    else:
        layout = scoring.plain_layout(rules.values, table.statement_ids)
        codes = table.codes
        texts = {}
    figures = scoring.collate_codes(codes, layout)
    render: dict[str, Callable[[list[Figures], dict[str, str]], str]] = {
        "json": _score_json, "csv": _score_csv, "table": _score_table,
    }
    write_text(render[fmt](figures, texts), out)


@contextmanager
def _reading(path: Path) -> Iterator[ProgressBar | None]:
    """For a large file, say at once that it is being read, and draw a bar as its rows are read."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # reading says why
    if size < FAST_FROM:
        yield None
        return
    click.echo(f"reading {path} ({size / 2**20:.0f} MB) ...", err=True)
    with ProgressBar("rows read") as bar:
        yield bar


def _score_json(figures: list[Figures], _texts: dict[str, str]) -> str:
    return json.dumps([f.to_json() for f in figures], indent=2) + "\n"


def _score_csv(figures: list[Figures], _texts: dict[str, str]) -> str:


    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["level", "id", "n", "mode", "mean", "range"])
    for f in figures:
        writer.writerow([f.level, csv_cell(f.id), f.n, f.mode_label, f.mean_label, f.range_label])
    return buffer.getvalue()


def _score_table(figures: list[Figures], texts: dict[str, str]) -> str:
    indent = {"section": "", "duty": "  ", "statement": "    "} if texts else {"statement": ""}
    rows = [("id", "n", "mode", "mean", "range", "text" if texts else "")]
    for f in figures:
        text = texts.get(f.id, "")
        text = text if len(text) <= 60 else text[:57] + "..."
        rows.append((indent.get(f.level, "") + f.id, str(f.n), f.mode_label or "-", f.mean_label or "-",
                     f.range_label or "-", text))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in range(1, 5)]
        lines.append("  ".join(cells + ([r[5]] if r[5] else [])).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
@main.group("questionnaire")
def questionnaire_group() -> None:
    """Questionnaire definitions."""


@questionnaire_group.command("from-xlsx")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--id", "questionnaire_id", required=True, help="The new questionnaire's id, e.g. our-self-assessment.")
@click.option("--title", required=True, help="Its title, e.g. 'Board self-assessment'.")
@click.option("--version", default="1", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="The YAML file to write (default: standard output).")
def questionnaire_from_xlsx(file: Path, questionnaire_id: str, title: str, version: str, out: Path | None) -> None:
    """Turn a simple spreadsheet (columns section, duty, statement id, text, guidance) into a YAML definition.

    The board's usual 1-4 scale (poor, adequate, good, outstanding) is used; edit the YAML to change it. The
    result is checked as `survey validate` would."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    try:
        text = definition_from_sheet(data, file.name, questionnaire_id, title, version)
    except SheetError as exc:
        for problem in exc.problems[:-1]:
            click.echo(problem, err=True)
        fail(exc.problems[-1])
    write_text(text, out)


