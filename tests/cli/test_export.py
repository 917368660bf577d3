"""`survey export ROUND`: the board workbook read back with openpyxl; figures, formats, chart, anonymity, safety."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import Agency, Answer, Person, Return, ReturnState, Round, RoundState

PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1"]


@pytest.fixture
def env(db_url: str, runner: CliRunner) -> dict[str, str]:
    values = {"SURVEY_DATABASE_URL": db_url}
    assert runner.invoke(main, ["demo"], env=values).exit_code == 0
    return values


def round_id(db_url: str, state: RoundState) -> int:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.scalar(select(Round.id).where(Round.state == state))
    engine.dispose()
    return found


def export(runner: CliRunner, env: dict[str, str], rid: int, out: Path) -> object:
    result = runner.invoke(main, ["export", str(rid), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return load_workbook(out)


def test_every_sheet_and_the_summary_matches_survey_score(env: dict[str, str], runner: CliRunner, db_url: str,
                                                          tmp_path: Path) -> None:
    rid = round_id(db_url, RoundState.CLOSED)
    book = export(runner, env, rid, tmp_path / "board.xlsx")
    assert book.sheetnames[0] == "Summary" and book.sheetnames[-4:] == ["Commentary", "Responses", "Development",
                                                                         "About"]
    assert len(book.sheetnames) == 1 + 3 + 4, "one sheet per section of the board self-assessment"
    assert book.sheetnames[1].startswith("1. Statutory Duties")
    # The Responses sheet, scored by `survey score`, gives the Summary's figures.
    responses = book["Responses"]
    header = [c.value for c in responses[1]]
    assert header == ["respondent", "section", "duty", "statement", "rating", "rating label"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in responses.iter_rows(values_only=True):
        writer.writerow(values)
    long_file = tmp_path / "responses.csv"
    long_file.write_text(buffer.getvalue())
    scored = runner.invoke(main, ["score", str(long_file), "--format", "json", "--definition",
                                  "questionnaires/board-self-assessment.yaml"])
    assert scored.exit_code == 0, scored.output
    figures = {(f["level"], f["id"]): f for f in json.loads(scored.stdout)}
    summary = book["Summary"]
    columns = [c.value for c in summary[5]]  # below the title block
    checked = 0
    for values in summary.iter_rows(min_row=6, values_only=True):
        if values[3] is None:
            break
        level = "section" if values[0] else "duty" if values[1] else "statement"
        f = figures[(level, values[3])]
        record = dict(zip(columns, values, strict=False))
        if record["Mean"] is None:
            assert f["n"] == 0 or f["n"] < 3 or level != "statement"
            continue
        assert record["Mode"] == f["mode_label"] and record["n"] == f["n"]
        assert record["Mean"] == pytest.approx(f["mean"]) and record["Range"] == f["range"]
        checked += 1
    assert checked > 30
    respondents = {r[0] for r in responses.iter_rows(min_row=2, values_only=True)}
    assert respondents == {f"R{i}" for i in range(1, 7)}


def test_formats_chart_and_layout(env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    book = export(runner, env, round_id(db_url, RoundState.CLOSED), tmp_path / "board.xlsx")
    summary = book["Summary"]
    assert summary["A1"].value == "Board self-assessment 2025" and summary["A1"].font.sz == 14
    assert summary["A2"].value.startswith("Southend Safeguarding Children Partnership: Board self-assessment")
    assert summary["A3"].value.startswith("6 of 6 returns counted")
    mean = summary.cell(row=6, column=6)
    assert isinstance(mean.value, float) and mean.number_format == "0.0", "a real number shown to 1 d.p."
    assert summary.cell(row=6, column=8).data_type == "n"
    assert summary.freeze_panes == "A6" and summary.print_title_rows == "$5:$5"
    assert summary.page_setup.orientation == "landscape" and summary.page_setup.fitToWidth == 1
    assert summary.sheet_properties.pageSetUpPr.fitToPage and summary.page_setup.paperSize == 9
    charts = summary._charts
    assert len(charts) == 1, "a bar chart of the means per duty"
    assert charts[0].x_axis.tickLblSkip == 1 and len(charts[0].series) == 1, "every duty labelled; no last year"
    rules = [r for rng in summary.conditional_formatting for r in rng.rules]
    assert rules and rules[0].type == "colorScale"
    header = [c.value for c in summary[5]]
    assert header[:8] == ["Section", "Duty", "Statement", "Id", "Mode", "Mean", "Range", "n"]
    assert "Rated Outstanding" in header
    assert book["About"]["B2"].value.startswith("Board self-assessment")


def test_every_sheet_prints_whole(env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    book = export(runner, env, round_id(db_url, RoundState.CLOSED), tmp_path / "board.xlsx")
    for sheet in book.worksheets:
        header_row = 5 if sheet.title == "Summary" else 1
        assert sheet.print_title_rows == f"${header_row}:${header_row}", sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0, sheet.title
        assert sheet.oddHeader.left.text == "Southend Safeguarding Children Partnership"
        assert sheet.oddHeader.center.text == "Board self-assessment 2025" and sheet.oddHeader.right.text == "&A"
        assert sheet.oddFooter.center.text == "Page &P of &N"
        widths = {letter: d.width for letter, d in sheet.column_dimensions.items()}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None or sheet.title == "Responses" and cell.row > 1:
                    continue
                # One font every office suite has; left unnamed, a bold cell is drawn in a serif.
                assert cell.font.name == "Arial", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str) and cell.alignment.wrap_text:
                    width = widths.get(cell.column_letter, 8.43)
                    # Every word of a wrapped cell fits its column; a long text's row is tall enough for it.
                    assert max(len(w) for w in cell.value.split() or [""]) + 2 <= width, (sheet.title, cell.value)
                    lines = len(cell.value) / width
                    height = sheet.row_dimensions[cell.row].height
                    assert lines <= 1.2 or (height or 0) >= 12 * lines, (sheet.title, cell.coordinate, height)
    summary = book["Summary"]
    ids = [r[3] for r in summary.iter_rows(min_row=6, values_only=True) if r[3]]
    assert summary.column_dimensions["D"].width >= max(len(i) for i in ids if i != "Means by duty")


def test_no_agency_or_person_name_anywhere_and_formulas_stay_text(env: dict[str, str], runner: CliRunner,
                                                                   db_url: str, tmp_path: Path) -> None:
    rid = round_id(db_url, RoundState.CLOSED)
    engine = make_engine(db_url)
    with Session(engine) as session:
        answers = session.scalars(select(Answer).join(Return).where(
            Return.round_id == rid, Answer.rating.is_not(None)).order_by(Answer.id).limit(len(PAYLOADS))).all()
        for answer, payload in zip(answers, PAYLOADS, strict=True):
            answer.commentary = payload
        agencies = session.scalars(select(Agency.name)).all()
        people = session.scalars(select(Person.name)).all()
        emails = session.scalars(select(Person.email)).all()
        session.commit()
    engine.dispose()
    out = tmp_path / "board.xlsx"
    book = export(runner, env, rid, out)
    comments = [row[2] for row in book["Commentary"].iter_rows(min_row=2, values_only=True)]
    for payload in PAYLOADS:
        assert payload.strip() in comments
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate} is a formula"
    # The Development sheet names the owners of the board's actions (an agency or a person, as the chair agreed
    # them): that is a board decision, not anyone's answer. Everything else must name nobody.
    development = f"xl/worksheets/sheet{book.sheetnames.index('Development') + 1}.xml"
    for row in book["Development"].iter_rows(min_row=2, values_only=True):
        others = " ".join(str(v) for i, v in enumerate(row) if i != 4 and v is not None)
        assert not [n for n in [*agencies, *people, *emails] if n in others], "names only as owners"
    with zipfile.ZipFile(out) as archive:
        xml = " ".join(archive.read(n).decode() for n in archive.namelist()
                       if n.endswith(".xml") and n != development)
        sheets = " ".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets, "no formula in any sheet"
    from survey.definitions import load_file

    questionnaire = load_file(Path("questionnaires/board-self-assessment.yaml"))
    for _, _duty, statement in questionnaire.statements():  # the questionnaire itself may name an agency
        xml = xml.replace(statement.text.replace("&", "&amp;").replace("'", "&apos;"), "")
    for name in [*agencies, *people, *emails]:
        assert name.replace("&", "&amp;").replace("'", "&apos;") not in xml, f"{name} is in the workbook"


def test_below_k_shows_nothing(env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    rid = round_id(db_url, RoundState.OPEN)
    engine = make_engine(db_url)
    with Session(engine) as session:
        for ret in session.scalars(select(Return).where(Return.round_id == rid).limit(2)):
            ret.state = ReturnState.SUBMITTED
        session.commit()
    engine.dispose()
    book = export(runner, env, rid, tmp_path / "open.xlsx")
    assert book["Summary"].cell(row=6, column=5).value == "not shown: fewer than 3 returns counted"
    assert book["Summary"].cell(row=6, column=6).value is None
    assert book["Responses"].max_row == 2 and "at least 3 returns" in book["Responses"]["A2"].value
    assert "at least 3 returns" in book["Commentary"]["A2"].value


def test_default_path_and_bad_input(env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    rid = round_id(db_url, RoundState.CLOSED)
    done = runner.invoke(main, ["export", str(rid)], env=env)
    assert done.exit_code == 0
    target = Path("exports") / f"round-{rid}.xlsx"
    try:
        assert f"wrote {Path.cwd() / target}" in done.stdout and load_workbook(target).sheetnames[0] == "Summary"
    finally:
        target.unlink()
    for args, message in (
        (["export", "999"], "there is no round 999"),
        (["export", str(rid), "--out", str(tmp_path / "board.csv")], "give a name ending .xlsx"),
        (["export", str(rid), "--out", str(tmp_path / "missing" / "b.xlsx")], "does not exist"),
        (["export", "abc"], "is not a valid integer"),
    ):
        result = runner.invoke(main, args, env=env)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob(".*"))


def test_a_draft_round_is_refused(env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    created = runner.invoke(main, ["round", "create", "--partnership", "southend", "--questionnaire",
                                   "board-self-assessment", "--title", "Draft", "--opens",
                                   dt.date.today().isoformat(), "--deadline",
                                   (dt.date.today() + dt.timedelta(days=30)).isoformat(), "--agency",
                                   "Essex Police"], env=env)
    assert created.exit_code == 0, created.output
    rid = round_id(db_url, RoundState.DRAFT)
    result = runner.invoke(main, ["export", str(rid), "--out", str(tmp_path / "d.xlsx")], env=env)
    assert result.exit_code == 1 and f"round {rid} is a draft" in result.output


def test_responses_leave_out_every_statement_the_threshold_hides(env: dict[str, str], runner: CliRunner,
                                                                  db_url: str, tmp_path: Path) -> None:
    """Two returns rate a statement and the rest choose N/A: with k = 3 the Summary hides it, and so must every
    row of the Responses sheet (ratings and N/A choices alike)."""
    rid = round_id(db_url, RoundState.CLOSED)
    engine = make_engine(db_url)
    with Session(engine) as session:
        answers = session.scalars(select(Answer).join(Return).where(
            Return.round_id == rid, Answer.statement_id == "strategic-plan-1").order_by(Answer.id)).all()
        assert len(answers) >= 4
        for answer in answers[2:]:
            answer.rating, answer.not_applicable = None, True
        session.commit()
    engine.dispose()
    book = export(runner, env, rid, tmp_path / "board.xlsx")
    summary = {row[3]: row for row in book["Summary"].iter_rows(min_row=6, values_only=True) if row[3]}
    hidden = {ident for ident, row in summary.items() if row[5] is None}
    assert "strategic-plan-1" in hidden
    listed = {row[3] for row in book["Responses"].iter_rows(min_row=2, values_only=True)}
    assert "strategic-plan-1" not in listed
    assert listed and not listed & hidden, "every statement on the Responses sheet has its figures shown"
