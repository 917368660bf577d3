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
