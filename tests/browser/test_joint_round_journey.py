"""A board manager asks a neighbouring board to run a round jointly, and its manager agrees, in Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from survey.extensions import db
from survey.models import Role
from survey.services import accounts, agencies, boards
from tests.authenticator import give_second_factor
from tests.browser.helpers import fill_date, follow, press, shot, sign_in
from tests.fixtures_demo import PASSWORD, Demo

pytestmark = pytest.mark.browser

LAMBETH = "Lambeth Safeguarding Children Partnership"
SOUTHEND = "Southend Safeguarding Children Partnership"
TITLE = "Joint Section 11 audit of health providers, 2027"


def test_a_joint_round_by_agreement(app: Flask, demo: Demo, live_server: str, browser, axe) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session()
        lambeth = boards.create_partnership(session, LAMBETH, "lambeth")
        agencies.create_agency(session, lambeth.id, "Lambeth Youth Service", "youth service")
        manager = boards.add_board_person(session, "Lambeth Manager", "manager@lambeth.example", Role.MANAGER, lambeth)
        accounts.set_password(session, manager, PASSWORD)
        give_second_factor(manager)
        session.commit()
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    sign_in(page, live_server, "manager@demo.example")
    follow(page, "Create a round")
    page.get_by_label("Section 11 audit (version 2023.1)").check()
    page.get_by_label("Title").fill(TITLE)
    opens = dt.date.today() + dt.timedelta(days=30)  # to come, whatever the day the test runs
    deadline = opens + dt.timedelta(days=60)
    fill_date(page, "opens_on", str(opens.day), str(opens.month), str(opens.year))
    fill_date(page, "deadline", str(deadline.day), str(deadline.month), str(deadline.year))
    page.get_by_label(LAMBETH).check()
    assert page.get_by_label("Lambeth Youth Service").count() == 0, "Lambeth chooses its own agencies"
    for box in page.locator("input[name=agencies]").all():
        box.uncheck()
    page.get_by_label("Southend University Hospital NHS Foundation Trust").check()
    axe.check(page)
    shot(page, "manager-joint-round")
    press(page, "Create round")
    assert "has been created as a draft" in page.content()
    assert f"{LAMBETH}: waiting for their answer" in page.content()
    axe.check(page)
    context.close()

    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "manager@lambeth.example")
    follow(page, TITLE)
    assert f"Run {TITLE} jointly?" in page.content() and SOUTHEND in page.content()
    axe.check(page)
    shot(page, "manager-joint-proposal")
    press(page, "Agree and take part")
    assert "Choose at least one of your agencies to take part" in page.content()
    axe.check(page)
    page.get_by_label("Lambeth Youth Service").check()
    press(page, "Agree and take part")
    assert f"{LAMBETH} now runs {TITLE} jointly" in page.content()
    assert f"{SOUTHEND} and {LAMBETH}" in page.content() and "Lambeth Youth Service" in page.content()
    axe.check(page)
    follow(page, "Rounds")
    assert f"{SOUTHEND} (jointly with {LAMBETH})" in page.get_by_role("table").inner_text()
    assert axe.problems == []
    context.close()
