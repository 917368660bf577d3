"""A partnership's own words in its emails: its sender name and Reply-To, its texts with placeholders (checked,
previewed, filled), and its chasing schedule followed over simulated days with `survey remind --today`."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.cli import main
from survey.extensions import db
from survey.models import BoardEmail, EmailMessage, Partnership, Round, RoundState
from tests.authenticator import give_second_factor
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import errors, form_data

SCHEDULE = {"remind_before": "14,3", "remind_on_the_day": "yes", "chase_every_days": "7", "chase_times": "3",
            "copy_managers_from": "2"}


def _partnership_id(app: Flask, slug: str = "southend") -> int:
    with app.app_context():
        return int(db.session.scalar(select(Partnership.id).where(Partnership.slug == slug)))


def _post(client: FlaskClient, url: str, **fields: str) -> object:
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={**form_data(page), **fields})


def test_the_boards_sender_reply_to_and_words_reach_its_emails(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    url = f"/manager/partnerships/{_partnership_id(app)}/emails"
    manager = client_for(app, "manager@demo.example")
    assert "Emails and reminders" in manager.get("/manager/").get_data(as_text=True)
    text = "{partnership} asks {agency} to complete {round} by {deadline}. Thank you, {name}."
    preview = _post(manager, url, sender_name="Southend Safeguarding Partnership",
                    reply_to="Board@Southend.example", invitation_text=text, action="preview", **SCHEDULE)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "asks Example Health Trust to complete Section 11 audit by" in page
    with app.app_context():
        assert db.session.get(BoardEmail, _partnership_id(app)) is None, "a preview saves nothing"
    saved = _post(manager, url, sender_name="Southend Safeguarding Partnership", reply_to="Board@Southend.example",
                  invitation_text=text, action="save", **SCHEDULE)
    assert saved.status_code == 302

    with app.app_context():
        partnership = db.session.scalar(select(Partnership).where(Partnership.slug == "southend"))
        from survey.models import Agency
        from survey.services import invitations, mail, rounds

        police = db.session.scalar(select(Agency.id).where(Agency.name == "Essex Police"))
        today = dt.date.today()
        made = rounds.create_round(db.session(), partnership,
                                   app.extensions["survey_catalogue"].get("section-11-audit"), "Audit 2027", today,
                                   today + dt.timedelta(days=40), [police])
        rounds.open_round(db.session(), made, mail.SmtpSettings.from_config(app.config),
                          invitations.composer(db.session(), app.config))
    [email] = mailbox.to("lead.police@demo.example")
    assert email["From"] == f"Southend Safeguarding Partnership <{app.config['MAIL_FROM']}>"
    assert email["Reply-To"] == "board@southend.example"
    body = " ".join(mailbox.body(email).split())
    assert "Southend Safeguarding Children Partnership asks Essex Police to complete Audit 2027 by" in body
    assert "Thank you, Police Lead." in body and "Dear Police Lead," in body
    assert "/agency/" in body, "the link is always added"


@pytest.mark.parametrize(("fields", "message"), [
    ({"invitation_text": "Hello {lead}"}, "{lead} is not a placeholder; use {name}, {partnership}, {round}"),
    ({"reminder_text": "{agency.__class__.__mro__}"}, "is not a placeholder"),
    ({"overdue_text": "Due {days_left}"}, "{days_left} is not a placeholder; use {name}"),
    ({"reminder_text": "A stray { brace"}, "A brace { or } is not part of a placeholder"),
    ({"sender_name": "Board\r\nBcc: everyone@example.org"}, "The sender name must be on one line"),
    ({"reply_to": "board@example.org\r\nBcc: everyone@example.org"}, "Enter the Reply-To address in the correct"),
    ({"remind_before": "14,three"}, "Days before must be whole numbers of days separated by commas"),
    ({"chase_times": "99"}, "The number of chasers must be from 0 to 10"),
])
def test_bad_settings_are_refused_with_a_reason_and_nothing_is_saved(app: Flask, demo: Demo, fields: dict[str, str],
                                                                     message: str) -> None:
    url = f"/manager/partnerships/{_partnership_id(app)}/emails"
    manager = client_for(app, "manager@demo.example")
    refused = _post(manager, url, **{**SCHEDULE, "action": "save", **fields})
    assert refused.status_code == 400 and message in errors(refused.get_data(as_text=True))[0]
    with app.app_context():
        assert db.session.get(BoardEmail, _partnership_id(app)) is None


def test_another_boards_manager_cannot_see_or_change_them(app: Flask, demo: Demo) -> None:
    from survey.models import Role
    from survey.services import accounts, boards
    from tests.fixtures_demo import PASSWORD

    with app.app_context():
        other = boards.create_partnership(db.session(), "Lambeth Safeguarding Children Partnership", "lambeth")
        person = boards.add_board_person(db.session(), "Lambeth Manager", "manager@lambeth.example", Role.MANAGER,
                                         other)
        accounts.set_password(db.session(), person, PASSWORD)
        give_second_factor(person)
        db.session.commit()
    url = f"/manager/partnerships/{_partnership_id(app)}/emails"
    lambeth = client_for(app, "manager@lambeth.example")
    assert lambeth.get(url).status_code == 404
    token = form_data(lambeth.get(f"/manager/partnerships/{_partnership_id(app, 'lambeth')}/emails")
                      .get_data(as_text=True))["csrf_token"]
    assert lambeth.post(url, data={"csrf_token": token, **SCHEDULE, "sender_name": "Hijacked"}).status_code == 404
    with app.app_context():
        assert db.session.get(BoardEmail, _partnership_id(app)) is None


def test_the_chasing_schedule_over_the_days_around_a_deadline(app: Flask, demo: Demo, mailbox,  # type: ignore[no-untyped-def]
                                                              runner: CliRunner) -> None:
    url = f"/manager/partnerships/{_partnership_id(app)}/emails"
    manager = client_for(app, "manager@demo.example")
    assert _post(manager, url, action="save", overdue_text="{agency}: {days_overdue} days late.",
                 **SCHEDULE).status_code == 302
    with app.app_context():
        deadline = db.session.scalar(select(Round.deadline).where(Round.state == RoundState.OPEN))
    env = {"SURVEY_DATABASE_URL": app.config["DATABASE_URL"], "SURVEY_SMTP_HOST": app.config["SMTP_HOST"],
           "SURVEY_SMTP_PORT": str(app.config["SMTP_PORT"])}

    def day(offset: int) -> set[str]:
        mailbox.messages.clear()
        result = runner.invoke(main, ["remind", "--today", (deadline + dt.timedelta(days=offset)).isoformat()],
                               env=env)
        assert result.exit_code == 0, result.output
        return {str(m["Subject"]).split(":")[0] + (" +manager" if mailbox.to("manager@demo.example") else "")
                for m in mailbox.messages}

    assert day(-20) == set(), "nothing before the first reminder"
    assert day(-14) == {"Reminder"} and not mailbox.to("manager@demo.example")
    assert day(-10) == set(), "each reminder once"
    assert day(-3) == {"Reminder"}
    assert day(0) == {"Reminder"} and "is due today" in str(mailbox.messages[0]["Subject"])
    first = day(1)
    assert first == {"Reminder"}, "the first chaser goes to the agency's people only"
    assert "days late" in mailbox.body(mailbox.messages[0]) and "1 days late" in " ".join(
        mailbox.body(mailbox.messages[0]).split())
    assert day(5) == set()
    assert day(8) == {"Reminder +manager"}, "the second copies the managers"
    assert day(15) == {"Reminder +manager"}
    assert day(22) == set() and day(40) == set(), "three chasers at most"
    with app.app_context():
        kinds = set(db.session.scalars(select(EmailMessage.kind).where(EmailMessage.kind.like("reminder:%"))))
    assert kinds == {"reminder:due-14", "reminder:due-3", "reminder:due-0", "reminder:overdue",
                     "reminder:overdue-2", "reminder:overdue-3"}
