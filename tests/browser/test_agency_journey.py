"""Two contributors and a lead complete a board self-assessment return in a real Chromium.

Covers a conflict on one statement, a session that expires mid-page with nothing lost, an evidence upload,
check answers, sign-off, the confirmation email through a real SMTP server, and an axe-core scan of every page.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from survey.extensions import db
from survey.models import Answer, Person, Return, ReturnState, SignInSession
from tests.browser.helpers import follow, press, rate, shot, sign_in
from tests.fixtures_demo import PASSWORD, Demo

pytestmark = pytest.mark.browser

POLICE = "Essex Police"


def test_two_contributors_and_a_lead_complete_a_return(app: Flask, demo: Demo, live_server: str, browser,  # type: ignore[no-untyped-def]
                                                       axe, mailbox, tmp_path: Path) -> None:
    app.config["AUTOSAVE_MS"] = 600_000  # autosave has its own test; here every save is a button press
    rid = demo.open_round("board-self-assessment", [POLICE], "Board self-assessment 2027")[POLICE]
    # axe-core is injected as an inline script, which the app's CSP rightly refuses: these contexts bypass it.
    # test_autosave_keeps_a_draft_without_pressing_save runs under the real CSP.
    staff_context, officer_context, lead_context = (browser.new_context(bypass_csp=True) for _ in range(3))
    staff, officer, lead = (c.new_page() for c in (staff_context, officer_context, lead_context))

    # The first contributor starts: home, task list, a duty page with an evidence upload.
    sign_in(staff, live_server, "staff.police@demo.example")
    assert staff.url.endswith("/agency/")
    axe.check(staff)
    shot(staff, "agency-home")
    follow(staff, "Board self-assessment 2027")
    assert staff.get_by_role("heading", name="Board self-assessment 2027").is_visible()
    axe.check(staff)
    shot(staff, "agency-task-list")
    follow(staff, "Strategic Plan")
    axe.check(staff)
    rate(staff, "strategic-plan-1", "3 – Good")
    rate(staff, "strategic-plan-2", "2.5")
    staff.fill("#commentary-strategic-plan-1", "Board members are involved in the creation of the strategic plan.")
    evidence = tmp_path / "strategic-plan-2026.pdf"
    evidence.write_bytes(b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    staff.locator("#evidence-strategic-plan-1").set_input_files(str(evidence))
    shot(staff, "agency-duty-page")
    press(staff, "Save and come back later")
    assert "Your answers have been saved" in staff.content()
    axe.check(staff)

    # Both contributors open Case Reviews; the second one's save of the same statement is a conflict.
    officer_page_url = f"{live_server}/agency/returns/{rid}/duties/case-reviews"
    sign_in(officer, live_server, "officer.police@demo.example")
    officer.goto(officer_page_url)
    staff.goto(officer_page_url)
    rate(staff, "case-reviews-1", "3 – Good")
    staff.fill("#commentary-case-reviews-1", "The panel feeds to the board.")
    press(staff, "Save and come back later")
    rate(officer, "case-reviews-1", "2 – Adequate")
    officer.fill("#commentary-case-reviews-1", "Arrangements for one review could have been better.")
    press(officer, "Save and come back later")
    assert "Someone else changed this statement while you were editing" in officer.content()
    assert "The panel feeds to the board." in officer.content()
    axe.check(officer)
    shot(officer, "agency-conflict")
    officer.get_by_label("Use my version").check()
    press(officer, "Save my choices")
    assert "Your choices have been saved" in officer.content()
    with app.app_context():
        saved = db.session.scalar(select(Answer).where(Answer.return_id == rid,
                                                       Answer.statement_id == "case-reviews-1"))
        assert saved.rating == 2 and saved.commentary.startswith("Arrangements for one review")

    # The officer's session expires while typing; nothing typed is lost.
    officer.goto(f"{live_server}/agency/returns/{rid}/duties/annual-report")
    rate(officer, "annual-report-1", "3 – Good")
    officer.fill("#commentary-annual-report-1", "All members contribute an account of their agency's context.")
    with app.app_context():
        officer_id = db.session.scalar(select(Person.id).where(Person.email == "officer.police@demo.example"))
        db.session.execute(update(SignInSession).where(SignInSession.person_id == officer_id)
                           .values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)))
        db.session.commit()
    press(officer, "Save and continue")
    assert "/sign-in" in officer.url and "You were signed out because you were inactive" in officer.content()
    axe.check(officer)
    officer.get_by_label("Email address").fill("officer.police@demo.example")
    officer.get_by_label("Password", exact=True).fill(PASSWORD)
    press(officer, "Sign in")
    assert "We kept what you typed before you were signed out" in officer.content()
    assert officer.input_value("#commentary-annual-report-1").startswith("All members contribute")
    assert officer.locator("#statement-annual-report-1").get_by_label("3 – Good", exact=True).is_checked()
    axe.check(officer)
    press(officer, "Save and continue")
    assert officer.url.endswith("/duties/case-reviews")

    # The lead completes the rest with "Continue", checks the answers and submits.
    sign_in(lead, live_server, "lead.police@demo.example")
    lead.goto(f"{live_server}/agency/returns/{rid}")
    follow(lead, "Continue")
    while "/duties/" in lead.url:
        for radio_group in lead.locator("div.app-statement").all():
            if not radio_group.locator("input[type=radio]:checked").count():
                radio_group.get_by_label("3 – Good", exact=True).check()
        press(lead, "Save and continue")
    assert lead.url.endswith(f"/agency/returns/{rid}/check")
    assert "Continue to sign off" in lead.content()
    axe.check(lead)
    shot(lead, "agency-check-answers")
    follow(lead, "Continue to sign off")
    axe.check(lead)
    press(lead, "Submit return")
    assert "Confirm that the return is accurate to submit it" in lead.content()
    axe.check(lead)
    lead.get_by_label("I confirm that this return is accurate").check()
    press(lead, "Submit return")
    assert lead.get_by_role("heading", name="Return submitted").is_visible()
    axe.check(lead)
    shot(lead, "agency-submitted")
    lead.goto(f"{live_server}/agency/returns/{rid}/print")
    axe.check(lead)

    with app.app_context():
        ret = db.session.get(Return, rid)
        assert ret.state is ReturnState.SUBMITTED and ret.declaration_name == "Police Lead"
    for address in ("lead.police@demo.example", "staff.police@demo.example", "officer.police@demo.example"):
        [message] = mailbox.to(address)
        body = mailbox.body(message)
        assert "Board self-assessment 2027" in message["Subject"]
        assert re.search(r"Arrangements for one review could have been better", body)
    assert len(axe.checked) >= 12
    assert axe.problems == []
    for context in (staff_context, officer_context, lead_context):
        context.close()


def test_autosave_keeps_a_draft_without_pressing_save(app: Flask, demo: Demo, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    app.config["AUTOSAVE_MS"] = 300
    rid = demo.return_id(POLICE)
    context = browser.new_context()
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "staff.police@demo.example")
    page.goto(f"{live_server}/agency/returns/{rid}/duties/supervision")
    # GOV.UK Frontend's JavaScript runs under the CSP: the character count message is written by it.
    page.get_by_text("You have 5,000 characters remaining").first.wait_for()
    page.fill("#commentary-supervision-2", "Typed, never saved by hand")
    saved = page.locator("[data-autosave-status]").filter(has_text="Draft saved")
    saved.wait_for()
    page.reload()
    assert page.input_value("#commentary-supervision-2") == "Typed, never saved by hand"
    page.fill("#commentary-supervision-2", "Typed, then saved by hand")
    saved.wait_for()
    press(page, "Save and come back later")
    assert "Your answers have been saved" in page.content(), "an autosave never turns into a conflict with oneself"
    assert [e for e in console_errors if "Content Security Policy" in e] == []
    context.close()


def test_autosave_into_a_return_submitted_meanwhile_says_so(app: Flask, demo: Demo, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    app.config["AUTOSAVE_MS"] = 300
    rid = demo.return_id(POLICE)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "staff.police@demo.example")
    page.goto(f"{live_server}/agency/returns/{rid}/duties/supervision")
    with app.app_context():  # the lead submits meanwhile, from another desk
        ret = db.session.get(Return, rid)
        ret.state = ReturnState.SUBMITTED
        db.session.commit()
    page.fill("#commentary-supervision-2", "Typed after the return was submitted")
    page.locator("[data-autosave-status]").filter(has_text="This return can no longer be changed").wait_for()
    assert page.input_value("#commentary-supervision-2") == "Typed after the return was submitted"
    context.close()
