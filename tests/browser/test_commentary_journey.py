"""The board manager reviews partner commentary in Chromium and the chair reads the examples chosen."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Round, RoundState
from tests.browser.helpers import press, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser


def test_review_commentary_and_read_the_examples(app: Flask, demo: Demo, live_server: str, browser, axe) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.CLOSED))
    manager_context, chair_context = browser.new_context(bypass_csp=True), browser.new_context(bypass_csp=True)
    manager, chair = manager_context.new_page(), chair_context.new_page()
    sign_in(manager, live_server, "manager@demo.example")
    manager.goto(f"{live_server}/manager/rounds/{round_id}/commentary")
    axe.check(manager)
    shot(manager, "manager-commentary-review")
    manager.get_by_label("Show it as an example").first.check()
    manager.get_by_label("Hide it from the chair").nth(1).check()
    press(manager, "Save the review")
    assert "The review is saved: 2 comments changed." in manager.content(), manager.inner_text("main")[:600]
    sign_in(chair, live_server, "chair@demo.example")
    chair.goto(f"{live_server}/chair/rounds/{round_id}/results")
    examples = chair.get_by_role("heading", name="Examples of commentary by partners")
    assert examples.is_visible()
    axe.check(chair)
    for context in (manager_context, chair_context):
        context.close()
