"""Reminders through a real SMTP server: each sent exactly once across repeated runs; SMTP down marks nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import EmailMessage, MailState, Return, ReturnState, Round, RoundState


@pytest.fixture
def env(db_url: str, runner: CliRunner, smtp_server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {"SURVEY_DATABASE_URL": db_url, "SURVEY_SMTP_HOST": smtp_server[0],
              "SURVEY_SMTP_PORT": str(smtp_server[1])}
    assert runner.invoke(main, ["demo"], env=values).exit_code == 0
    return values


def deadline(db_url: str) -> dt.date:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = session.scalar(select(Round.deadline).where(Round.state == RoundState.OPEN))
    engine.dispose()
    return found


def test_each_reminder_once(env: dict[str, str], runner: CliRunner, mailbox, db_url: str) -> None:  # type: ignore[no-untyped-def]
    due = deadline(db_url)
    early = (due - dt.timedelta(days=20)).isoformat()
    assert "sent 0 reminder(s)" in runner.invoke(main, ["remind", "--today", early], env=env).output
    week = (due - dt.timedelta(days=6)).isoformat()
    dry = runner.invoke(main, ["remind", "--today", week, "--dry-run"], env=env)
    assert dry.exit_code == 0 and "would send 27 reminder(s) for 9 return(s)" in dry.output and not mailbox.messages
    first = runner.invoke(main, ["remind", "--today", week], env=env)
    assert first.exit_code == 0 and "sent 27 reminder(s) for 9 return(s)" in first.output
    assert len(mailbox.messages) == 27
    assert "sending reminders" in first.stderr, "a progress bar on stderr (its label only when not a terminal)"
    assert {m["Subject"] for m in mailbox.to("lead.police@demo.example")} == {
        f"Reminder: Section 11 audit {dt.date.today().year} is due in 6 days – Essex Police"}
    for _ in range(3):  # cron every hour: nothing more
        again = runner.invoke(main, ["remind", "--today", week], env=env)
        assert "sent 0 reminder(s)" in again.output
    assert len(mailbox.messages) == 27
    # One return is submitted: its people get no more reminders.
    engine = make_engine(db_url)
    with Session(engine) as session:
        police = session.scalar(select(Return).join(Round).where(Round.state == RoundState.OPEN,
                                                                  Return.agency.has(name="Essex Police")))
        police.state = ReturnState.SUBMITTED
        session.commit()
    engine.dispose()
    last_day = runner.invoke(main, ["remind", "--today", due.isoformat()], env=env)
    assert "sent 24 reminder(s) for 8 return(s)" in last_day.output
    late = (due + dt.timedelta(days=3)).isoformat()
    assert "sent 24 reminder(s)" in runner.invoke(main, ["remind", "--today", late], env=env).output
    assert "sent 0 reminder(s)" in runner.invoke(main, ["remind", "--today", late], env=env).output
    overdue = [m for m in mailbox.messages if "is overdue" in m["Subject"]]
    assert len(overdue) == 24 and not mailbox.to("lead.police@demo.example")[1:]


def test_smtp_down_keeps_the_reminders_to_send_each_once_later(env: dict[str, str], runner: CliRunner, mailbox,  # type: ignore[no-untyped-def]
                                                               db_url: str) -> None:
    week = (deadline(db_url) - dt.timedelta(days=6)).isoformat()
    down = runner.invoke(main, ["remind", "--today", week], env={**env, "SURVEY_SMTP_PORT": "1"})
    assert down.exit_code == 1 and "27 of 27 reminders could not be sent yet" in down.output
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert session.scalar(select(EmailMessage).where(EmailMessage.sent_at.is_not(None))) is None
        assert session.scalar(select(func.count()).select_from(EmailMessage).where(
            EmailMessage.state == MailState.QUEUED, EmailMessage.error.contains("cannot send email"))) == 27
        session.execute(update(EmailMessage).values(next_attempt_at=None))  # their back-off has passed
        session.commit()
    engine.dispose()
    again = runner.invoke(main, ["remind", "--today", week], env=env)
    assert "sent 0 reminder(s)" in again.output, "the kept reminders are not queued a second time"
    assert runner.invoke(main, ["mail", "send"], env=env).output.startswith("27 sent")
    assert len(mailbox.messages) == 27 and len({str(m["To"]) for m in mailbox.messages}) == 27


def test_bad_settings(env: dict[str, str], runner: CliRunner) -> None:
    bad = runner.invoke(main, ["remind"], env={**env, "SURVEY_REMINDER_DAYS_BEFORE": "seven"})
    assert bad.exit_code == 1 and "must be days separated by commas" in bad.output
    assert runner.invoke(main, ["remind", "--today", "tomorrow"], env=env).exit_code == 1
