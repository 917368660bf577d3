"""An agency lead drafts offline in Chromium: downloads the workbook, uploads it with mistakes, then corrected."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook

from tests.browser.helpers import follow, press, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser


def test_upload_with_errors_then_corrected(app: Flask, demo: Demo, live_server: str, browser, axe,  # type: ignore[no-untyped-def]
                                           tmp_path: Path) -> None:
    app.config["AUTOSAVE_MS"] = 600_000
    context = browser.new_context(bypass_csp=True, accept_downloads=True)  # axe-core is injected inline
    page = context.new_page()
    sign_in(page, live_server, "lead.police@demo.example")
    follow(page, "Section 11 audit 2026")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this return as an Excel workbook").click()
    path = tmp_path / "return.xlsx"
    download.value.save_as(path)

    book = load_workbook(path)
    sheet = book.worksheets[1]
    sheet["E2"], sheet["E3"] = "good", 7
    book.save(path)
    follow(page, "upload the completed workbook")
    axe.check(page)
    page.get_by_label("Workbook").set_input_files(str(path))
    press(page, "Upload and check")
    assert "The workbook was not imported: 2 problems" in page.content()
    problem = ("1. Section 11 arrangements!E2 (Senior managers have a clear commitment to the importance...): "
               "'good' is not")
    assert page.get_by_role("link", name=problem, exact=False).is_visible()
    axe.check(page)
    shot(page, "agency-workbook-errors")

    sheet["E2"], sheet["E3"] = 4, 3
    sheet["F2"] = "Drafted offline and agreed by the safeguarding committee"
    book.save(path)
    page.get_by_label("Workbook").set_input_files(str(path))
    press(page, "Upload and check")
    assert "return.xlsx imported: 2 statements saved" in page.content()
    axe.check(page)
    assert axe.problems == []
    context.close()
