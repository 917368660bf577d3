"""A board manager sets up a round jointly with a neighbouring board in Chromium."""

from __future__ import annotations

import pytest
from flask import Flask

from survey.extensions import db
from survey.services import agencies, boards
from tests.browser.helpers import fill_date, follow, press, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser

LAMBETH = "Lambeth Safeguarding Children Partnership"


def test_manager_creates_a_joint_round(app: Flask, demo: Demo, live_server: str, browser, axe) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        lambeth = boards.create_partnership(db.session(), LAMBETH, "lambeth")
        agencies.create_agency(db.session(), lambeth.id, "Lambeth Youth Service", "youth service")
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    sign_in(page, live_server, "manager@demo.example")
    follow(page, "Create a round")
    page.get_by_label("Section 11 audit (version 2023.1)").check()
    page.get_by_label("Title").fill("Joint Section 11 audit of health providers, 2027")
    fill_date(page, "opens_on", "1", "2", "2027")
    fill_date(page, "deadline", "31", "3", "2027")
    assert page.get_by_label("Lambeth Youth Service").count() == 0
    page.get_by_label(LAMBETH).check()
    press(page, "List the agencies of the chosen partnerships")
    assert page.get_by_label("Lambeth Youth Service").is_checked()
    assert page.get_by_label("Title").input_value() == "Joint Section 11 audit of health providers, 2027"
    for box in page.locator("input[name=agencies]").all():
        box.uncheck()
    page.get_by_label("Lambeth Youth Service").check()
    page.get_by_label("Southend University Hospital NHS Foundation Trust").check()
    axe.check(page)
    shot(page, "manager-joint-round")
    press(page, "Create round")
    assert "has been created as a draft" in page.content()
    assert f"Southend Safeguarding Children Partnership and {LAMBETH}" in page.content()
    axe.check(page)
    follow(page, "Rounds")
    assert f"(jointly with {LAMBETH})" in page.get_by_role("table").inner_text()
    assert axe.problems == []
    context.close()
