"""Agency action plans and the agency report over HTTP: roles, bad input, carried into the next return, PDF."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import ActionStatus, AgencyAction, Answer, Challenge, ChallengeMessage, Return, ReturnState
from survey.web import dates
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import errors, form_data


def submit_with_actions(app: Flask, demo: Demo) -> int:
    """Essex Police completes its Section 11 return with one rating below the threshold and signs it off."""
    rid = demo.return_id("Essex Police")
    due = dt.date.today() + dt.timedelta(days=90)
    with app.app_context():
        from survey.services.definitions import questionnaire_of

        ret = db.session.get(Return, rid)
        questionnaire = questionnaire_of(ret.round.definition_version)
        answers = {a.statement_id: a for a in ret.answers}
        for i, statement_id in enumerate(questionnaire.statement_ids()):
            answer = answers.get(statement_id) or Answer(return_=ret, statement_id=statement_id)
            answer.rating, answer.not_applicable, answer.commentary = (2.0 if i == 0 else 3.0), False, "ok"
            answer.action_what, answer.action_who, answer.action_by = (
                ("Refresh supervision policy", "Head of safeguarding", due) if i == 0 else ("", "", None))
            answer.evidence_notes = "Policy"
            db.session.add(answer)
        db.session.commit()
    lead = client_for(app, "lead.police@demo.example")
    page = lead.get(f"/agency/returns/{rid}/submit").get_data(as_text=True)
    data = form_data(page)
    data.update({"name": "Lee Lead", "role": "Head of safeguarding", "confirm": "yes"})
    response = lead.post(f"/agency/returns/{rid}/submit", data=data)
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    return rid


def test_rating_actions_join_the_plan_on_submission_and_progress_needs_evidence(app: Flask, demo: Demo) -> None:
    rid = submit_with_actions(app, demo)
    with app.app_context():
        action = db.session.scalar(select(AgencyAction).where(AgencyAction.return_id == rid))
        assert action.what == "Refresh supervision policy" and action.source == "rating"
        action_id = action.id
    staff = client_for(app, "staff.police@demo.example")
    plan = staff.get("/agency/actions").get_data(as_text=True)
    assert "Refresh supervision policy" in plan and "Not started" in plan
    url = f"/agency/actions/{action_id}"
    data = form_data(staff.get(url).get_data(as_text=True))
    refused = staff.post(url, data={**data, "status": "done", "evidence": " "})
    assert refused.status_code == 400
    assert errors(refused.get_data(as_text=True)) == ["Describe the evidence that the action is done"]
    bad = staff.post(url, data={**data, "status": "finished"})
    assert errors(bad.get_data(as_text=True)) == ["Choose not started, in progress or done"]
    assert staff.post(url, data={**data, "status": "done", "evidence": "Policy v3 approved"}).status_code == 302
    with app.app_context():
        action = db.session.get(AgencyAction, action_id)
        assert action.status is ActionStatus.DONE and action.done_on == dt.date.today()
    assert client_for(app, "lead.cafcass@demo.example").get(url).status_code == 404
    assert client_for(app, "manager@demo.example").get(url).status_code == 403
    manager = client_for(app, "manager@demo.example")
    with app.app_context():
        round_id = db.session.get(Return, rid).round_id
    listing = manager.get(f"/manager/rounds/{round_id}/actions").get_data(as_text=True)
    assert "Refresh supervision policy" in listing and "Evidence: Policy v3 approved" in listing


def test_overdue_actions_show_on_the_dashboard(app: Flask, demo: Demo) -> None:
    rid = submit_with_actions(app, demo)
    with app.app_context():
        action = db.session.scalar(select(AgencyAction).where(AgencyAction.return_id == rid))
        action.due_on = dt.date.today() - dt.timedelta(days=1)
        round_id = db.session.get(Return, rid).round_id
        db.session.commit()
    manager = client_for(app, "manager@demo.example")
    assert "Agency actions (1 overdue)" in manager.get(f"/manager/rounds/{round_id}").get_data(as_text=True)
    assert "Overdue" in manager.get(f"/manager/rounds/{round_id}/actions").get_data(as_text=True)


def test_an_action_from_a_challenge(app: Flask, demo: Demo) -> None:
    rid = submit_with_actions(app, demo)
    with app.app_context():
        challenge = Challenge(return_id=rid, statement_id="supervision-1")
        challenge.messages.append(ChallengeMessage(body="Why 2?"))
        db.session.add(challenge)
        db.session.commit()
        challenge_id = challenge.id
    manager = client_for(app, "manager@demo.example")
    url = f"/manager/challenges/{challenge_id}"
    data = form_data(manager.get(url).get_data(as_text=True), contains="/action")
    past = dt.date.today() - dt.timedelta(days=3)
    for fields, message in (({"what": "", "who": "x"}, "Say what the agency will do"),
                            ({"what": "Audit", "who": ""}, "Say who in the agency owns the action"),
                            ({"what": "Audit", "who": "x", "due_on-day": str(past.day),
                              "due_on-month": str(past.month), "due_on-year": str(past.year)},
                             "The due date must be today or later"),
                            ({"what": "Audit", "who": "x", "due_on-day": "31", "due_on-month": "2",
                              "due_on-year": "2030"}, dates.not_real())):
        refused = manager.post(f"{url}/action", data={**data, **fields})
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), message
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AgencyAction)
                                 .where(AgencyAction.source == "challenge")) == 0
    due = dt.date.today() + dt.timedelta(days=30)
    added = manager.post(f"{url}/action", data={**data, "what": "Supervision audit", "who": "Lee Lead",
                                                "due_on-day": str(due.day), "due_on-month": str(due.month),
                                                "due_on-year": str(due.year)})
    assert added.status_code == 302
    plan = client_for(app, "lead.police@demo.example").get("/agency/actions").get_data(as_text=True)
    assert "Supervision audit" in plan and "from a challenge" in plan


def test_the_plan_is_carried_into_the_next_return(app: Flask, demo: Demo) -> None:
    rid = submit_with_actions(app, demo)
    with app.app_context():
        ret = db.session.get(Return, rid)
        ret.round.opens_on = dt.date.today() - dt.timedelta(days=400)
        ret.round.state = ret.round.state.CLOSED
        db.session.commit()
    ids = demo.open_round("section-11-audit", ["Essex Police"], title="Section 11 audit 2027")
    page = client_for(app, "lead.police@demo.example").get(f"/agency/returns/{ids['Essex Police']}").get_data(
        as_text=True)
    assert "Your action plan from earlier rounds" in page and "Refresh supervision policy" in page


def test_agency_report_print_view_and_pdf(app: Flask, demo: Demo) -> None:
    rid = submit_with_actions(app, demo)
    lead = client_for(app, "lead.police@demo.example")
    page = lead.get(f"/agency/returns/{rid}/report").get_data(as_text=True)
    assert "Essex Police: report" in page and "Refresh supervision policy" in page
    assert "The board raised no challenges on this return." in page
    with lead.get(f"/agency/returns/{rid}/report.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        data = response.get_data()
    assert data.startswith(b"%PDF-") and len(data) > 2000
    manager = client_for(app, "manager@demo.example")
    assert "Essex Police: report" in manager.get(f"/manager/returns/{rid}/report").get_data(as_text=True)
    assert client_for(app, "lead.cafcass@demo.example").get(f"/agency/returns/{rid}/report").status_code == 404
    assert client_for(app, "chair@demo.example").get(f"/manager/returns/{rid}/report").status_code == 403
    with app.app_context():
        assert db.session.get(Return, rid).state is ReturnState.SUBMITTED
    assert re.search(r"Submitted on \d+ \w+ \d{4} by Lee Lead", page)
