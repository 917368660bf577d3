"""The board workbook as a board paper: printed to PDF by LibreOffice, as a board manager would, and read back."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from survey.cli import main
from survey.definitions import load_file
from survey.models import RoundState
from tests.cli.test_export import env, round_id  # noqa: F401 - env is a fixture

BOARD = Path(__file__).resolve().parents[2] / "questionnaires" / "board-self-assessment.yaml"
A4 = (595, 842)  # points, portrait


def print_to_pdf(workbook: Path, folder: Path) -> PdfReader:
    """LibreOffice's own PDF of the workbook, every sheet, as File > Export as PDF makes it."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is needed to print the workbook (./dev test installs libreoffice-calc-nogui)"
    profile = folder / "profile"  # its own profile, so that test workers never share LibreOffice's lock
    done = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                           "pdf", "--outdir", str(folder), str(workbook)], capture_output=True, text=True,
                          timeout=180, check=False)
    pdf = folder / f"{workbook.stem}.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    return PdfReader(pdf)


def test_the_printed_workbook_is_whole(env: dict[str, str], runner: CliRunner, db_url: str,  # noqa: F811
                                       tmp_path: Path) -> None:
    out = tmp_path / "board.xlsx"
    result = runner.invoke(main, ["export", str(round_id(db_url, RoundState.CLOSED)), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    reader = print_to_pdf(out, tmp_path)
    pages = [page.extract_text() for page in reader.pages]
    sheets = load_workbook(out).sheetnames
    # Every page is A4, says whose paper it is, and is numbered.
    assert len(sheets) <= len(pages) <= 40
    for number, (page, text) in enumerate(zip(reader.pages, pages, strict=True), start=1):
        assert sorted(round(float(v)) for v in page.mediabox[2:]) == list(A4), number
        assert "Southend Safeguarding Children Partnership" in text and "Board self-assessment 2025" in text
        assert f"Page {number} of {len(pages)}" in text
    tokens = re.findall(r"[\w'.-]+", " ".join(pages))
    words = set(tokens) | {t.rstrip(".") for t in tokens}
    # Every statement, duty and section id is printed whole (never cut at the column's edge or wrapped inside).
    questionnaire = load_file(BOARD)
    ids = [s.id for s in questionnaire.sections] + [st.id for _, _, st in questionnaire.statements()]
    assert [i for i in ids if i not in words] == []
    # And every word of every column header: a header wraps between its words, never inside one.
    summary = load_workbook(out)["Summary"]
    headers = [str(c.value) for c in summary[5] if c.value]
    assert "Rated Outstanding" in headers
    assert [w for h in headers for w in h.split() if w not in words] == []
    assert "6 of 6 returns counted" in pages[0], "the Summary starts with its title block"
