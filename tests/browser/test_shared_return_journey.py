"""Answer once for two boards in Chromium: Essex Police's lead for Southend and for Essex finishes the Southend
return, submits it, and sends it to Essex with the same sign-off; each board's manager then sees only a return of
its own, and the moderation and challenge one board makes never reach the other."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from survey.extensions import db
from survey.models import Agency, Answer, Return, ReturnState, Role
from survey.services import agencies
from survey.services.definitions import questionnaire_of
from tests.browser.helpers import (
    challenge_first_statement,
    follow,
    moderate_first_statement,
    press,
    rate_pages_and_submit,
    shot,
    sign_in,
)
from tests.web.test_tenancy import ESSEX, Boards, two_boards  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser
LEAD = "lead.police@demo.example"


def test_a_lead_for_two_boards_answers_once(two_boards: Boards, live_server: str, browser, axe) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app, ids = two_boards.app, two_boards.ids
    southend, essex = ids["southend_return"], ids["essex_return"]
    with app.app_context():
        police = db.session.get(Agency, ids["police"])
        agencies.add_person(db.session(), police, ids["essex"], "Police Lead", LEAD, Role.LEAD)
        ret = db.session.get(Return, southend)
        db.session.execute(delete(Answer).where(Answer.return_id == southend))
        # Every duty but the last is answered already; the lead finishes the last one in the browser.
        duties = [d for _, d in questionnaire_of(ret.round.definition_version).duties()]
        for duty in duties[:-1]:
            for statement in duty.statements:
                db.session.add(Answer(return_id=southend, statement_id=statement.id, rating=3.0))
        ret.state = ReturnState.DRAFT
        db.session.commit()
        last = duties[-1]

    lead_context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    lead = lead_context.new_page()
    sign_in(lead, live_server, LEAD)
    lead.goto(f"{live_server}/agency/returns/{southend}/duties/{last.id}")
    rate_pages_and_submit(lead)
    assert lead.get_by_role("heading", name="Your other boards").is_visible()
    axe.check(lead)
    follow(lead, "Send this return to it")
    assert "statements differ" in lead.content()
    axe.check(lead)
    lead.get_by_label(f"{ESSEX}: Essex Section 11 audit").check()
    lead.get_by_label("Submit each copy too, signed off as").check()
    press(lead, "Copy the answers")
    assert f"copied to {ESSEX}, and submitted." in lead.content()
    assert lead.get_by_role("cell", name="Same answers").is_visible()
    axe.check(lead)
    shot(lead, "agency-other-boards")

    # Each manager finds only the board's own return, and moderates it alone.
    essex_context = browser.new_context(bypass_csp=True)
    essex_manager = essex_context.new_page()
    sign_in(essex_manager, live_server, "manager@essex.example")
    essex_manager.goto(f"{live_server}/manager/rounds/{ids['essex_round']}")
    assert essex_manager.get_by_role("cell", name="Submitted").count() == 1
    essex_manager.goto(f"{live_server}/manager/returns/{essex}/moderate")
    moderate_first_statement(essex_manager, "2.0", "Essex found gaps in supervision records.")
    challenge_first_statement(essex_manager, "Which Essex audit shows this?")
    assert "Southend" not in essex_manager.content()

    southend_context = browser.new_context(bypass_csp=True)
    southend_manager = southend_context.new_page()
    sign_in(southend_manager, live_server, "manager@demo.example")
    southend_manager.goto(f"{live_server}/manager/returns/{southend}/moderate")
    page = southend_manager.content()
    assert "Essex found gaps" not in page and "Which Essex audit" not in page and "Essex Safeguarding" not in page
    axe.check(southend_manager)
    southend_manager.goto(f"{live_server}/manager/returns/{essex}/moderate")
    assert southend_manager.get_by_role("heading", name="Page not found").is_visible()

    # The agency sees each board's own moderation on that board's return only.
    lead.goto(f"{live_server}/agency/returns/{essex}")
    assert "Essex found gaps in supervision records." in lead.content()
    lead.goto(f"{live_server}/agency/returns/{southend}")
    assert "Essex found gaps" not in lead.content()
    assert axe.problems == []
    for context in (lead_context, essex_context, southend_context):
        context.close()
