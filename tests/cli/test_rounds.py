"""`survey round create|open|close|status|list` on both engines, with invitations through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import EmailMessage, MailState, Person, Role, RoleAssignment, Round, RoundState


@pytest.fixture
def env(db_url: str, runner: CliRunner, smtp_server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {"SURVEY_DATABASE_URL": db_url, "SURVEY_SMTP_HOST": smtp_server[0],
              "SURVEY_SMTP_PORT": str(smtp_server[1]), "SURVEY_BASE_URL": "https://safeguarding.example.org"}
    assert runner.invoke(main, ["demo"], env=values).exit_code == 0
    return values


def run(runner: CliRunner, env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(main, list(args), env=env)
    return result.exit_code, result.output


# Dates computed from today, so that the round's deadline is always to come.
OPENS = dt.date.today() + dt.timedelta(days=40)
DEADLINE = OPENS + dt.timedelta(days=80)
CREATE = ["round", "create", "--partnership", "southend", "--questionnaire", "schools-safeguarding-return",
          "--title", "Schools 2027", "--opens", OPENS.isoformat(), "--deadline", DEADLINE.isoformat()]


def test_a_round_from_creation_to_close(env: dict[str, str], runner: CliRunner, mailbox, db_url: str) -> None:  # type: ignore[no-untyped-def]
    code, out = run(runner, env, *CREATE, "--agency", "Southend Schools and Colleges", "--agency", "Essex Police")
    assert code == 0, out
    round_id = int(re.search(r"created round (\d+)", out).group(1))
    assert "(2 agencies, draft)" in out
    code, out = run(runner, env, "round", "list", "--format", "json")
    rows = json.loads(out)
    assert rows[0] == {"id": round_id, "partnership": "Southend Safeguarding Children Partnership",
                       "questionnaire": "schools-safeguarding-return", "title": "Schools 2027", "state": "draft",
                       "submitted": 0, "returns": 2}
    assert {r["state"] for r in rows} == {"draft", "open", "closed"}

    # A new person with no password yet gets an invitation with a link; others a notice.
    engine = make_engine(db_url)
    with Session(engine) as session:
        lead = session.scalar(select(RoleAssignment).where(RoleAssignment.role == Role.LEAD)
                              .join(Person).where(Person.email == "lead.schools@demo.example"))
        newcomer = Person(email="dsl@academy.example", name="New DSL")
        session.add(newcomer)
        session.add(RoleAssignment(person=newcomer, role=Role.CONTRIBUTOR, agency=lead.agency,
                                   partnership_id=lead.partnership_id))
        session.commit()
    code, out = run(runner, env, "round", "open", str(round_id))
    assert code == 0, out
    assert "opened round" in out and "7 emails sent" in out
    assert len(mailbox.messages) == 7 and len({str(m["To"]) for m in mailbox.messages}) == 7
    [invite] = mailbox.to("dsl@academy.example")
    assert invite["Subject"] == "Invitation: Schools 2027 is open for Southend Schools and Colleges"
    assert "https://safeguarding.example.org/set-password/invite/" in mailbox.body(invite)
    [notice] = mailbox.to("lead.police@demo.example")
    assert "https://safeguarding.example.org/agency/" in mailbox.body(notice) and DEADLINE.strftime("%-d %B %Y") in \
        mailbox.body(notice)

    code, out = run(runner, env, "round", "open", str(round_id))
    assert code == 1 and f"Round {round_id} is already open" in out
    code, out = run(runner, env, "round", "status", str(round_id), "--format", "json")
    status = json.loads(out)
    assert status["submitted"] == 0 and status["returns"] == 2
    assert {a["agency"]: a["status"] for a in status["agencies"]} == {
        "Essex Police": "not started", "Southend Schools and Colleges": "not started"}
    assert {(a["stage"], a["late"]) for a in status["agencies"]} == {("not started", False)}
    code, out = run(runner, env, "round", "status", str(round_id), "--format", "csv")
    assert out.splitlines()[0].startswith("agency,status,answered,statements,percent")
    code, out = run(runner, env, "round", "close", str(round_id))
    assert code == 0 and f"closed round {round_id}" in out
    code, out = run(runner, env, "round", "close", str(round_id))
    assert code == 1 and "is already closed" in out
    with Session(engine) as session:
        assert session.get(Round, round_id).state is RoundState.CLOSED
    engine.dispose()


@pytest.mark.parametrize(("args", "message"), [
    (["--opens", (DEADLINE + dt.timedelta(days=1)).isoformat()],
     "The deadline must be the same as or after the opening date"),
    (["--opens", "1 April"], "--opens must be a date like 2026-04-01"),
    (["--partnership", "nowhere"], "no partnership 'nowhere'"),
    (["--questionnaire", "nope"], "no questionnaire 'nope' (known: board-self-assessment"),
    (["--agency", "Made-up Agency"], "unknown agencies for Southend Safeguarding Children Partnership: Made-up Agency"),
    (["--title", " "], "Enter a title for the round"),
])
def test_create_refuses_bad_input(env: dict[str, str], runner: CliRunner, args: list[str], message: str) -> None:
    command = list(CREATE)
    flag, value = args
    if flag in command:
        command[command.index(flag) + 1] = value
    else:
        command += [flag, value]
    code, out = run(runner, env, *command)
    assert code == 1 and message in out, out
    assert len(out.strip().splitlines()) == 1


def test_open_with_smtp_down_opens_and_keeps_each_email_for_later(env: dict[str, str], runner: CliRunner,
                                                                 db_url: str, mailbox) -> None:  # type: ignore[no-untyped-def]
    code, out = run(runner, env, *CREATE, "--agency", "Essex Police")
    round_id = int(re.search(r"created round (\d+)", out).group(1))
    down = {**env, "SURVEY_SMTP_PORT": "1"}
    code, out = run(runner, down, "round", "open", str(round_id))
    assert code == 0 and "3 of 3 emails could not be sent yet" in out and "cannot send email" in out
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert session.get(Round, round_id).state is RoundState.OPEN
        kept = session.scalars(select(EmailMessage).where(EmailMessage.round_id == round_id)).all()
        assert [(m.state, m.attempts) for m in kept] == [(MailState.QUEUED, 1)] * 3
        session.execute(update(EmailMessage).values(next_attempt_at=None))  # their back-off has passed
        session.commit()
    engine.dispose()
    code, out = run(runner, env, "mail", "send")
    assert code == 0 and "3 sent" in out
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        "lead.police@demo.example", "officer.police@demo.example", "staff.police@demo.example"]
    assert run(runner, env, "mail", "send")[1].startswith("0 sent"), "each once"


def test_open_and_close_refusals(env: dict[str, str], runner: CliRunner, db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        closed = session.scalar(select(Round.id).where(Round.state == RoundState.CLOSED))
    engine.dispose()
    assert "a closed round cannot be opened again" in run(runner, env, "round", "open", str(closed))[1]
    assert "there is no round 999" in run(runner, env, "round", "status", "999")[1]
    code, out = run(runner, env, *CREATE)
    round_id = int(re.search(r"created round (\d+)", out).group(1))
    assert "has not been opened" in run(runner, env, "round", "close", str(round_id))[1]

    from survey.definitions import load_file
    from survey.models import Partnership
    from survey.services.rounds import create_round

    engine = make_engine(db_url)
    with Session(engine) as session:
        partnership = session.scalar(select(Partnership))
        questionnaire = load_file(Path(__file__).resolve().parents[2] / "questionnaires" / "section-11-audit.yaml")
        empty = create_round(session, partnership, questionnaire, "Empty", dt.date(2027, 1, 1), dt.date(2027, 2, 1), [])
        empty_id = empty.id
    engine.dispose()
    code, out = run(runner, env, "round", "open", str(empty_id))
    assert code == 1 and "A round needs at least one agency before it can open" in out


def test_status_csv_keeps_a_formula_like_agency_name_as_text(runner: CliRunner, env: dict[str, str]) -> None:
    from survey.models import Agency, Return

    engine = make_engine(env["SURVEY_DATABASE_URL"])
    with Session(engine) as session:
        ret = session.scalar(select(Return).join(Round).where(Round.state == RoundState.OPEN).limit(1))
        session.get(Agency, ret.agency_id).name = '=HYPERLINK("https://evil.example","x")'
        round_id = ret.round_id
        session.commit()
    engine.dispose()
    code, out = run(runner, env, "round", "status", str(round_id), "--format", "csv")
    assert code == 0
    assert "'=HYPERLINK(" in out and "\n=HYPERLINK" not in out, "the same rule as the web download"
