"""The board manager moderates and challenges a submitted return in Chromium; the agency lead answers."""

from __future__ import annotations

import pytest
from flask import Flask

from survey.extensions import db
from survey.models import Return, ReturnState
from tests.browser.helpers import challenge_first_statement, follow, moderate_first_statement, press, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser


def test_moderate_challenge_and_answer(app: Flask, demo: Demo, live_server: str, browser, axe, mailbox) -> None:  # type: ignore[no-untyped-def]
    rid = demo.return_id("Essex Police")
    with app.app_context():
        ret = db.session.get(Return, rid)
        for answer in ret.answers:
            answer.rating, answer.not_applicable = 3.0, False
        ret.state = ReturnState.SUBMITTED
        db.session.commit()
    manager_context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    lead_context = browser.new_context(bypass_csp=True)
    manager, lead = manager_context.new_page(), lead_context.new_page()

    sign_in(manager, live_server, "manager@demo.example")
    manager.goto(f"{live_server}/manager/returns/{rid}/moderate")
    axe.check(manager)
    moderate_first_statement(manager, "2.0", "The audit found gaps in supervision records.")
    assert "Moderation of" in manager.content() and "The audit found gaps" in manager.content()
    axe.check(manager)
    shot(manager, "manager-moderation")
    challenge_first_statement(manager, "Which audit shows this is good?")
    assert "lead has been emailed" in manager.content()
    axe.check(manager)
    assert len(mailbox.to("lead.police@demo.example")) == 1

    sign_in(lead, live_server, "lead.police@demo.example")
    lead.goto(f"{live_server}/agency/returns/{rid}")
    assert lead.get_by_role("heading", name="From the board").is_visible()
    assert "The audit found gaps in supervision records." in lead.content()
    axe.check(lead)
    follow(lead, "Open: Which audit shows this is good?")
    lead.get_by_label("Your answer").fill("The March supervision audit; we will share it.")
    press(lead, "Send answer")
    assert "Your answer has been sent to the board" in lead.content()
    axe.check(lead)

    manager.reload()
    assert "The March supervision audit" in manager.content() and "Answered" in manager.content()
    press(manager, "Close the challenge")
    assert "The challenge is closed" in manager.content()
    axe.check(manager)
    assert axe.problems == []
    manager_context.close()
    lead_context.close()
