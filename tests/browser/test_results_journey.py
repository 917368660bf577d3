"""Results in Chromium: the manager reads interim results and publishes; the chair reads the board's results."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Agency
from tests.browser.helpers import follow, press, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser


def test_manager_and_chair_read_results(app: Flask, demo: Demo, live_server: str, browser, axe) -> None:  # type: ignore[no-untyped-def]
    manager_context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    chair_context = browser.new_context(bypass_csp=True)
    manager, chair = manager_context.new_page(), chair_context.new_page()

    sign_in(manager, live_server, "manager@demo.example")
    follow(manager, "Section 11 audit 2026")
    follow(manager, "Results")
    assert "Interim results: 0 of 9 returns counted" in manager.content()
    assert "Results are shown once at least 3 returns are counted" in manager.content()
    axe.check(manager)
    press(manager, "Publish to the chair")
    assert "The results are published: the chair sees them as they are now" in manager.content()

    follow(manager, "Back")
    manager.goto(f"{live_server}/manager/")
    follow(manager, "Board self-assessment 2025")
    follow(manager, "Results")
    assert "Results from 6 of 6 returns" in manager.content()
    manager.get_by_text("How these figures are worked out").click()
    assert manager.get_by_text("no hidden figure can be worked out").is_visible()
    axe.check(manager)
    shot(manager, "results-manager")
    follow(manager, "Grading of returns")
    assert manager.get_by_role("row").count() == 7
    axe.check(manager)
    shot(manager, "results-grading")

    sign_in(chair, live_server, "chair@demo.example")
    assert chair.url.endswith("/chair/")
    axe.check(chair)
    follow(chair, "Board self-assessment 2025")
    assert chair.get_by_role("table").first.is_visible()
    svg = chair.locator("svg.app-distribution").first
    assert svg.get_attribute("role") == "img" and ":" in (svg.get_attribute("aria-label") or "")
    axe.check(chair)
    shot(chair, "results-chair")
    source = html.unescape(chair.content())
    with app.app_context():
        agencies = db.session.scalars(select(Agency.name)).all()
    assert not [a for a in agencies if a in source.replace("CCG and Essex Police", "")], \
        "no agency named in the chair's page (the questionnaire's own text aside)"
    with chair.expect_download() as download:
        chair.get_by_role("button", name="Download the board workbook").click()
    assert download.value.suggested_filename.endswith("-board-workbook.xlsx")
    chair.goto(f"{live_server}/chair/")
    assert "Interim (published)" in chair.content(), "the published open round is listed"
    assert axe.problems == []
    manager_context.close()
    chair_context.close()
