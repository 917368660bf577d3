"""An agency lead starts a return from last year's in Chromium, checks and confirms the carried answers, and finds
the return cannot be submitted until every one is confirmed; axe-core on every page it adds."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer
from tests.browser.helpers import press, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser

POLICE = "Essex Police"


def test_a_carried_return_needs_each_answer_confirmed(app: Flask, demo: Demo, live_server: str, browser,  # type: ignore[no-untyped-def]
                                                      axe) -> None:
    app.config["AUTOSAVE_MS"] = 600_000  # every save here is a button press
    rid = demo.open_round("board-self-assessment", [POLICE], "Board self-assessment 2026")[POLICE]
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    lead = context.new_page()
    sign_in(lead, live_server, "lead.police@demo.example")
    lead.goto(f"{live_server}/agency/returns/{rid}")
    start = lead.get_by_role("button", name="Start from my Board self-assessment")
    assert start.is_visible()
    axe.check(lead)
    with lead.expect_navigation():
        start.click()
    assert "each marked to check and confirm" in lead.content()
    assert lead.get_by_role("button", name="Start from my Board self-assessment").count() == 0
    axe.check(lead)

    lead.goto(f"{live_server}/agency/returns/{rid}/duties/strategic-plan")
    statement = lead.locator("#statement-strategic-plan-1")
    assert statement.get_by_text("From your last return: check this answer").is_visible()
    assert statement.locator("details[open]").get_by_text("Your rating:").is_visible()
    axe.check(lead)
    shot(lead, "agency-carried-answer")
    statement.get_by_label("I have checked this answer and it is still right").check()
    press(lead, "Save and come back later")
    with app.app_context():
        confirmed = db.session.scalar(select(Answer.to_confirm).where(Answer.return_id == rid,
                                                                      Answer.statement_id == "strategic-plan-1"))
    assert confirmed is False

    lead.goto(f"{live_server}/agency/returns/{rid}/check")
    assert lead.get_by_text("Carried from your last return: check it, then confirm it or change it").first.is_visible()
    axe.check(lead)
    lead.goto(f"{live_server}/agency/returns/{rid}/submit")
    assert "/check" in lead.url and "The return is not complete yet" in lead.content()
    assert axe.problems == []
    context.close()
