"""The chair agrees an area for development with an action in Chromium, records its progress and colour; the next
round shows the area, carries the open action and draws the trend."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from tests.browser.helpers import follow, press, shot, sign_in
from tests.fixtures_demo import Demo
from tests.web.test_development import closed_round
from tests.web.test_results import copy_round

pytestmark = pytest.mark.browser


def test_chair_agrees_an_area_and_the_next_round_shows_it(app: Flask, demo: Demo, live_server: str, browser,  # type: ignore[no-untyped-def]
                                                          axe) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    chair = context.new_page()
    sign_in(chair, live_server, "chair@demo.example")
    follow(chair, "Board self-assessment 2025")
    follow(chair, "Areas for development")
    assert chair.get_by_role("heading", name="Suggested by the results").is_visible()
    axe.check(chair)
    chair.locator("a", has_text="Agree an area").first.click()
    chair.wait_for_load_state()
    axe.check(chair)
    press(chair, "Agree the area")
    assert chair.get_by_role("link", name="Enter a title for the area").is_visible()
    chair.get_by_label("Title").fill("Learning from case reviews")
    chair.get_by_label("Rationale").fill("Partners rated case review learning lowest.")
    chair.get_by_label("strategic-plan-1", exact=False).check()
    press(chair, "Agree the area")
    assert "Add its actions next" in chair.content()
    follow(chair, "Add an action to Learning from case reviews")
    axe.check(chair)
    chair.get_by_label("What will be done").fill("Quarterly learning briefings for all partners")
    chair.get_by_label("Owning agency").select_option(label="Essex Police")
    due = dt.date.today() + dt.timedelta(days=90)
    chair.fill("#due_on-day", str(due.day))
    chair.fill("#due_on-month", str(due.month))
    chair.fill("#due_on-year", str(due.year))
    chair.get_by_label("In progress").check()
    press(chair, "Save the action")
    assert "Quarterly learning briefings" in chair.content() and "0 of 1 action done" in chair.content()
    axe.check(chair)
    shot(chair, "development-areas")

    # Progress: a note with its evidence, and the colour the board sets, with its reason.
    with chair.expect_navigation():
        chair.get_by_role("link", name="Progress of action 1 of Learning from case reviews").click()
    axe.check(chair)
    chair.get_by_label("What has happened").fill("First briefing held in March; 42 staff attended.")
    chair.get_by_label("Links to evidence (optional)").fill("https://board.example/briefings/march")
    press(chair, "Add the note")
    assert "The note has been added" in chair.content()
    assert chair.get_by_role("link", name="https://board.example/briefings/march").is_visible()
    chair.get_by_label("Amber").check()
    press(chair, "Save the colour")
    assert chair.get_by_role("link", name="Say why the board sets this colour").is_visible()
    axe.check(chair)
    chair.get_by_label("Why the board sets this colour").fill("Attendance from health partners is low")
    press(chair, "Save the colour")
    assert "Set by the board: Attendance from health partners is low" in chair.content()
    axe.check(chair)
    shot(chair, "action-progress")

    second = copy_round(app, closed_round(app), "Board self-assessment 2026", {})
    chair.goto(f"{live_server}/chair/rounds/{second}/results")
    assert chair.get_by_role("heading", name="Areas for development from Board self-assessment 2025").is_visible()
    assert chair.locator("#statement-strategic-plan-1").get_by_role(
        "link", name="Area for development: Learning from case reviews").is_visible()
    assert chair.get_by_role("heading", name="Trend over rounds").is_visible()
    assert chair.locator("#trend-duty-strategic-plan svg[role=img]").count() == 1
    axe.check(chair)
    follow(chair, "Areas for development")
    carried = chair.locator("[id^=carried-area-]").filter(has_text="Learning from case reviews")
    assert carried.get_by_text("Quarterly learning briefings for all partners").is_visible()
    assert carried.get_by_text("Set by the board: Attendance from health partners is low").is_visible()
    axe.check(chair)
    shot(chair, "development-carried")
    assert axe.problems == []
    context.close()
