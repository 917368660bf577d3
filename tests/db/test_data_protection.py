"""Retention and a person's export and erasure, through the CLI, on both engines."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import (
    AgencyAction,
    Answer,
    Challenge,
    ChallengeMessage,
    Moderation,
    Person,
    Return,
    Round,
    RoundState,
)


def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"SURVEY_DATABASE_URL": db_url, "SURVEY_EVIDENCE_DIR": str(tmp_path / "evidence")}


def test_retention_anonymises_closed_rounds_after_the_period(db_url: str, runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["demo"], env=env(db_url, tmp_path)).exit_code == 0
    result = runner.invoke(main, ["retention", "apply"], env=env(db_url, tmp_path))
    assert result.exit_code == 0 and "no rounds are past their retention period" in result.output
    engine = make_engine(db_url)
    with Session(engine) as session:
        closed = session.scalar(select(Round).where(Round.state == RoundState.CLOSED))
        closed.retention_days = 30  # the demo round closed 330 days ago
        first = session.scalar(select(Return).where(Return.round_id == closed.id).order_by(Return.id))
        session.add(Moderation(return_id=first.id, statement_id="strategic-plan-1", rating=2.0, note="Board note"))
        challenge = Challenge(return_id=first.id, statement_id="strategic-plan-1")
        challenge.messages.append(ChallengeMessage(body="Sensitive question"))
        session.add(challenge)
        session.add(AgencyAction(agency_id=first.agency_id, round_id=closed.id, return_id=first.id,
                                 statement_id="strategic-plan-1", source="rating", what="Do", who="A person",
                                 evidence="Sensitive evidence"))
        session.commit()
        before = sorted(session.scalars(select(Answer.rating).join(Return).where(Return.round_id == closed.id)),
                        key=lambda r: (r is None, r))
    dry = runner.invoke(main, ["retention", "apply", "--dry-run"], env=env(db_url, tmp_path))
    assert dry.exit_code == 0 and "would anonymise 1 round(s)" in dry.output and "156 answers" in dry.output
    done = runner.invoke(main, ["retention", "apply"], env=env(db_url, tmp_path))
    assert done.exit_code == 0 and "anonymised 1 round(s)" in done.output
    with Session(engine) as session:
        answers = session.scalars(select(Answer).join(Return).where(Return.round_id == closed.id)).all()
        assert all(a.commentary == "" and a.updated_by_id is None for a in answers)
        assert sorted((a.rating for a in answers), key=lambda r: (r is None, r)) == before, "ratings are kept"
        assert all(r.declaration_name == "" for r in session.scalars(select(Return).where(
            Return.round_id == closed.id)))
        assert session.scalar(select(Moderation.note)) == "" and session.scalar(select(Moderation.rating)) == 2.0
        assert session.scalar(select(ChallengeMessage.body)) == "(removed after the retention period)"
        assert session.scalar(select(AgencyAction.evidence)) == "" and session.scalar(select(AgencyAction.who)) == ""
        open_answers = session.scalars(select(Answer).join(Return).join(Round).where(Round.state == RoundState.OPEN))
        assert any(a.commentary for a in open_answers), "open rounds are untouched"
    again = runner.invoke(main, ["retention", "apply"], env=env(db_url, tmp_path))
    assert "no rounds are past their retention period" in again.output
    engine.dispose()


def test_person_export_and_erasure(db_url: str, runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["demo"], env=env(db_url, tmp_path))
    out = tmp_path / "export.json"
    result = runner.invoke(main, ["person", "export", "LEAD.police@demo.example", "--out", str(out)],
                           env=env(db_url, tmp_path))
    assert result.exit_code == 0
    data = json.loads(out.read_text())
    assert data["person"]["email"] == "lead.police@demo.example"
    assert {r["role"] for r in data["roles"]} == {"lead", "contributor"}
    assert data["declarations"] and data["answers_last_edited"]
    refused = runner.invoke(main, ["person", "erase", "lead.police@demo.example"], env=env(db_url, tmp_path))
    assert refused.exit_code == 1 and "add --yes" in refused.output
    erased = runner.invoke(main, ["person", "erase", "lead.police@demo.example", "--yes"], env=env(db_url, tmp_path))
    assert erased.exit_code == 0
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert session.scalar(select(Person).where(Person.email == "lead.police@demo.example")) is None
        person = session.scalar(select(Person).where(Person.name.like("Erased person %")))
        assert person is not None and person.password_hash is None and not person.active and not person.roles
        declarations = session.scalars(select(Return.declaration_name).where(Return.submitted_by_id == person.id))
        assert set(declarations) == {person.name}
    engine.dispose()
    missing = runner.invoke(main, ["person", "export", "nobody@demo.example"], env=env(db_url, tmp_path))
    assert missing.exit_code == 1 and "no person with the email nobody@demo.example" in missing.output


def test_erasure_leaves_no_name_or_address_behind(db_url: str, runner: CliRunner, tmp_path: Path) -> None:
    """Rate-limit keys, audit entries, other people's free text and stored emails lose the person too."""
    import time

    from survey.models import AuditEvent, EmailMessage, RateLimit

    assert runner.invoke(main, ["demo"], env=env(db_url, tmp_path)).exit_code == 0
    engine = make_engine(db_url)
    with Session(engine) as session:
        lead = session.scalar(select(Person).where(Person.email == "lead.police@demo.example"))
        name, lead_id = lead.name, lead.id
        colleague_answer = session.scalar(select(Answer).where(Answer.updated_by_id != lead.id).limit(1))
        colleague_answer.commentary = f"Agreed with {name} at the audit meeting; ask {name.upper()} for the file."
        session.add(RateLimit(key="LIMITER/account:lead.police@demo.example/auth.sign_in/10/1/minute", count=3,
                              expires_at=time.time() + 60))
        session.add(AuditEvent(action="person.changed", object_type="person", object_id=str(lead.id),
                               old={"name": "Lee Former", "email": "old.lead@demo.example"},
                               new={"name": name, "email": "lead.police@demo.example"}))
        session.add(AuditEvent(action="agency.person_added", object_type="agency", object_id="1",
                               new={"email": "lead.police@demo.example", "role": "lead"}))
        session.add(EmailMessage(to_address="manager@demo.example", subject=f"{name} joined", kind="notice",
                                 body=f"{name} (lead.police@demo.example) is now a lead."))
        session.commit()
        # A name that is part of another word is left alone.
        unrelated = session.scalar(select(Answer).where(Answer.id != colleague_answer.id).limit(1))
        unrelated.commentary = f"{name}son Ltd is a supplier"
        session.commit()
        colleague_id, unrelated_id = colleague_answer.id, unrelated.id
    erased = runner.invoke(main, ["person", "erase", "lead.police@demo.example", "--yes"], env=env(db_url, tmp_path))
    assert erased.exit_code == 0, erased.output
    assert "kept under the pseudonym" in erased.output and "submitted declarations" in erased.output
    with Session(engine) as session:
        pseudonym = f"Erased person {lead_id}"
        assert session.get(Answer, colleague_id).commentary == (
            f"Agreed with {pseudonym} at the audit meeting; ask {pseudonym} for the file.")
        assert session.get(Answer, unrelated_id).commentary == f"{name}son Ltd is a supplier"
        assert not session.scalars(select(RateLimit).where(RateLimit.key.contains("lead.police"))).all()
        for event in session.scalars(select(AuditEvent)):
            text = json.dumps([event.old, event.new])
            assert "lead.police@demo.example" not in text and name not in text, event.action
        for message in session.scalars(select(EmailMessage)):
            assert name not in message.subject + message.body and "lead.police@" not in message.body
    engine.dispose()


def test_housekeeping_removes_what_has_expired(db_url: str, runner: CliRunner, tmp_path: Path) -> None:
    import datetime as dt
    import time

    from survey.models import RateLimit, SignInSession, StashedPost, utcnow

    assert runner.invoke(main, ["demo"], env=env(db_url, tmp_path)).exit_code == 0
    engine = make_engine(db_url)
    with Session(engine) as session:
        person = session.scalar(select(Person).where(Person.email == "staff.police@demo.example"))
        session.add_all([
            RateLimit(key="LIMITER/old", count=1, expires_at=time.time() - 10),
            RateLimit(key="LIMITER/current", count=1, expires_at=time.time() + 600),
            SignInSession(token_hash="a" * 64, person_id=person.id, ended_at=utcnow() - dt.timedelta(days=40)),
            SignInSession(token_hash="b" * 64, person_id=person.id, ended_at=utcnow() - dt.timedelta(days=2)),
            SignInSession(token_hash="c" * 64, person_id=person.id),
            StashedPost(token_hash="d" * 64, person_id=person.id, kind="expired", path="/x", data={},
                        created_at=utcnow() - dt.timedelta(days=3)),
            StashedPost(token_hash="e" * 64, person_id=person.id, kind="conflict", path="return:1:duty:x",
                        data={}, created_at=utcnow() - dt.timedelta(days=30)),
        ])
        session.commit()
    result = runner.invoke(main, ["housekeeping"], env=env(db_url, tmp_path))
    assert result.exit_code == 0, result.output
    assert "removed 1 expired rate-limit counters, 1 sign-in sessions ended over 30 days ago, 1 expired kept forms" \
        in result.output
    with Session(engine) as session:
        assert {r.key for r in session.scalars(select(RateLimit))} == {"LIMITER/current"}
        kept = {s.token_hash for s in session.scalars(select(SignInSession))}
        assert "b" * 64 in kept and "c" * 64 in kept and "a" * 64 not in kept
        assert {s.kind for s in session.scalars(select(StashedPost))} == {"conflict"}, \
            "a version kept from a conflict waits for its person's choice"
    engine.dispose()
