"""Pages people open on a phone fit a 375-pixel-wide screen: a wide table scrolls in its own box, the page does not."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.browser.helpers import sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser
WIDTH = 375


@pytest.mark.parametrize(("email", "path"), [
    ("lead.police@demo.example", "/agency/"),
    ("lead.police@demo.example", "/agency/actions"),
    ("manager@demo.example", "/manager/"),
    ("chair@demo.example", "/chair/"),
])
def test_the_page_is_no_wider_than_a_phone(app: Flask, demo: Demo, live_server: str, browser, axe,  # type: ignore[no-untyped-def]
                                           email: str, path: str) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": 800}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, email)
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, path
    axe.check(page)
    assert axe.problems == []
    context.close()


@pytest.mark.parametrize("page_of", ["manager.dashboard", "manager.results"])
def test_a_rounds_pages_fit_too(app: Flask, demo: Demo, live_server: str, browser, axe,  # type: ignore[no-untyped-def]
                                page_of: str) -> None:
    from survey.models import RoundState
    from tests.fixtures_demo import round_in_state

    rid = round_in_state(app, RoundState.CLOSED)
    path = f"/manager/rounds/{rid}" + ("/results" if page_of == "manager.results" else "")
    context = browser.new_context(viewport={"width": WIDTH, "height": 800}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "manager@demo.example")
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, path
    axe.check(page)
    assert axe.problems == []
    context.close()
