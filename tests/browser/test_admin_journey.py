"""An administrator sets up a second partnership in Chromium: adds it, gives it a board manager and a chair."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.browser.helpers import follow, press, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser


def test_admin_adds_a_partnership_and_its_board_people(app: Flask, demo: Demo, live_server: str, browser,  # type: ignore[no-untyped-def]
                                                       axe, mailbox) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    sign_in(page, live_server, "admin@demo.example")
    follow(page, "Partnerships")
    axe.check(page)
    follow(page, "Add a partnership")
    page.get_by_label("Name", exact=True).fill("Lambeth Safeguarding Children Partnership")
    page.get_by_label("Short name").fill("Lambeth Board")
    press(page, "Add the partnership")
    assert page.get_by_role("link", name="The short name can only hold lower-case letters").is_visible()
    axe.check(page)
    page.get_by_label("Short name").fill("lambeth")
    press(page, "Add the partnership")
    assert "Now give it a board manager" in page.content()
    page.get_by_label("Full name").fill("Sam Okafor")
    page.get_by_label("Email address").fill("sam.okafor@lambeth.example")
    page.get_by_label("Board manager").check()
    press(page, "Add")
    assert "Sam Okafor is now manager of Lambeth Safeguarding Children Partnership" in page.content()
    assert len(mailbox.to("sam.okafor@lambeth.example")) == 1
    page.get_by_label("Email address").fill("chair@demo.example")
    page.get_by_label("Chair", exact=True).check()
    press(page, "Add")
    assert "is now chair of Lambeth Safeguarding Children Partnership" in page.content()
    axe.check(page)
    shot(page, "admin-partnership")
    follow(page, "Change the name of Lambeth Safeguarding Children Partnership")
    page.get_by_label("Name", exact=True).fill("")
    press(page, "Save the name")
    assert page.get_by_role("link", name="Enter the partnership's name").is_visible()
    axe.check(page)
    page.get_by_label("Name", exact=True).fill("Lambeth Safeguarding Partnership")
    press(page, "Save the name")
    assert "Lambeth Safeguarding Children Partnership is now called Lambeth Safeguarding Partnership" in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "Lambeth Safeguarding Partnership"
    follow(page, "Partnerships")
    assert "Sam Okafor" in page.get_by_role("table").inner_text()
    shot(page, "admin-partnerships")
    assert axe.problems == []
    context.close()
