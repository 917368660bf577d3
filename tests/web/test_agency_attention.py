"""What needs an agency person's attention, at the top of their home page, and only their own agencies' work."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import AgencyAction, Challenge, ChallengeMessage, Return, ReturnState
from tests.fixtures_demo import Demo, client_for

CHILDRENS = "Southend Borough Council – Children's Services"


def attention(app: Flask, email: str) -> list[str]:
    page = client_for(app, email).get("/agency/").get_data(as_text=True)
    found = re.search(r'id="attention">(.*?)</ul>', page, re.S)
    if not found:
        return []
    return [re.sub(r"\s+", " ", re.sub("<[^>]+>", "", item)).strip().replace("&#39;", "'")
            for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def test_each_open_return_says_how_long_is_left(app: Flask, demo: Demo) -> None:
    items = attention(app, "staff.police@demo.example")
    due = dt.date.today() + dt.timedelta(days=28)
    assert items == [f"Section 11 audit {dt.date.today().year} for Essex Police is due in 28 days, on "
                     f"{due.strftime('%-d %B %Y')}"]


def test_a_complete_return_is_ready_for_its_lead_only(app: Flask, demo: Demo) -> None:
    # The demo's Children's Services return has every statement answered.
    lead = attention(app, "lead.childrens-services@demo.example")
    assert any(i.endswith(f"for {CHILDRENS} is complete and ready for you to sign off") for i in lead)
    contributor = attention(app, "staff.childrens-services@demo.example")
    assert not any("sign off" in i for i in contributor), "a contributor cannot sign off"
    assert not any("sign off" in i for i in attention(app, "lead.police@demo.example")), "police is not complete"


def test_reopened_returns_challenges_and_overdue_actions(app: Flask, demo: Demo) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    police_id = demo.return_id("Essex Police")
    hospital_id = demo.return_id("Southend University Hospital NHS Foundation Trust")
    with app.app_context():
        police = db.session.get_one(Return, police_id)
        police.state, police.reopened_reason = ReturnState.REOPENED, "Training figures are missing"
        challenge = Challenge(return_id=police_id, statement_id="supervision-1")
        challenge.messages.append(ChallengeMessage(body="How often is supervision audited?"))
        db.session.add(challenge)
        db.session.add(AgencyAction(agency_id=police.agency_id, round_id=police.round_id, return_id=police_id,
                                    statement_id="supervision-1", source="rating", what="Audit", due_on=yesterday))
        other = db.session.get_one(Return, hospital_id)  # another agency's work shows only to its own people
        db.session.add(Challenge(return_id=hospital_id, statement_id="supervision-1"))
        db.session.add(AgencyAction(agency_id=other.agency_id, round_id=other.round_id, return_id=hospital_id,
                                    statement_id="supervision-1", source="rating", what="Other", due_on=yesterday))
        db.session.commit()
    items = attention(app, "staff.police@demo.example")
    assert items[0] == f"The board reopened Section 11 audit {dt.date.today().year} for Essex Police: " \
                       "Training figures are missing"
    assert items[1].startswith("The board asks Essex Police about “Staff working with children") and \
        "supervision-1" not in items[1], \
        "the statement by its text, not its id"
    assert "1 action in your action plan is overdue" in items
    assert len(items) == 4 and items[-1].startswith(f"Section 11 audit {dt.date.today().year} for Essex Police is due")
    page = client_for(app, "staff.police@demo.example").get("/agency/").get_data(as_text=True)
    with app.app_context():
        challenge_id = db.session.scalar(select(Challenge.id).where(Challenge.return_id == police_id))
    assert f"/agency/returns/{police_id}/challenges/{challenge_id}" in page
    assert "Other" not in page and f"/agency/returns/{hospital_id}/" not in page
