"""A round opens on its opening date: by itself, or early when the manager says so (its opening date then becomes
today); a deadline already past is confirmed first, on creating and on opening. Over simulated days with
`survey round open-due --today`, through the manager's pages and a real SMTP server."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from survey.cli import main
from survey.extensions import db
from survey.models import Agency, AuditEvent, EmailMessage, Partnership, Round, RoundState
from survey.services import rounds
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import date_fields, errors, form_data

TODAY = dt.date.today()


def _draft(app: Flask, opens_on: dt.date, deadline: dt.date, agencies: tuple[str, ...] = ("Essex Police",)) -> int:
    with app.app_context():
        session = db.session()
        partnership = session.scalar(select(Partnership).where(Partnership.slug == "southend"))
        ids = list(session.scalars(select(Agency.id).where(Agency.name.in_(agencies))))
        created = rounds.create_round(session, partnership, app.extensions["survey_catalogue"].get("section-11-audit"),
                                      "Section 11 audit (scheduled)", opens_on, deadline, ids,
                                      deadline_passed_ok=True)
        return created.id


def _round(app: Flask, round_id: int) -> tuple[RoundState, dt.date, bool, int]:
    with app.app_context():
        found = db.session.get(Round, round_id)
        emails = db.session.scalar(select(func.count()).select_from(EmailMessage)
                                   .where(EmailMessage.round_id == round_id)) or 0
        return found.state, found.opens_on, found.opens_by_itself, emails


def _env(app: Flask) -> dict[str, str]:
    return {"SURVEY_DATABASE_URL": app.config["DATABASE_URL"], "SURVEY_SMTP_HOST": app.config["SMTP_HOST"],
            "SURVEY_SMTP_PORT": str(app.config["SMTP_PORT"])}


def test_a_round_scheduled_for_its_opening_date_opens_by_itself_that_day_and_not_before(
        app: Flask, demo: Demo, mailbox, runner: CliRunner) -> None:  # type: ignore[no-untyped-def]
    opens = TODAY + dt.timedelta(days=10)
    round_id = _draft(app, opens, opens + dt.timedelta(days=60))
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    assert "When should it open?" in page and form_data(page)["when"] == "opening-date", "the date is the default"
    scheduled = manager.post(f"/manager/rounds/{round_id}/open", data=form_data(page), follow_redirects=True)
    assert f"will open by itself on {opens.strftime('%-d %B %Y')}" in scheduled.get_data(as_text=True)
    assert _round(app, round_id) == (RoundState.DRAFT, opens, True, 0) and mailbox.messages == []
    dashboard = manager.get(f"/manager/rounds/{round_id}").get_data(as_text=True)
    assert f"Opens by itself on {opens.strftime('%-d %B %Y')}" in dashboard and "Change when it opens" in dashboard
    lead = client_for(app, "lead.police@demo.example")
    assert "Section 11 audit (scheduled)" not in lead.get("/agency/").get_data(as_text=True)

    env = _env(app)
    for day in (TODAY, opens - dt.timedelta(days=1)):
        result = runner.invoke(main, ["round", "open-due", "--today", day.isoformat()], env=env)
        assert result.exit_code == 0 and "no round is due to open" in result.output
    assert _round(app, round_id)[0] is RoundState.DRAFT and mailbox.messages == []

    on_the_day = runner.invoke(main, ["round", "open-due", "--today", opens.isoformat()], env=env)
    assert on_the_day.exit_code == 0 and f"round {round_id} Section 11 audit (scheduled): opened; 3 invitations sent" \
        in on_the_day.output
    assert _round(app, round_id) == (RoundState.OPEN, opens, False, 3)
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        "lead.police@demo.example", "officer.police@demo.example", "staff.police@demo.example"]
    later = runner.invoke(main, ["round", "open-due", "--today", (opens + dt.timedelta(days=1)).isoformat()], env=env)
    assert "no round is due to open" in later.output and len(mailbox.messages) == 3, "each invitation once"
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.round_id == round_id)
                                          .order_by(AuditEvent.id)))
    assert actions == ["round.created", "round.scheduled", "round.opened"]


def test_opening_early_makes_today_the_opening_date_and_a_schedule_can_be_stopped(
        app: Flask, demo: Demo, mailbox, runner: CliRunner) -> None:  # type: ignore[no-untyped-def]
    opens = TODAY + dt.timedelta(days=5)
    round_id = _draft(app, opens, opens + dt.timedelta(days=30))
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    manager.post(f"/manager/rounds/{round_id}/open", data=form_data(page))
    page = manager.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    assert "This round will open by itself on" in page and "Keep it a draft" in page
    stopped = manager.post(f"/manager/rounds/{round_id}/open", data={**form_data(page), "when": "stop"},
                           follow_redirects=True)
    assert "stays a draft: it will not open by itself" in stopped.get_data(as_text=True)
    assert _round(app, round_id) == (RoundState.DRAFT, opens, False, 0)
    assert "no round is due to open" in runner.invoke(
        main, ["round", "open-due", "--today", opens.isoformat()], env=_env(app)).output

    page = manager.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    now = manager.post(f"/manager/rounds/{round_id}/open", data={**form_data(page), "when": "now"},
                       follow_redirects=True)
    assert "is open. 3 invitations sent." in now.get_data(as_text=True)
    assert _round(app, round_id) == (RoundState.OPEN, TODAY, False, 3), "nobody answers before its opening date"
    with app.app_context():
        opened = db.session.scalar(select(AuditEvent).where(AuditEvent.round_id == round_id,
                                                            AuditEvent.action == "round.opened"))
        assert opened.old == {"opens_on": opens.isoformat()} and opened.new == {"opens_on": TODAY.isoformat()}


def test_a_deadline_already_past_is_confirmed_on_creating_and_on_opening(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    manager = client_for(app, "manager@demo.example")
    page = manager.get("/manager/rounds/new").get_data(as_text=True)
    past = TODAY - dt.timedelta(days=1)
    with app.app_context():
        police = str(db.session.scalar(select(Agency.id).where(Agency.name == "Essex Police")))
    fields = {"csrf_token": form_data(page)["csrf_token"], "partnership": form_data(page)["partnership"],
              "questionnaire": "section-11-audit", "title": "Typed the wrong year",
              **date_fields("opens_on", past - dt.timedelta(days=30)), **date_fields("deadline", past),
              "agencies": police}
    refused = manager.post("/manager/rounds/new", data=fields)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and errors(text) == [
        f"The deadline, {past.strftime('%-d %B %Y')}, has already passed. Check the year, or confirm that you want "
        "to create it anyway"]
    assert "create the round all the same" in text
    with app.app_context():
        assert db.session.scalar(select(Round).where(Round.title == "Typed the wrong year")) is None
    created = manager.post("/manager/rounds/new", data={**fields, "deadline_passed": "y"})
    assert created.status_code == 302
    round_id = int(created.location.rsplit("/", 1)[1])

    page = manager.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    assert "has passed: open the round all the same" in page
    unconfirmed = manager.post(f"/manager/rounds/{round_id}/open", data=form_data(page))
    assert unconfirmed.status_code == 400 and _round(app, round_id)[0] is RoundState.DRAFT and mailbox.messages == []
    confirmed = manager.post(f"/manager/rounds/{round_id}/open", data={**form_data(page), "deadline_passed": "yes"})
    assert confirmed.status_code == 302 and _round(app, round_id)[0] is RoundState.OPEN


def test_the_command_line_asks_the_same(app: Flask, demo: Demo, runner: CliRunner) -> None:
    env = _env(app)
    past = (TODAY - dt.timedelta(days=2)).isoformat()
    create = ["round", "create", "--partnership", "southend", "--questionnaire", "section-11-audit", "--title",
              "Late", "--opens", past, "--deadline", past, "--agency", "Essex Police"]
    refused = runner.invoke(main, create, env=env)
    assert refused.exit_code == 1 and "has already passed" in refused.output
    assert "--deadline-passed-ok" in refused.output
    made = runner.invoke(main, [*create, "--deadline-passed-ok"], env=env)
    assert made.exit_code == 0, made.output
    round_id = int(made.output.split("created round ")[1].split(":")[0])
    assert runner.invoke(main, ["round", "open", str(round_id)], env=env).exit_code == 1
    assert runner.invoke(main, ["round", "open", str(round_id), "--deadline-passed-ok"], env=env).exit_code == 0

    opens = TODAY + dt.timedelta(days=3)
    later = _draft(app, opens, opens + dt.timedelta(days=30))
    scheduled = runner.invoke(main, ["round", "open", str(later), "--on-opening-date"], env=env)
    assert scheduled.exit_code == 0 and f"will open by itself on {opens.isoformat()}" in scheduled.output
    worker = runner.invoke(main, ["worker", "--passes", "1"], env=env)
    assert worker.exit_code == 0 and _round(app, later)[0] is RoundState.DRAFT, "the worker waits for the day"
    due = _draft(app, opens, opens + dt.timedelta(days=30))
    runner.invoke(main, ["round", "open", str(due), "--on-opening-date"], env=env)
    with app.app_context():
        db.session.get(Round, due).opens_on = TODAY  # as if its day had come
        db.session.commit()
    worker = runner.invoke(main, ["worker", "--passes", "1"], env=env)
    assert worker.exit_code == 0 and "opened on its opening date" in worker.output
    assert _round(app, due) == (RoundState.OPEN, TODAY, False, 3)
    early = runner.invoke(main, ["round", "open", str(later)], env=env)
    assert early.exit_code == 0 and f"(its opening date, {opens.isoformat()}, is now today)" in early.output
    assert _round(app, later)[:3] == (RoundState.OPEN, TODAY, False)


def _open_now(app: Flask, round_id: int) -> None:
    from survey.services import invitations, mail

    with app.app_context():
        session = db.session()
        rounds.open_round(session, session.get(Round, round_id), mail.SmtpSettings.from_config(app.config),
                          invitations.composer(session, app.config))


def test_someone_joining_an_agency_with_two_open_rounds_gets_one_email_listing_both(
        app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    second = _draft(app, TODAY, TODAY + dt.timedelta(days=45))
    _open_now(app, second)
    mailbox.messages.clear()
    manager = client_for(app, "manager@demo.example")
    with app.app_context():
        police = db.session.scalar(select(Agency.id).where(Agency.name == "Essex Police"))
        titles = list(db.session.scalars(select(Round.title).where(Round.state == RoundState.OPEN)))
    page = manager.get(f"/manager/agencies/{police}/people/new").get_data(as_text=True)
    added = manager.post(f"/manager/agencies/{police}/people/new",
                         data={**form_data(page), "name": "Pat Newman", "email": "pat@police.example",
                               "role": "contributor"})
    assert added.status_code == 302
    [message] = mailbox.to("pat@police.example")
    body = mailbox.body(message)
    assert len(titles) == 2 and all(f'"{title}"' in body for title in titles)
    assert message["Subject"] == "Invitation: 2 rounds are open for you" and "/set-password/invite/" in body


def test_rounds_of_one_board_opening_the_same_day_send_each_person_one_email(
        app: Flask, demo: Demo, mailbox, runner: CliRunner) -> None:  # type: ignore[no-untyped-def]
    opens = TODAY + dt.timedelta(days=7)
    first = _draft(app, opens, opens + dt.timedelta(days=30))
    second = _draft(app, opens, opens + dt.timedelta(days=60), ("Essex Police", "Southend Borough Council – Education"))
    env = _env(app)
    for round_id in (first, second):
        assert runner.invoke(main, ["round", "open", str(round_id), "--on-opening-date"], env=env).exit_code == 0
    result = runner.invoke(main, ["round", "open-due", "--today", opens.isoformat()], env=env)
    assert result.exit_code == 0 and result.output.count("opened;") == 2, result.output
    police = mailbox.to("lead.police@demo.example")
    assert len(police) == 1 and police[0]["Subject"] == "2 rounds are open for you"
    assert mailbox.body(police[0]).count("Section 11 audit (scheduled)") == 2
    education = mailbox.to("lead.education@demo.example")
    assert len(education) == 1 and " is open for " in education[0]["Subject"], "one round is named in the subject"
    assert len(mailbox.messages) == len({str(m["To"]) for m in mailbox.messages}), "nobody is emailed twice"
