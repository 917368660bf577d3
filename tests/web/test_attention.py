"""The manager's and the chair's home pages list what needs attention across their rounds."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import (
    AgencyAction,
    AreaAction,
    Challenge,
    ChallengeMessage,
    ChallengeState,
    Return,
    Round,
    RoundState,
)
from tests.fixtures_demo import Demo, client_for, round_in_state


def attention(html: str) -> str:
    found = re.search(r'<div class="govuk-inset-text" id="attention">(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def test_nothing_outstanding_shows_nothing(app: Flask, demo: Demo) -> None:
    assert attention(client_for(app, "manager@demo.example").get("/manager/").get_data(as_text=True)) == ""
    assert attention(client_for(app, "chair@demo.example").get("/chair/").get_data(as_text=True)) == ""


def test_outstanding_work_is_listed(app: Flask, demo: Demo) -> None:
    open_id, closed_id = round_in_state(app, RoundState.OPEN), round_in_state(app, RoundState.CLOSED)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with app.app_context():
        db.session.get(Round, open_id).deadline = yesterday  # every unsubmitted return is now overdue
        ret = db.session.scalar(select(Return).where(Return.round_id == open_id).order_by(Return.id))
        challenge = Challenge(return_id=ret.id, statement_id="supervision-1", state=ChallengeState.ANSWERED)
        challenge.messages.append(ChallengeMessage(body="Why?"))
        db.session.add(challenge)
        db.session.add(AgencyAction(agency_id=ret.agency_id, round_id=open_id, return_id=ret.id,
                                    statement_id="supervision-1", source="rating", what="Do", due_on=yesterday))
        for action in db.session.scalars(select(AreaAction)):
            action.due_on = yesterday
        db.session.commit()
    manager = attention(client_for(app, "manager@demo.example").get("/manager/").get_data(as_text=True))
    assert "Section 11 audit" in manager and "9 returns overdue" in manager
    assert "1 challenge answered, to read" in manager and "1 overdue agency action" in manager
    assert "Board self-assessment" in manager and "1 overdue action for development" in manager, \
        "the demo's done action is not counted"
    chair_page = client_for(app, "chair@demo.example").get("/chair/").get_data(as_text=True)
    chair = attention(chair_page)
    assert "1 overdue action for development" in chair and "returns overdue" not in chair
    assert f"/chair/rounds/{closed_id}/areas" in chair_page
