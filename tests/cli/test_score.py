"""`survey score` through the CLI: every format, long and wide form, CSV and XLSX, and every bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
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


READERS = ["standard", "polars"]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(("name", "content", "message"), BAD_CSV, ids=[b[0] for b in BAD_CSV])
def test_bad_csv(tmp_path: Path, name: str, content: str, message: str, reader: str) -> None:
    path = write(tmp_path, name, content)
    out = tmp_path / "out.json"
    code, stdout, err = run("score", str(path), "--format", "json", "--out", str(out), "--reader", reader)
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


# -- files that used to be read silently wrong: each is read right or refused with one line ------------------------
def _one_error(args: list[str]) -> str:
    code, stdout, err = run("score", *args)
    lines = err.strip().splitlines()
    assert code == 1 and stdout == "" and len(lines) == 1, (code, stdout, err)
    return lines[0]


def test_formula_never_calculated_is_refused_with_its_cell(tmp_path: Path) -> None:
    # openpyxl, like many scripts, writes formulas without the value Excel would have saved with them.
    path = xlsx(tmp_path, "f.xlsx", [["respondent", "statement", "rating"], ["a", "s1", 3], ["b", "s1", "=1+1"],
                                     ["c", "s1", "=C2"]])
    line = _one_error([str(path)])
    assert "(sheet 'Sheet'): row 3: cell C3 has a formula that was never calculated" in line and "save it" in line


def test_formula_with_a_saved_value_is_read(tmp_path: Path) -> None:
    path = xlsx(tmp_path, "f.xlsx", [["respondent", "statement", "rating"], ["a", "s1", 3], ["b", "s1", "=1+1"]])
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"<f>1+1</f><v />",
                                                                                b"<f>1+1</f><v>2</v>")
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(saved, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    code, out, _ = run("score", str(saved), "--format", "csv")
    assert code == 0 and "s1,2,2/3,2.5,1" in out


def test_the_sheet_read_is_named_and_another_can_be_chosen(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["These ratings were collected in March"])
    ratings = workbook.create_sheet("Ratings")
    for row in [["respondent", "statement", "rating"], ["a", "s1", 3], ["b", "s1", 4]]:
        ratings.append(row)
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    assert "row 1: the header must name the columns" in _one_error([str(path)])
    assert f"{path} (sheet 'Notes'): row 1" in _one_error([str(path)])
    code, out, err = run("score", str(path), "--sheet", "Ratings", "--format", "csv")
    assert code == 0 and "s1,2,3/4,3.5,1" in out and "(sheet 'Ratings')" in err
    line = _one_error([str(path), "--sheet", "Rating"])
    assert "there is no sheet 'Rating'; the sheets are 'Notes', 'Ratings'" in line
    csv_file = write(tmp_path, "r.csv", LONG)
    assert "--sheet is for workbooks; this is a CSV file" in _one_error([str(csv_file), "--sheet", "Ratings"])


EXTRA = [
    ("value-right-of-header.csv", "respondent,statement,rating\na,s1,3\nb,s1,4,4\n",
     "row 3: column D has a value but no header"),
    ("wide-value-right-of-header.csv", "respondent,s1,s2\na,3,2\nb,4,4,1\n",
     "row 3: column D has a value but no header"),
    ("blank-header-column.csv", "respondent,s1,s2,\na,3,2,\nb,4,4,1\n", "row 3: column D has a value but no header"),
    ("two-rating-columns.csv", "respondent,statement,rating,comment,rating\na,s1,3,,4\n",
     "row 1: there are two 'rating' columns (C and E); keep one"),
    ("two-respondent-columns.csv", "Respondent,statement,rating,respondent\na,s1,3,b\n",
     "row 1: there are two 'respondent' columns (A and D); keep one"),
    ("score-not-rating.csv", "Respondent,Statement,Score\na,s1,3\n",
     "row 1: there is no rating column; the long form needs the columns respondent, statement and rating "
     "(found: Respondent, Statement, Score)"),
    ("header-only.csv", "respondent,statement,rating\n", "there is a header on row 1 but no ratings under it"),
    ("header-only-wide.csv", "respondent,s1,s2\n\n", "there is a header on row 1 but no ratings under it"),
    ("blank-rows-first.csv", "\n,,\nrespondent,statement,rating\na,s1,3\nb,s1,good\n",
     "row 5: rating 'good' is not a number"),
    ("blank-rows-between.csv", "respondent,statement,rating\na,s1,3\n\n,,\nb,s1,9\n", "row 5: rating 9 is not"),
    ("comma-decimal-with-commas.csv", 'respondent,statement,rating\na,s1,"2,5"\n',
     "row 2: rating '2,5' is not a number"),
]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(("name", "content", "message"), EXTRA, ids=[e[0] for e in EXTRA])
def test_files_once_read_silently_wrong(tmp_path: Path, name: str, content: str, message: str, reader: str) -> None:
    path = write(tmp_path, name, content)
    line = _one_error([str(path), "--reader", reader])
    assert line.startswith(f"Error: {path}: ") and message in line


def test_blank_rows_before_the_header_keep_workbook_row_numbers(tmp_path: Path) -> None:
    path = xlsx(tmp_path, "late.xlsx", [[None], [None], ["respondent", "statement", "rating"], ["a", "s1", 3],
                                        ["b", "s1", 7]])
    assert "row 5: rating 7 is not on the scale" in _one_error([str(path)])


def test_merged_respondent_cells_are_carried_down(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    for row in [["respondent", "statement", "rating"], ["police", "s1", 3], [None, "s2", 4], ["ccg", "s1", 2],
                [None, "s2", 2]]:
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("A4:A5")
    path = tmp_path / "merged.xlsx"
    workbook.save(path)
    code, out, err = run("score", str(path), "--format", "csv")
    assert code == 0 and "read 2 respondents x 2 statements" in err
    assert "s1,2,2/3,2.5,1" in out and "s2,2,2/4,3.0,2" in out
    sheet.unmerge_cells("A4:A5")
    workbook.save(path)
    assert "row 5: the respondent is blank" in _one_error([str(path)])


def test_true_in_a_rating_cell_is_not_a_one(tmp_path: Path) -> None:
    path = xlsx(tmp_path, "b.xlsx", [["respondent", "statement", "rating"], ["a", "s1", 1], ["b", "s1", True]])
    assert "row 3: rating TRUE is not a number" in _one_error([str(path)])


def _ods(tmp_path: Path, rows: list[list[str]]) -> Path:
    """A minimal OpenDocument spreadsheet, as LibreOffice would save it."""
    def cell(value: str) -> str:
        try:
            return f'<table:table-cell office:value-type="float" office:value="{float(value)}"><text:p>{value}' \
                   "</text:p></table:table-cell>"
        except ValueError:
            return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body>'
        f'<office:spreadsheet><table:table table:name="Ratings">{body}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    path = tmp_path / "ratings.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_ods_is_read(tmp_path: Path) -> None:
    path = _ods(tmp_path, [["respondent", "statement", "rating"], ["a", "s1", "3"], ["b", "s1", "2.5"]])
    code, out, err = run("score", str(path), "--format", "csv")
    assert code == 0, err
    assert "s1,2,2.5/3,2.8,0.5" in out and "(sheet 'Ratings')" in err
    bad = _ods(tmp_path, [["respondent", "statement", "rating"], ["a", "s1", "5"]])
    assert "row 2: rating 5 is not on the scale" in _one_error([str(bad)])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_export_is_read(tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode Text" is tab-separated UTF-16 with a byte order mark; other tools leave the mark out.
    data = "respondent\tstatement\trating\r\nCafé agency\ts1\t3\r\nb\ts1\t4\r\n".encode(encoding)
    code, out, err = run("score", str(write(tmp_path, "u.txt", data)), "--format", "csv")
    assert code == 0, err
    assert "s1,2,3/4,3.5,1" in out


def test_semicolons_with_decimal_commas(tmp_path: Path) -> None:
    # What Excel writes in a European locale: semicolons between cells, a comma before the half.
    path = write(tmp_path, "eu.csv", "respondent;statement;rating\na;s1;2,5\nb;s1;3\nc;s1;3,5\n")
    code, out, _ = run("score", str(path), "--format", "csv")
    assert code == 0 and "s1,3,2.5/3/3.5,3.0,1" in out
    bad = write(tmp_path, "eu-bad.csv", "respondent;statement;rating\na;s1;2,25\n")
    assert "row 2: rating 2.25 is not on the scale" in _one_error([str(bad)])


@pytest.mark.parametrize("form", ["long", "wide"])
def test_both_readers_give_the_same_figures(tmp_path: Path, form: str) -> None:
    # Random ratings with blanks, N/A, quoted ids with commas, a BOM and CRLF line ends, read both ways.
    import random

    rng = random.Random(form)
    tokens = ["1", "1.5", "2", "2.5", "3", "3.5", "4", "", "N/A", " 3 "]
    ids = [f"s{j}" for j in range(12)]
    people = [f'"agency {i}, team {i % 7}"' for i in range(300)]
    if form == "long":
        lines = ["Respondent,comment,statement,rating"] + [
            f"{who},{rng.choice(['', 'ok', '=cmd'])},{sid},{rng.choice(tokens)}" for who in people for sid in ids]
    else:
        lines = ["respondent," + ",".join(ids)] + [who + "," + ",".join(rng.choice(tokens) for _ in ids)
                                                  for who in people]
    path = write(tmp_path, f"{form}.csv", b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    results = {}
    for reader in READERS:
        code, out, err = run("score", str(path), "--format", "json", "--reader", reader)
        assert code == 0, err
        assert f"read 300 respondents x 12 statements ({form} form)" in err
        assert ("with polars" in err) == (reader == "polars")
        results[reader] = json.loads(out)
    assert results["standard"] == results["polars"]
    assert sum(row["n"] for row in results["polars"]) > 300 * 12 * 0.7


def test_polars_is_chosen_for_large_files_only(tmp_path: Path) -> None:
    small = write(tmp_path, "small.csv", LONG)
    assert "with polars" not in run("score", str(small))[2]
    rows = "".join(f"r{i},s{i % 50},{1 + i % 4}\n" for i in range(400_000))
    large = write(tmp_path, "large.csv", "respondent,statement,rating\n" + rows)
    assert large.stat().st_size > 4 * 1024 * 1024
    code, out, err = run("score", str(large), "--format", "csv")
    assert code == 0 and "with polars" in err and "read 400000 respondents x 50 statements" in err
    assert run("score", str(large), "--format", "csv", "--reader", "standard")[1] == out


def test_out_to_a_device_or_pipe_writes_into_it(tmp_path: Path) -> None:
    # Renaming a finished file over --out /dev/null would replace the device for every program on the machine;
    # a named pipe takes the same path (it exists and is not a regular file) without risking the machine's.
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, _, err = run("score", str(write(tmp_path, "r.csv", LONG)), "--out", str(fifo), "--format", "csv")
    reader.join(timeout=10)
    assert code == 0 and b"case-reviews-1,4,2/3,2.5,1" in received[0]
    assert fifo.is_fifo()


@pytest.mark.parametrize("command", [["score", "{file}"], ["validate", str(BOARD)], ["score", "--help"]])
def test_commands_on_files_start_without_the_web_app(tmp_path: Path, command: list[str]) -> None:
    # The installed command, run as a board's script runs it; Python lists every module it imports.
    file = write(tmp_path, "r.csv", LONG)
    script = Path(sys.executable).parent / "survey"
    done = subprocess.run([sys.executable, "-X", "importtime", script, *(a.format(file=file) for a in command)],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "survey.cli.base" in loaded
    assert {"flask", "sqlalchemy", "alembic", "survey.cli.app"} & loaded == set()


def test_a_sheet_that_starts_right_of_column_a(tmp_path: Path) -> None:
    # The table begins at C3 (a title above it was deleted): read as written, columns named as the sheet names them.
    workbook = Workbook()
    sheet = workbook.active
    for row, values in enumerate([["respondent", "s1", "s2"], ["a", 3, 2], ["b", 4, 4], ["c", 2, 1]], start=3):
        for column, value in enumerate(values, start=3):
            sheet.cell(row=row, column=column, value=value)
    sheet.merge_cells("C5:C6")  # two rows of one respondent would be refused: a merge carries the id down
    path = tmp_path / "offset.xlsx"
    workbook.save(path)
    assert "row 6: respondent 'b' has two rows" in _one_error([str(path)])
    sheet.unmerge_cells("C5:C6")
    sheet["C6"] = "c"  # merging emptied it
    sheet["F5"] = 9
    workbook.save(path)
    assert "row 5: column F has a value but no header" in _one_error([str(path)])
    sheet["F5"] = None
    workbook.save(path)
    code, out, err = run("score", str(path), "--format", "csv")
    assert code == 0 and "read 3 respondents x 2 statements (wide form)" in err
    assert "s1,3,2/3/4,3.0,2" in out


@pytest.mark.parametrize("reader", ["standard", "polars"])
def test_a_large_file_says_it_is_being_read(tmp_path: Path, reader: str) -> None:
    rows = "".join(f"person-{i:06d},s{j},{1 + (i + j) % 4}\n" for i in range(60_000) for j in range(4))
    path = write(tmp_path, "big.csv", "respondent,statement,rating\n" + rows)
    assert path.stat().st_size > 4 * 2**20
    code, out, err = run("score", str(path), "--reader", reader, "--format", "csv")
    assert code == 0, err
    assert err.startswith(f"reading {path} (")
    # Rows are counted as the standard reader reads them; polars reads the whole file in one call.
    assert ("rows read" in err) == (reader == "standard")
    assert "read 60000 respondents x 4 statements (long form)" in err and "s1,60000," in out
