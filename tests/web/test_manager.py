"""The board manager's pages over HTTP: rounds, creating one, the dashboard, opening and closing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Agency, ReturnState, Round, RoundState
from survey.web import dates
from tests.fixtures_demo import Demo, sign_in
from tests.web.forms import date_fields, errors, form_data

OPENS = dt.date.today() + dt.timedelta(days=40)  # always to come
DEADLINE = OPENS + dt.timedelta(days=80)


def manager(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "manager@demo.example").location == "/manager/"
    return client


def test_rounds_list(app: Flask, demo: Demo) -> None:
    html = manager(app).get("/manager/").get_data(as_text=True)
    assert "Board self-assessment" in html and "Section 11 audit" in html and "6 of 6" in html


def test_create_a_round_then_open_and_close_it(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = manager(app)
    page = client.get("/manager/rounds/new").get_data(as_text=True)
    data = form_data(page)
    assert "agencies" in data, "every agency is ticked to start with"
    with app.app_context():
        police = str(db.session.scalar(select(Agency.id).where(Agency.name == "Essex Police")))
    fields = {"csrf_token": data["csrf_token"], "partnership": data["partnership"],
              "questionnaire": "section-11-audit", "title": "Section 11 audit 2027",
              **date_fields("opens_on", dt.date.today()), **date_fields("deadline", DEADLINE), "agencies": police}
    response = client.post("/manager/rounds/new", data=fields)
    assert response.status_code == 302
    dashboard = client.get(response.location).get_data(as_text=True)
    assert "Section 11 audit 2027" in dashboard and "Essex Police" in dashboard and "Open the round" in dashboard
    round_id = int(re.search(r"/manager/rounds/(\d+)", response.location).group(1))
    confirm = client.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    opened = client.post(f"/manager/rounds/{round_id}/open", data=form_data(confirm), follow_redirects=True)
    assert "is open. 3 invitations sent." in opened.get_data(as_text=True)
    assert {str(m["To"]) for m in mailbox.messages} == {"lead.police@demo.example", "staff.police@demo.example",
                                                       "officer.police@demo.example"}
    confirm = client.get(f"/manager/rounds/{round_id}/close").get_data(as_text=True)
    closed = client.post(f"/manager/rounds/{round_id}/close", data=form_data(confirm), follow_redirects=True)
    assert "is closed" in closed.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, round_id).state is RoundState.CLOSED
    again = client.post(f"/manager/rounds/{round_id}/close", data=form_data(confirm), follow_redirects=True)
    assert "is already closed" in again.get_data(as_text=True)


def test_create_round_bad_input(app: Flask, demo: Demo) -> None:
    client = manager(app)
    data = form_data(client.get("/manager/rounds/new").get_data(as_text=True))
    fields = {"csrf_token": data["csrf_token"], "partnership": data["partnership"], "questionnaire": "nope",
              "title": "", **date_fields("opens_on", DEADLINE + dt.timedelta(days=1)),
              **date_fields("deadline", DEADLINE)}
    response = client.post("/manager/rounds/new", data=fields)
    assert response.status_code == 400
    assert set(errors(response.get_data(as_text=True))) == {
        "Not a valid choice.", "Enter a title for the round",
        "The deadline must be the same as or after the opening date", "Choose at least one agency"}
    fields.update({"questionnaire": "section-11-audit", "title": "X", "deadline-day": "31", "deadline-month": "2"})
    response = client.post("/manager/rounds/new", data=fields)
    assert dates.not_real() in errors(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(Round).where(Round.title == "X")) is None


def test_dashboard_sort_filter_and_csv(app: Flask, demo: Demo) -> None:
    client = manager(app)
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
        db.session.get(Agency, 1).name = "=HYPERLINK(\"http://evil.example\")"
        db.session.commit()
    html = client.get(f"/manager/rounds/{round_id}?status=not+started").get_data(as_text=True)
    assert "Southend Schools and Colleges" in html and "Essex Police" not in html
    by_answered = client.get(f"/manager/rounds/{round_id}?sort=answered").get_data(as_text=True)
    assert by_answered.index("National Probation Service") < by_answered.index("Essex Police")
    response = client.get(f"/manager/rounds/{round_id}/status.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 9
    police = next(r for r in rows if r["agency"] == "Essex Police")
    assert police["status"] == "draft" and police["answered"] == "20" and police["percent answered"] == "67"
    assert any(r["agency"].startswith("'=HYPERLINK") for r in rows), "formulas are written as text"


def test_the_dashboard_counts_each_status_and_marks_late_and_overdue_returns(app: Flask, demo: Demo) -> None:
    client = manager(app)
    today = dt.date.today()
    with app.app_context():
        found = db.session.scalar(select(Round).where(Round.state == RoundState.OPEN))
        assert found is not None
        round_id, deadline = found.id, today - dt.timedelta(days=3)
        found.deadline = deadline
        police = next(r for r in found.returns if r.agency.name == "Essex Police")
        police.state = ReturnState.SUBMITTED
        police.submitted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        police.declaration_name = "Pat Lead"
        db.session.commit()
    page = client.get(f"/manager/rounds/{round_id}").get_data(as_text=True)
    # Of the demo's nine returns: five drafts and three not started, all now past the deadline, and one late.
    assert "8 overdue, 1 submitted" in page
    assert "1 of 9 (11%), 1 late" in page
    assert "Overdue: draft" in page and "Overdue: not started" in page and "Submitted late" in page
    assert f"by Pat Lead, after the deadline of {deadline.strftime('%-d %b %Y')}" in page
    rows = {r["agency"]: r for r in csv.DictReader(io.StringIO(
        client.get(f"/manager/rounds/{round_id}/status.csv").get_data(as_text=True)))}
    assert (rows["Essex Police"]["status"], rows["Essex Police"]["late"]) == ("submitted", "yes")
    assert (rows["Southend Schools and Colleges"]["status"], rows["Southend Schools and Colleges"]["stage"]) == (
        "overdue", "not started")
    assert {r["stage"] for r in rows.values() if r["status"] == "overdue"} == {"draft", "not started"}


def test_remind_those_not_submitted(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = manager(app)
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
    preview = client.get(f"/manager/rounds/{round_id}/remind").get_data(as_text=True)
    assert "27 people in 9 agencies will get a reminder" in preview and "Reminder: Section 11 audit" in preview
    assert mailbox.messages == [], "the preview sends nothing"
    sent = client.post(f"/manager/rounds/{round_id}/remind", data=form_data(preview), follow_redirects=True)
    assert "27 reminders to people in 9 agencies are on their way" in sent.get_data(as_text=True)
    assert len(mailbox.messages) == 27
    app.config["SMTP_PORT"] = 1
    failed = client.post(f"/manager/rounds/{round_id}/remind", data=form_data(preview), follow_redirects=True)
    assert "The reminders are recorded, but 27 of 27 emails could not be sent yet" in failed.get_data(as_text=True)


def test_reopen_a_submitted_return_and_read_the_audit_log(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    rid = demo.return_id("Southend Borough Council – Children's Services")
    lead = app.test_client()
    sign_in(lead, "lead.childrens-services@demo.example")
    declaration = form_data(lead.get(f"/agency/returns/{rid}/submit").get_data(as_text=True))
    assert lead.post(f"/agency/returns/{rid}/submit", data={**declaration, "confirm": "y"}).status_code == 302
    mailbox.messages.clear()
    client = manager(app)
    page = client.get(f"/manager/returns/{rid}/reopen").get_data(as_text=True)
    blank = client.post(f"/manager/returns/{rid}/reopen", data={**form_data(page), "reason": " "})
    assert blank.status_code == 400 and errors(blank.get_data(as_text=True)) == [
        "Enter the reason for reopening the return; the agency will see it"]
    done = client.post(f"/manager/returns/{rid}/reopen",
                       data={**form_data(page), "reason": "Training figures for 2026 are missing"},
                       follow_redirects=True)
    assert "return is reopened and its people are being emailed" in done.get_data(as_text=True)
    assert len(mailbox.messages) == 3 and "Training figures for 2026 are missing" in \
        mailbox.body(mailbox.to("lead.childrens-services@demo.example")[0])
    tasks = lead.get(f"/agency/returns/{rid}").get_data(as_text=True)
    assert "Reopened by the board manager: Training figures for 2026 are missing" in tasks
    assert lead.get(f"/agency/returns/{rid}/duties/training").status_code == 200, "editable again"
    again = client.post(f"/manager/returns/{rid}/reopen", data={**form_data(page), "reason": "again"})
    assert again.status_code == 400 and "Only a submitted return can be reopened" in again.get_data(as_text=True)
    log = client.get(f"/manager/returns/{rid}/audit").get_data(as_text=True)
    assert "return.reopened" in log and "return.submitted" in log and "Board Manager" in log
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
    round_log = client.get(f"/manager/rounds/{round_id}/audit").get_data(as_text=True)
    assert "return.reopened" in round_log
    # The round's log says whose return each line is about.
    assert "Southend Borough Council – Children&#39;s Services: return" in round_log


def test_changes_made_on_the_command_line_name_the_user_and_the_command(app: Flask, demo: Demo, runner,  # type: ignore[no-untyped-def]
                                                                       db_url: str) -> None:
    import getpass

    from survey.cli import main

    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
    result = runner.invoke(main, ["round", "close", str(round_id)], env={"SURVEY_DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    log = manager(app).get(f"/manager/rounds/{round_id}/audit").get_data(as_text=True)
    assert f"{getpass.getuser()} ran survey round close {round_id}" in log, re.findall(r"[^>]* ran [^<]*", log)
    assert "the system" not in log.split("round.closed")[0].rsplit("<tr", 1)[-1]


def test_extend_one_agencys_deadline(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = manager(app)
    rid = demo.return_id("Essex Police")
    with app.app_context():
        round_deadline = db.session.scalar(select(Round.deadline).where(Round.state == RoundState.OPEN))
    page = client.get(f"/manager/returns/{rid}/extend").get_data(as_text=True)
    data = form_data(page)
    assert data["deadline-day"] == str(round_deadline.day)
    early = client.post(f"/manager/returns/{rid}/extend", data={**data, "reason": "Inspection week"})
    assert early.status_code == 400 and "An extension must be after the round's deadline" in \
        errors(early.get_data(as_text=True))[0]
    later = round_deadline + dt.timedelta(days=14)
    data.update(date_fields("deadline", later))
    no_reason = client.post(f"/manager/returns/{rid}/extend", data={**data, "reason": "  "})
    assert no_reason.status_code == 400 and errors(no_reason.get_data(as_text=True)) == [
        "Enter the reason for the extension; the agency will see it"]
    assert mailbox.messages == []
    done = client.post(f"/manager/returns/{rid}/extend", data={**data, "reason": "HMICFRS inspection in March"},
                       follow_redirects=True)
    assert f"Essex Police now has until {later.strftime('%-d %B %Y')}" in done.get_data(as_text=True)
    told = mailbox.to("lead.police@demo.example")
    assert len(told) == 1 and len(mailbox.messages) == 3, "each of the agency's people, once"
    body = " ".join(mailbox.body(told[0]).split())
    assert f"until {later.strftime('%-d %B %Y')}" in body and "The reason: HMICFRS inspection in March" in body
    lead = app.test_client()
    sign_in(lead, "lead.police@demo.example")
    assert later.strftime("%-d %B %Y") in lead.get(f"/agency/returns/{rid}").get_data(as_text=True)
    log = client.get(f"/manager/returns/{rid}/audit").get_data(as_text=True)
    assert "return.deadline_extended" in log
