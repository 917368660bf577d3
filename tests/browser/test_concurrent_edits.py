"""Two people of one agency edit the same statement at once in two Chromium contexts, with autosave running.

Whatever the order of their saves, both people's latest texts end up in the database or on the conflict page the
one who lost can reach from their own duty page; the choice "keep both" then stores both."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Person, StashedPost
from tests.browser.helpers import press, sign_in
from tests.fixtures_demo import Demo

pytestmark = pytest.mark.browser

POLICE = "Essex Police"
S1 = "supervision-1"


def _stored(app: Flask, rid: int) -> tuple[str, list[str]]:
    """The statement's saved commentary, and the officer's versions kept from conflicts."""
    with app.app_context():
        saved = db.session.scalar(select(Answer.commentary).where(Answer.return_id == rid,
                                                                  Answer.statement_id == S1)) or ""
        officer = db.session.scalar(select(Person.id).where(Person.email == "officer.police@demo.example"))
        rows = db.session.scalars(select(StashedPost).where(StashedPost.kind == "conflict",
                                                            StashedPost.person_id == officer)).all()
        return saved, [e["mine"]["commentary"] for r in rows for e in r.data["conflicts"].values()]


@pytest.mark.parametrize("order", ["staff first", "officer first", "interleaved"])
def test_two_people_typing_into_one_statement_lose_nothing(app: Flask, demo: Demo, live_server: str,  # type: ignore[no-untyped-def]
                                                           browser, order: str) -> None:
    app.config["AUTOSAVE_MS"] = 300
    rid = demo.return_id(POLICE)
    url = f"{live_server}/agency/returns/{rid}/duties/supervision"
    contexts = [browser.new_context() for _ in range(2)]
    staff, officer = (c.new_page() for c in contexts)
    sign_in(staff, live_server, "staff.police@demo.example")
    sign_in(officer, live_server, "officer.police@demo.example")
    staff.goto(url)
    officer.goto(url)  # both pages loaded before either saves

    def type_and_wait(page, text: str) -> None:  # type: ignore[no-untyped-def]
        # Until this text's own autosave has been answered (the status may still show an earlier one).
        with page.expect_response(lambda r: r.url.endswith("/autosave")):
            page.fill(f"#commentary-{S1}", text)
        page.locator("[data-autosave-status]").filter(has_text="Draft saved").or_(
            page.locator("[data-autosave-status]").filter(has_text="Someone else has changed")).wait_for()

    steps = {"staff first": [(staff, "Staff: supervision is monthly"), (officer, "Officer: and recorded")],
             "officer first": [(officer, "Officer: and recorded"), (staff, "Staff: supervision is monthly")],
             "interleaved": [(staff, "Staff 1"), (officer, "Officer 1"), (staff, "Staff 2"), (officer, "Officer 2"),
                             (staff, "Staff 3: supervision is monthly"), (officer, "Officer 3: and recorded")]}[order]
    for page, text in steps:
        type_and_wait(page, text)
    last = {id(page): text for page, text in steps}
    staff_text, officer_text = last[id(staff)], last[id(officer)]
    saved, kept = _stored(app, rid)
    mine_kept = [t for t in kept if t == officer_text]
    assert staff_text in saved or staff_text in _staff_kept(app), f"{staff_text!r} lost"
    assert officer_text in saved or mine_kept, f"{officer_text!r} lost"

    # The one who lost reaches both versions from the page they are on, and keeps both.
    loser = officer if mine_kept else staff
    loser.locator("[data-autosave-status] a", has_text="compare the versions and choose").click()
    loser.wait_for_url("**/conflict")
    page_text = loser.content()
    assert staff_text.split(":")[0] in page_text and officer_text.split(":")[0] in page_text
    loser.get_by_label("Keep both: their rating, with my text added below theirs").check()
    press(loser, "Save my choices")
    saved, _ = _stored(app, rid)
    assert staff_text in saved and officer_text in saved, saved
    for context in contexts:
        context.close()


def _staff_kept(app: Flask) -> list[str]:
    with app.app_context():
        staff = db.session.scalar(select(Person.id).where(Person.email == "staff.police@demo.example"))
        rows = db.session.scalars(select(StashedPost).where(StashedPost.kind == "conflict",
                                                            StashedPost.person_id == staff)).all()
        return [e["mine"]["commentary"] for r in rows for e in r.data["conflicts"].values()]
