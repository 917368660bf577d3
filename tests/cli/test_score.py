"""`survey score` through the CLI: every format, long and wide form, CSV and XLSX, and every bad input."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from survey.cli import main

BOARD = Path(__file__).resolve().parents[2] / "questionnaires" / "board-self-assessment.yaml"
S11 = Path(__file__).resolve().parents[2] / "questionnaires" / "section-11-audit.yaml"

LONG = """respondent,statement,rating,comment
police,case-reviews-1,2,fine
ccg,case-reviews-1,2,
hospital,case-reviews-1,3,
council,case-reviews-1,3,
police,strategic-plan-1,3.5,
ccg,strategic-plan-1,N/A,
hospital,strategic-plan-1,,
council,strategic-plan-1,2,
"""


def run(*args: str) -> tuple[int, str, str]:
    """Run `survey` and return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """Write a file for the test."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def xlsx(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    """Write rows to the first sheet of a workbook."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_json_without_definition_first_seen_order(tmp_path: Path) -> None:
    code, out, err = run("score", str(write(tmp_path, "r.csv", LONG)), "--format", "json")
    assert code == 0, err
    assert "read 4 respondents x 2 statements (long form)" in err
    rows = json.loads(out)
    assert rows == [
        {"level": "statement", "id": "case-reviews-1", "n": 4, "mode": [2.0, 3.0], "mode_label": "2/3",
         "mean": 2.5, "mean_label": "2.5", "range": 1.0},
        {"level": "statement", "id": "strategic-plan-1", "n": 2, "mode": [2.0, 3.5], "mode_label": "2/3.5",
         "mean": 2.75, "mean_label": "2.8", "range": 1.5},
    ]


def test_json_with_definition_adds_duties_sections_and_unrated(tmp_path: Path) -> None:
    code, out, _ = run("score", str(write(tmp_path, "r.csv", LONG)), "--format", "json", "--definition", str(BOARD))
    assert code == 0
    rows = json.loads(out)
    assert [(r["level"], r["id"]) for r in rows[:7]] == [
        ("section", "statutory-duties"), ("duty", "strategic-plan"), ("statement", "strategic-plan-1"),
        ("statement", "strategic-plan-2"), ("duty", "annual-report"), ("statement", "annual-report-1"),
        ("duty", "case-reviews")]
    by = {(r["level"], r["id"]): r for r in rows}
    assert by["section", "statutory-duties"]["n"] == 6
    assert by["section", "statutory-duties"]["mean_label"] == "2.6"  # 15.5 / 6 = 2.583
    assert by["statement", "annual-report-1"] == {
        "level": "statement", "id": "annual-report-1", "n": 0, "mode": [], "mode_label": "", "mean": None,
        "mean_label": "", "range": None}
    assert len(rows) == 26 + 19 + 3
    assert set(rows[0]) == {"level", "id", "n", "mode", "mode_label", "mean", "mean_label", "range"}


def test_csv_format(tmp_path: Path) -> None:
    code, out, _ = run("score", str(write(tmp_path, "r.csv", LONG)), "--format", "csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [
        ["level", "id", "n", "mode", "mean", "range"],
        ["statement", "case-reviews-1", "4", "2/3", "2.5", "1"],
        ["statement", "strategic-plan-1", "2", "2/3.5", "2.8", "1.5"],
    ]


def test_table_format_is_aligned(tmp_path: Path) -> None:
    code, out, _ = run("score", str(write(tmp_path, "r.csv", LONG)), "--definition", str(BOARD))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["id", "n", "mode", "mean", "range"]
    row = next(line for line in lines if line.strip().startswith("case-reviews-1"))
    assert row.split()[:5] == ["case-reviews-1", "4", "2/3", "2.5", "1"]
    assert "To arrange local child safeguarding" in row
    empty = next(line for line in lines if line.strip().startswith("annual-report-1"))
    assert empty.split()[:5] == ["annual-report-1", "0", "-", "-", "-"]
    assert len({line.index(" n") for line in lines[:1]}) == 1


def test_out_file_and_header_case(tmp_path: Path) -> None:
    rows = [line.split(",") for line in LONG.splitlines()[1:]]
    reordered = "Rating,RESPONDENT,Statement,Notes\n" + "".join(f"{c},{a},{b},{d}\n" for a, b, c, d in rows)
    source = write(tmp_path, "r.csv", reordered)
    out = tmp_path / "figures.json"
    code, stdout, err = run("score", str(source), "--format", "json", "--out", str(out))
    assert code == 0 and stdout == "" and f"wrote {out}" in err
    assert json.loads(out.read_text())[0]["id"] == "case-reviews-1"


def test_wide_form_csv(tmp_path: Path) -> None:
    wide = "respondent,case-reviews-1,strategic-plan-1\npolice,2,3.5\nccg,2,n/a\nhospital,3,\ncouncil,3,2\n"
    code, out, err = run("score", str(write(tmp_path, "w.csv", wide)), "--format", "json")
    assert code == 0 and "(wide form)" in err
    assert [(r["id"], r["mode_label"], r["mean_label"]) for r in json.loads(out)] == [
        ("case-reviews-1", "2/3", "2.5"), ("strategic-plan-1", "2/3.5", "2.8")]


def test_xlsx_long_and_wide(tmp_path: Path) -> None:
    long_rows = [["respondent", "statement", "rating"]] + [r.split(",")[:3] for r in LONG.splitlines()[1:]]
    long_rows = [[a, b, float(c) if c.replace(".", "").isdigit() else (c or None)] for a, b, c in long_rows[1:]]
    path = xlsx(tmp_path, "long.xlsx", [["Respondent", "Statement", "Rating"], *long_rows])
    code, out, err = run("score", str(path), "--format", "json", "--definition", str(BOARD))
    assert code == 0 and "(long form)" in err
    by = {r["id"]: r for r in json.loads(out)}
    assert by["case-reviews-1"]["mode_label"] == "2/3" and by["strategic-plan-1"]["range"] == 1.5
    path = xlsx(tmp_path, "wide.xlsx", [["respondent", "case-reviews-1"], ["a", 2], ["b", 3], ["c", "N/A"]])
    code, out, err = run("score", str(path), "--format", "csv")
    assert code == 0 and "(wide form)" in err and "case-reviews-1,2,2/3,2.5,1" in out


def test_windows_1252_csv_is_read(tmp_path: Path) -> None:
    data = "respondent,statement,rating\nCaf\xe9 agency,s1,3\n".encode("cp1252")
    code, out, _ = run("score", str(write(tmp_path, "r.csv", data)), "--format", "csv")
    assert code == 0 and "s1,1,3,3.0,0" in out


def test_semicolon_csv_is_read(tmp_path: Path) -> None:
    code, out, _ = run("score", str(write(tmp_path, "r.csv", "respondent;statement;rating\na;s1;3\nb;s1;4\n")),
                       "--format", "csv")
    assert code == 0 and "s1,2,3/4,3.5,1" in out


# -- bad input: exit 1, one line naming the file, row and value, nothing written ---------------------------------
BAD_CSV = [
    ("missing-header.csv", "police,s1,3\n", "row 1: the header must name the columns respondent, statement, rating"),
    ("wrong-columns.csv", "agency,question,score\na,s1,3\n", "found: agency, question, score"),
    ("text-rating.csv", "respondent,statement,rating\na,s1,3\nb,s1,good\n", "row 3: rating 'good' is not a number"),
    ("seven.csv", "respondent,statement,rating\na,s1,7\n", "row 2: rating 7 is not on the scale"),
    ("zero.csv", "respondent,statement,rating\na,s1,0.5\n", "row 2: rating 0.5 is not on the scale"),
    ("quarter.csv", "respondent,statement,rating\na,s1,2.25\n", "row 2: rating 2.25 is not on the scale"),
    ("twice.csv", "respondent,statement,rating\na,s1,3\nb,s1,3\na,s1,2\n",
     "row 4: respondent 'a' already rated statement 's1' on row 2"),
    ("empty.csv", "", "the file is empty"),
    ("blank-lines.csv", "\n\n", "the file is empty"),
    ("no-respondent.csv", "respondent,statement,rating\n,s1,3\n", "row 2: the respondent is blank"),
    ("no-statement.csv", "respondent,statement,rating\na,,3\n", "row 2: the statement id is blank"),
    ("infinite.csv", "respondent,statement,rating\na,s1,inf\n", "row 2: rating 'inf' is not a number"),
    ("wide-dup.csv", "respondent,s1\na,3\na,2\n", "row 3: respondent 'a' has two rows"),
    ("wide-dup-col.csv", "respondent,s1,s1\na,3,2\n", "row 1: statement 's1' has two columns"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_CSV, ids=[b[0] for b in BAD_CSV])
def test_bad_csv(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = write(tmp_path, name, content)
    out = tmp_path / "out.json"
    code, stdout, err = run("score", str(path), "--format", "json", "--out", str(out))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: ") and message in lines[0]
    assert stdout == "" and not out.exists()
    assert list(tmp_path.glob(".out.json*")) == []


def test_unknown_statement_with_definition(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "respondent,statement,rating\na,strategic-plan-1,3\nb,strategic-plan-9,3\n")
    code, _, err = run("score", str(path), "--definition", str(BOARD))
    assert code == 1
    assert f"{path}: row 3: statement 'strategic-plan-9' is not in questionnaire 'board-self-assessment'" in err


def test_half_point_where_scale_forbids(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "respondent,statement,rating\na,training-1,3\nb,training-1,2.5\n")
    code, _, err = run("score", str(path), "--definition", str(S11))
    assert code == 1
    assert "row 3: rating 2.5 is a half point, which questionnaire 'section-11-audit' does not allow" in err
    code, _, _ = run("score", str(path), "--definition", str(BOARD))
    assert code == 1  # training-1 is not a board statement


def test_not_applicable_is_not_counted_with_definition(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "respondent,statement,rating\na,training-1,3\nb,training-1,N/A\n")
    code, out, _ = run("score", str(path), "--definition", str(S11), "--format", "json")
    assert code == 0
    assert next(r for r in json.loads(out) if r["id"] == "training-1")["n"] == 1


def test_corrupt_xlsx(tmp_path: Path) -> None:
    good = xlsx(tmp_path, "good.xlsx", [["respondent", "statement", "rating"], ["a", "s1", 3]])
    path = write(tmp_path, "corrupt.xlsx", good.read_bytes()[:300])
    code, _, err = run("score", str(path))
    assert code == 1 and f"{path}: the workbook is damaged and cannot be read" in err


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    path = write(tmp_path, "fake.xlsx", buffer.getvalue())
    code, _, err = run("score", str(path))
    assert code == 1 and "this is not an Excel .xlsx workbook" in err


def test_password_protected_or_xls(tmp_path: Path) -> None:
    # Encrypted workbooks and old .xls files are OLE compound documents, not zip packages.
    path = write(tmp_path, "secret.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    code, _, err = run("score", str(path))
    assert code == 1 and "password-protected" in err and ".xls" in err


@pytest.mark.parametrize("content", [b"%PDF-1.7\n\x00\x01\x02binary", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_not_csv_or_xlsx(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "thing.csv", content)
    code, _, err = run("score", str(path))
    assert code == 1 and f"{path}: this is not a CSV or XLSX file" in err


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run("score", str(tmp_path / "nope.csv"))
    assert code == 1 and "nope.csv: cannot read the file" in err


def test_bad_definition(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", LONG)
    code, _, err = run("score", str(path), "--definition", str(write(tmp_path, "d.yaml", "id: [")))
    assert code == 1 and "--definition is invalid" in err and "d.yaml:1" in err


def test_bad_format_option(tmp_path: Path) -> None:
    code, _, err = run("score", str(write(tmp_path, "r.csv", LONG)), "--format", "xml")
    assert code == 2 and "'xml' is not one of 'table', 'csv', 'json'" in err


def test_help_describes_detection() -> None:
    code, out, _ = run("score", "--help")
    assert code == 0 and "long form" in out and "wide form" in out and "N/A" in out
