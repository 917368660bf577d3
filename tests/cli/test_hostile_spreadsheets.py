"""Every spreadsheet or CSV reader refuses the same hostile files with one line and no traceback:
`survey agencies import`, `survey score` and `survey questionnaire from-xlsx` (the return workbook's own
checks are in tests/web/test_offline_workbook.py and share survey/spreadsheets.py)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from survey.cli import main
from tests.spreadsheets import xlsx_bytes as _xlsx

from .test_agencies_import import counts, env  # noqa: F401 - env is a fixture


def _with(data: bytes, extra: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for name, content in extra.items():
            dst.writestr(name, content)
    return out.getvalue()


def _bomb(data: bytes) -> bytes:
    # Well under a megabyte on disk, 200 MB once expanded: what took a worker to +416 MB before.
    return _with(data, {"xl/media/padding.xml": b"0" * (200 * 1024 * 1024)})


HOSTILE: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("zip bomb", _bomb, "the workbook expands to far more than"),
    ("macros", lambda d: _with(d, {"xl/vbaProject.bin": b"\0" * 100}), "the workbook contains macros"),
    ("external links", lambda d: _with(d, {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
     "the workbook links to other files"),
    ("entities", lambda d: _with(d, {"xl/evil.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x/>'}),
     "XML declarations Excel never writes"),
    ("damaged", lambda d: d[: len(d) // 2], "the workbook is damaged and cannot be read"),
    ("xls", lambda d: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old Excel (.xls) file"),
]
READERS = {
    "agencies import": (["agency", "type", "name", "email", "role"],
                        lambda path: ["agencies", "import", str(path), "--partnership", "southend"]),
    "score": (["respondent", "statement", "rating"], lambda path: ["score", str(path)]),
    "questionnaire from-xlsx": (["section", "duty", "statement id", "text"],
                                lambda path: ["questionnaire", "from-xlsx", str(path), "--id", "x", "--title", "X"]),
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize(("kind", "spoil", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_every_reader_refuses_a_hostile_workbook_in_one_line(env: dict[str, str], runner: CliRunner,  # noqa: F811
                                                             tmp_path: Path, reader: str, kind: str,
                                                             spoil: Callable[[bytes], bytes], message: str) -> None:
    header, command = READERS[reader]
    path = tmp_path / "file.xlsx"
    path.write_bytes(spoil(_xlsx([header, ["Essex Police", "police", "A", "a@x.example", "lead"][:len(header)]])))
    before = counts(env["SURVEY_DATABASE_URL"])
    result = runner.invoke(main, command(path), env=env)
    assert result.exit_code == 1, result.output
    assert message in result.output and path.name in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert counts(env["SURVEY_DATABASE_URL"]) == before


@pytest.mark.parametrize("reader", list(READERS))
def test_every_reader_refuses_an_over_long_csv_cell_in_one_line(env: dict[str, str], runner: CliRunner,  # noqa: F811
                                                                tmp_path: Path, reader: str) -> None:
    header, command = READERS[reader]
    path = tmp_path / "file.csv"
    path.write_text(",".join(header) + "\n" + ",".join(['"' + "x" * 140_000 + '"'] * len(header)) + "\n")
    result = runner.invoke(main, command(path), env=env)
    assert result.exit_code == 1 and "row 2: this is not a readable CSV file" in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
