"""A board manager looks after agencies and people in Chromium: adds a person, imports a file after a failed try."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.browser.helpers import follow, press, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser


def test_manager_adds_people_and_imports_a_file(app: Flask, demo: Demo, live_server: str, browser,  # type: ignore[no-untyped-def]
                                                axe, mailbox, tmp_path: Path) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    sign_in(page, live_server, "manager@demo.example")
    follow(page, "Agencies and people")
    axe.check(page)
    shot(page, "manager-agencies")
    follow(page, "Essex Police")
    axe.check(page)
    follow(page, "Add a person")
    press(page, "Add the person")
    assert page.get_by_role("link", name="Choose lead or contributor").is_visible()
    axe.check(page)
    page.get_by_label("Full name").fill("Pat Newman")
    page.get_by_label("Email address").fill("pat.newman@police.example")
    page.get_by_label("Contributor").check()
    press(page, "Add the person")
    assert "Pat Newman is now contributor for Essex Police" in page.content()
    assert len(mailbox.to("pat.newman@police.example")) == 1

    bad = tmp_path / "people.csv"
    bad.write_text("agency,type,name,email,role\nNowhere,,Al,al@x.example,\n")
    page.goto(f"{live_server}/manager/agencies/import")
    page.get_by_label("File").set_input_files(str(bad))
    press(page, "Check the file")
    assert "unknown agency 'Nowhere'" in page.content() and "Nothing has been saved" in page.content()
    axe.check(page)
    good = tmp_path / "people.csv"
    good.write_text("agency,type,name,email,role\nNowhere,Charity,Al,al@x.example,lead\n")
    page.get_by_label("File").set_input_files(str(good))
    press(page, "Check the file")
    assert "1 new agency, 1 new person, 1 new role" in page.content()
    axe.check(page)
    press(page, "Import")
    assert "Nowhere" in page.get_by_role("table").inner_text()
    axe.check(page)
    assert axe.problems == []
    context.close()
