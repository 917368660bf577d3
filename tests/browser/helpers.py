"""Steps a person takes in the browser, shared by the browser tests."""

from __future__ import annotations

import re
from pathlib import Path

from tests.authenticator import codes_for
from tests.fixtures_demo import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")
    if page.url.endswith("/sign-in/code"):
        for code in codes_for(email):
            page.get_by_label("Code").fill(code)
            press(page, "Continue")
            if "has been used already" not in page.content():
                break


def press(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Press a button that submits a form and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def follow(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Follow a link (or a link styled as a button) and wait for the next page."""
    with page.expect_navigation():
        page.locator("a", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).first.click()


def fill_date(page, prefix: str, day: str, month: str, year: str) -> None:  # type: ignore[no-untyped-def]
    """Type a date into a GOV.UK date input."""
    page.fill(f"#{prefix}-day", day)
    page.fill(f"#{prefix}-month", month)
    page.fill(f"#{prefix}-year", year)


def rate(page, statement_id: str, label: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"#statement-{statement_id}").get_by_label(label, exact=True).check()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Keep a screenshot of a real page for docs/ (only when asked: SURVEY_SCREENSHOTS=1)."""
    import os

    if os.environ.get("SURVEY_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def create_round(page, base: str, questionnaire: str, title: str, agency: str) -> None:  # type: ignore[no-untyped-def]
    """Create a draft round from the manager's home page: a questionnaire, a title, today to 60 days on, one agency."""
    import datetime as dt

    page.goto(f"{base}/manager/")
    follow(page, "Create a round")
    page.get_by_label(questionnaire).check()
    page.get_by_label("Title").fill(title)
    today, deadline = dt.date.today(), dt.date.today() + dt.timedelta(days=60)
    fill_date(page, "opens_on", str(today.day), str(today.month), str(today.year))
    fill_date(page, "deadline", str(deadline.day), str(deadline.month), str(deadline.year))
    for box in page.locator("input[name=agencies]").all():
        box.uncheck()
    page.get_by_label(agency).check()
    press(page, "Create round")


def rate_pages_and_submit(page) -> None:  # type: ignore[no-untyped-def]
    """From a duty page: rate every statement Good on it and each page after, then sign off and submit."""
    while "/duties/" in page.url:
        for group in page.locator("div.app-statement").all():
            group.get_by_label("3 – Good", exact=True).check()
        press(page, "Save and continue")
    follow(page, "Continue to sign off")
    page.get_by_label("I confirm that this return is accurate").check()
    press(page, "Submit return")


def moderate_first_statement(page, rating: str, note: str) -> None:  # type: ignore[no-untyped-def]
    """On a return's moderation page: give the first statement the board's rating with a note."""
    statement = page.locator("div.app-statement").first
    statement.locator("summary").click()
    statement.get_by_label("Board's rating").select_option(value=rating)
    statement.get_by_label("Note for the agency").fill(note)
    with page.expect_navigation():
        statement.get_by_role("button", name="Save moderation").click()


def challenge_first_statement(page, question: str) -> None:  # type: ignore[no-untyped-def]
    """On a return's moderation page: raise a challenge on the first statement."""
    statement = page.locator("div.app-statement").first
    statement.locator("summary").click()
    statement.get_by_label("Challenge: your question to the agency").fill(question)
    with page.expect_navigation():
        statement.get_by_role("button", name="Raise a challenge").click()
