"""A board manager brings the board's own spreadsheet questionnaire in Chromium: uploads it with mistakes, reads
each by its cell, fixes it, previews the form as an agency will see it, publishes it and opens a round with it,
all on the running server (no restart); an agency then answers it."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.browser.helpers import create_round, follow, press, shot, sign_in
from tests.fixtures_demo import Demo
from tests.spreadsheets import xlsx_bytes

pytestmark = pytest.mark.browser

HEADER = ["Section", "Duty", "Statement id", "Text", "Guidance"]
ROWS = [["Leadership", "Senior lead", "lead-1", "A named senior lead is accountable for safeguarding.",
         "Name the lead and how they report"],
        ["", "", "lead-2", "The lead reports to the board each year.", ""],
        ["Staff", "Training", "train-1", "Staff are trained for their role.", ""]]


def workbook(path: Path, rows: list[list[str]]) -> Path:
    path.write_bytes(xlsx_bytes([HEADER, *rows]))
    return path


def test_manager_uploads_fixes_previews_publishes_and_opens_a_round(app: Flask, demo: Demo, live_server: str,  # type: ignore[no-untyped-def]
                                                                  browser, axe, tmp_path: Path, mailbox) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    manager = context.new_page()
    sign_in(manager, live_server, "manager@demo.example")
    follow(manager, "Your questionnaires")
    axe.check(manager)

    broken = workbook(tmp_path / "our-audit.xlsx", [ROWS[0], ["", "", "lead-2", "", ""],
                                                    ["Staff", "Training", "lead-1", "Staff are trained.", ""]])
    manager.get_by_label("File").set_input_files(str(broken))
    manager.get_by_label("Title (for a spreadsheet)").fill("Our safeguarding audit")
    press(manager, "Check the file")
    summary = manager.locator(".govuk-error-summary")
    assert "Nothing has been saved" in summary.inner_text()
    assert "our-audit.xlsx: cell D3: the statement text is blank" in summary.inner_text()
    assert manager.get_by_label("Title (for a spreadsheet)").input_value() == "Our safeguarding audit"
    axe.check(manager)
    shot(manager, "questionnaire-upload-problems")

    fixed = workbook(tmp_path / "our-audit.xlsx", ROWS)
    manager.get_by_label("File").set_input_files(str(fixed))
    press(manager, "Check the file")
    assert manager.get_by_role("heading", name="Our safeguarding audit").is_visible()
    assert "This is a draft" in manager.content()
    preview = manager.locator("[data-preview]")
    assert preview.get_by_role("group", name="A named senior lead is accountable for safeguarding.").is_visible()
    assert preview.get_by_text("Name the lead and how they report").is_visible()
    preview.get_by_label("3 – Good").first.check()  # the preview behaves as the agency's form does
    axe.check(manager)
    shot(manager, "questionnaire-preview")
    press(manager, "Publish for Southend Safeguarding Children Partnership")
    assert "is published: choose it when you create a round" in manager.content()

    create_round(manager, live_server, "Our safeguarding audit (version 1, uploaded by your board)",
                 "Our safeguarding audit 2027", "Essex Police")
    follow(manager, "Open the round")
    press(manager, "Open the round")
    assert "invitations sent" in manager.content()

    lead_context = browser.new_context(bypass_csp=True)
    lead = lead_context.new_page()
    sign_in(lead, live_server, "lead.police@demo.example")
    follow(lead, "Our safeguarding audit 2027")
    follow(lead, "Continue")
    assert lead.get_by_role("heading", name="Senior lead").is_visible()
    assert "A named senior lead is accountable for safeguarding." in lead.content()
    axe.check(lead)
    assert axe.problems == []
    lead_context.close()
    context.close()
