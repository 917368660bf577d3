"""The second factor in Chromium: an agency lead sets up an authenticator app, signs in with a wrong code and then
the right one, and uses a recovery code (which works once); a manager without one is asked to set it up first."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Person
from tests.authenticator import codes_for
from tests.browser.helpers import follow, press, shot, sign_in
from tests.fixtures_demo import PASSWORD, Demo

pytestmark = pytest.mark.browser
LEAD = "lead.police@demo.example"


def password_step(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")
    assert page.url.endswith("/sign-in/code")


def wrong_code(secret: str) -> str:
    """A code no step around now has."""
    import datetime as dt

    from survey.services.second_factor import code_at

    now = dt.datetime.now(dt.UTC)
    valid = {code_at(secret, now + dt.timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def enter(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Code").fill(code)
    press(page, "Continue")


def test_an_agency_lead_sets_up_and_uses_a_second_factor(app: Flask, demo: Demo, live_server: str, browser,  # type: ignore[no-untyped-def]
                                                        axe) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    sign_in(page, live_server, LEAD)
    page.goto(f"{live_server}/account")
    follow(page, "Set up a second factor")
    assert page.locator(".survey-qr svg").is_visible()
    axe.check(page)
    shot(page, "second-factor-set-up")
    page.get_by_text("I cannot scan the code").click()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Code from the app").fill("12345")
    press(page, "Turn on the second factor")
    assert page.get_by_role("link", name="Enter the 6-digit code your authenticator app shows").is_visible()
    axe.check(page)
    codes = codes_for(LEAD, secret)
    page.get_by_label("Code from the app").fill(next(codes))
    press(page, "Turn on the second factor")
    recovery = page.locator("#recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    axe.check(page)
    press(page, "Sign out")

    password_step(page, live_server, LEAD)
    axe.check(page)
    enter(page, wrong_code(secret))
    assert page.get_by_role("link", name=re.compile("That code is not right")).is_visible()
    axe.check(page)
    for code in codes:
        enter(page, code)
        if "has been used already" not in page.content():
            break
    assert page.url.endswith("/agency/")
    press(page, "Sign out")

    password_step(page, live_server, LEAD)
    enter(page, recovery[0])
    assert "You signed in with a recovery code. 9 of them are left" in page.content()
    press(page, "Sign out")
    password_step(page, live_server, LEAD)
    enter(page, recovery[0])
    assert page.get_by_role("link", name="That recovery code is not right, or has been used already").is_visible()
    assert axe.problems == []
    context.close()


def test_a_manager_without_one_is_asked_to_set_it_up(app: Flask, demo: Demo, live_server: str, browser,  # type: ignore[no-untyped-def]
                                                     axe) -> None:
    with app.app_context():
        manager = db.session.scalar(select(Person).where(Person.email == "manager@demo.example"))
        assert manager is not None
        manager.totp_secret = manager.totp_enabled_at = None
        db.session.commit()
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "manager@demo.example")
    assert "/account/second-factor" in page.url
    assert "Set up a second factor before you continue" in page.content()
    page.goto(f"{live_server}/manager/agencies")
    assert "/account/second-factor?next=/manager/agencies" in page.url
    page.get_by_text("I cannot scan the code").click()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(next(codes_for("manager@demo.example", secret)))
    press(page, "Turn on the second factor")
    follow(page, "Continue")
    assert page.url.endswith("/manager/agencies")
    assert page.get_by_role("heading", level=1).is_visible()
    axe.check(page)
    assert axe.problems == []
    context.close()
