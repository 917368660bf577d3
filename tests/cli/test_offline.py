"""`survey return-workbook`, `survey import-return` and `survey questionnaire from-xlsx` through the CLI."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import Answer, Return, Round, RoundState


@pytest.fixture
def env(db_url: str, runner: CliRunner) -> dict[str, str]:
    values = {"SURVEY_DATABASE_URL": db_url}
    assert runner.invoke(main, ["demo"], env=values).exit_code == 0
    return values


def open_round(db_url: str) -> int:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
    engine.dispose()
    return found


def test_round_trip_and_conflicts(env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    rid = open_round(db_url)
    out = tmp_path / "police.xlsx"
    made = runner.invoke(main, ["return-workbook", str(rid), "essex police", "--out", str(out)], env=env)
    assert made.exit_code == 0, made.output
    book = load_workbook(out)
    sheet = book.worksheets[1]
    sid = sheet["A2"].value
    sheet["E2"], sheet["F2"] = 4, "Written offline"
    book.save(out)
    dry = runner.invoke(main, ["import-return", str(out), "--dry-run"], env=env)
    assert dry.exit_code == 0 and "would change 1 statement(s) of Essex Police's return" in dry.output
    engine = make_engine(db_url)
    with Session(engine) as session:  # someone changes the same answer online meanwhile
        answer = session.scalar(select(Answer).join(Return).where(Return.round_id == rid,
                                                                  Return.agency.has(name="Essex Police"),
                                                                  Answer.statement_id == sid))
        if answer is None:
            ret = session.scalar(select(Return).where(Return.round_id == rid,
                                                      Return.agency.has(name="Essex Police")))
            answer = Answer(return_=ret, statement_id=sid)
            session.add(answer)
        answer.rating, answer.not_applicable, answer.commentary = 2.0, False, "Online"
        session.commit()
    refused = runner.invoke(main, ["import-return", str(out)], env=env)
    assert refused.exit_code == 1 and f"conflict: {sid} was changed online" in refused.output
    assert "nothing was saved" in refused.output
    done = runner.invoke(main, ["import-return", str(out), "--overwrite-conflicts"], env=env)
    assert done.exit_code == 0 and "saved 1 statement(s) of Essex Police's return" in done.output
    with Session(engine) as session:
        assert session.scalar(select(Answer.commentary).join(Return).where(
            Return.round_id == rid, Return.agency.has(name="Essex Police"),
            Answer.statement_id == sid)) == "Written offline"
    engine.dispose()
    again = runner.invoke(main, ["import-return", str(out)], env=env)
    assert again.exit_code == 0 and "saved 0 statement(s)" in again.output


def test_bad_input(env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    rid = open_round(db_url)
    for args, message in ((["return-workbook", "999", "Essex Police"], "there is no round 999"),
                          (["return-workbook", str(rid), "Nowhere"], "'Nowhere' has no return in round"),
                          (["return-workbook", str(rid), "Essex Police", "--out", str(tmp_path / "x.csv")],
                           "give a name ending .xlsx"),
                          (["import-return", str(tmp_path / "missing.xlsx")], "cannot read")):
        result = runner.invoke(main, args, env=env)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    text_file = tmp_path / "fake.xlsx"
    text_file.write_text("statement,rating\n")
    result = runner.invoke(main, ["import-return", str(text_file)], env=env)
    assert result.exit_code == 1 and "this is not an Excel .xlsx workbook" in result.output
    out = tmp_path / "police.xlsx"
    runner.invoke(main, ["return-workbook", str(rid), "Essex Police", "--out", str(out)], env=env)
    book = load_workbook(out)
    book.worksheets[1]["E2"], book.worksheets[1]["E3"] = "great", 12
    book.save(out)
    result = runner.invoke(main, ["import-return", str(out)], env=env)
    assert result.exit_code == 1 and "!E2 (" in result.output and "): 'great' is not a rating" in result.output
    assert "): 12 is not on the scale" in result.output and "(and 1 more above); nothing was saved" in result.output
    book = load_workbook(out)
    book.worksheets[1]["E2"], book.worksheets[1]["E3"], book.worksheets[1]["H2"] = 3, "=1+1", "ftp://x.example/a"
    book.save(out)
    result = runner.invoke(main, ["import-return", str(out)], env=env)
    assert result.exit_code == 1 and "!E3 (" in result.output and "a formula is not an answer" in result.output


def sheet_file(tmp_path: Path, rows: list[list[str]], kind: str = "xlsx") -> Path:
    path = tmp_path / f"tool.{kind}"
    if kind == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        path.write_text(buffer.getvalue())
        return path
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_questionnaire_from_a_spreadsheet(runner: CliRunner, tmp_path: Path, kind: str) -> None:
    source = sheet_file(tmp_path, [
        ["Section", "Duty", "Statement id", "Text", "Guidance"],
        ["Statutory duties", "Strategic plan", "", "The plan is published each year.", "Look at the website"],
        ["", "", "", "Partners own its actions.", ""],
        ["Statutory duties", "Annual report", "ar-1", "The report assesses effectiveness.", ""],
        ["Effectiveness", "Attendance", "", "Members attend.", ""],
    ], kind)
    out = tmp_path / "ours.yaml"
    made = runner.invoke(main, ["questionnaire", "from-xlsx", str(source), "--id", "ours", "--title",
                                "Our self-assessment", "--out", str(out)])
    assert made.exit_code == 0, made.output
    validated = runner.invoke(main, ["validate", str(out)])
    assert validated.exit_code == 0, validated.output
    from survey.definitions import load_file

    q = load_file(out)
    assert [s.id for s in q.sections] == ["statutory-duties", "effectiveness"]
    assert q.statement_ids() == ("strategic-plan-1", "strategic-plan-2", "ar-1", "attendance-1")
    assert q.sections[0].duties[0].statements[0].guidance == "Look at the website"


@pytest.mark.parametrize("separator", [";", "\t"])
def test_questionnaire_from_a_csv_saved_with_semicolons_or_tabs(runner: CliRunner, tmp_path: Path,
                                                                 separator: str) -> None:
    source = tmp_path / "tool.csv"
    source.write_bytes(separator.join(["Section", "Duty", "Text"]).encode() + b"\r\n"
                       + separator.join(["Leadership", "Senior lead", "The lead reports, in writing, each year."])
                       .encode("cp1252") + b"\r\n")
    out = tmp_path / "ours.yaml"
    made = runner.invoke(main, ["questionnaire", "from-xlsx", str(source), "--id", "ours", "--title", "T",
                                "--out", str(out)])
    assert made.exit_code == 0, made.output
    from survey.definitions import load_file

    q = load_file(out)
    assert [s.text for _, _, s in q.statements()] == ["The lead reports, in writing, each year."]


def test_questionnaire_from_a_bad_spreadsheet(runner: CliRunner, tmp_path: Path) -> None:
    cases = [
        ([["Heading", "Words"], ["a", "b"]], "the columns must include section, duty and text"),
        ([["section", "duty", "text"], ["S", "D", ""]], "cell C2: the statement text is blank"),
        ([["section", "duty", "statement id", "text"], ["S", "D", "x-1", "A"], ["S", "D", "x-1", "B"]],
         "cell C3: statement id 'x-1' is also on row 2"),
        ([["section", "duty", "statement id", "text"], ["S", "D", "bad id!", "A"]], "bad id!"),
        ([], "the sheet is empty"),
    ]
    for rows, message in cases:
        source = sheet_file(tmp_path, rows)
        result = runner.invoke(main, ["questionnaire", "from-xlsx", str(source), "--id", "ours", "--title", "T"])
        assert result.exit_code == 1 and message in result.output, (rows, result.output)
    old = tmp_path / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    result = runner.invoke(main, ["questionnaire", "from-xlsx", str(old), "--id", "ours", "--title", "T"])
    assert result.exit_code == 1 and "old Excel (.xls) file" in result.output
