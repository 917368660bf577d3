"""A board manager creates and opens a round in Chromium and sees the dashboard change as an agency submits."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.browser.helpers import create_round, follow, press, rate_pages_and_submit, shot, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser


def test_manager_creates_opens_and_follows_a_round(app: Flask, demo: Demo, live_server: str, browser,  # type: ignore[no-untyped-def]
                                                   axe, mailbox) -> None:
    app.config["AUTOSAVE_MS"] = 600_000
    manager_context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    lead_context = browser.new_context(bypass_csp=True)
    manager, lead = manager_context.new_page(), lead_context.new_page()

    sign_in(manager, live_server, "manager@demo.example")
    assert manager.url.endswith("/manager/")
    axe.check(manager)
    follow(manager, "Emails and reminders")
    manager.get_by_label("Sender name").fill("Southend Safeguarding Partnership")
    manager.get_by_label("Invitation, when a round opens").fill(
        "{partnership} has opened {round} for {agency}. Please finish it by {deadline}.")
    press(manager, "Preview")
    assert "has opened Section 11 audit for Example Health Trust" in manager.content()
    axe.check(manager)
    shot(manager, "manager-board-emails")
    press(manager, "Save")
    assert "emails and reminders are saved" in manager.content()
    manager.goto(f"{live_server}/manager/")
    follow(manager, "Create a round")
    axe.check(manager)
    create_round(manager, live_server, "Section 11 audit (version 2023.1)", "Section 11 audit for the police, 2027",
                 "Essex Police")
    assert "has been created as a draft" in manager.content()
    axe.check(manager)
    follow(manager, "Open the round")
    axe.check(manager)
    press(manager, "Open the round")
    assert "3 invitations sent." in manager.content()
    assert manager.get_by_role("cell", name="Not started").count() == 1
    round_url = manager.url
    shot(manager, "manager-dashboard")
    [invitation] = mailbox.to("lead.police@demo.example")
    assert "Southend Safeguarding Partnership" in str(invitation["From"])
    assert "has opened Section 11 audit for the police, 2027 for Essex Police" in " ".join(
        mailbox.body(invitation).split())

    # The agency lead completes and submits the return.
    sign_in(lead, live_server, "lead.police@demo.example")
    follow(lead, "Section 11 audit for the police, 2027")
    follow(lead, "Continue")
    rate_pages_and_submit(lead)
    assert lead.get_by_role("heading", name="Return submitted").is_visible()

    manager.goto(round_url)
    assert manager.get_by_role("cell", name="Submitted").count() == 1
    assert "1 of 1 (100%)" in manager.content()
    axe.check(manager)
    assert axe.problems == []
    manager_context.close()
    lead_context.close()
