"""`survey demo` on both engines: what it loads, that it is idempotent, and that it never touches real data."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import scoring
from survey.cli import main
from survey.db import make_engine
from survey.models import (
    Agency,
    Answer,
    Partnership,
    Person,
    Return,
    ReturnState,
    Role,
    RoleAssignment,
    Round,
    RoundState,
)
from survey.services.definitions import questionnaire_of


def test_demo_loads_a_realistic_partnership(db_url: str, runner: CliRunner) -> None:
    result = runner.invoke(main, ["demo"], env={"SURVEY_DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert "demo data loaded" in result.output and "password: demo-password-2026" in result.output
    assert "manager@demo.example" in result.output and "chair@demo.example" in result.output
    engine = make_engine(db_url)
    with Session(engine) as session:
        names = set(session.scalars(select(Agency.name)))
        for partner in ("Essex Police", "CAFCASS", "National Probation Service", "Southend Schools and Colleges",
                        "NHS Southend Clinical Commissioning Group"):
            assert partner in names
        roles = {r.value: n for r, n in session.execute(
            select(RoleAssignment.role, func.count()).group_by(RoleAssignment.role))}
        assert roles == {"lead": 10, "contributor": 30, "manager": 1, "chair": 1, "admin": 1}
        closed = session.scalar(select(Round).where(Round.state == RoundState.CLOSED))
        assert closed is not None and closed.definition_version.questionnaire_id == "board-self-assessment"
        submitted = session.scalars(select(Return).where(Return.round_id == closed.id)).all()
        assert len(submitted) == 6 and all(r.state is ReturnState.SUBMITTED for r in submitted)
        open_round = session.scalar(select(Round).where(Round.state == RoundState.OPEN))
        assert open_round is not None and open_round.definition_version.questionnaire_id == "section-11-audit"
        states = [r.state for r in open_round.returns]
        assert ReturnState.DRAFT in states and ReturnState.NOT_STARTED in states
        answered = sorted(len(r.answers) for r in open_round.returns)
        assert len(set(answered)) >= 5, "drafts at different stages"

        # The closed round reproduces published Appendix 3 rows.
        questionnaire = questionnaire_of(closed.definition_version)
        layout = scoring.layout_for(questionnaire)
        col = {sid: i for i, sid in enumerate(layout.statement_ids)}
        matrix = np.full((6, len(col)), np.nan)
        for i, ret in enumerate(submitted):
            for answer in ret.answers:
                if answer.rating is not None:
                    matrix[i, col[answer.statement_id]] = answer.rating
        figures = scoring.by_id(scoring.collate(matrix, layout))
        assert figures["statement", "case-reviews-1"].mode_label == "2/3"
        assert figures["statement", "data-intelligence-1"].range_label == "1.5"
        assert figures["statement", "annual-report-1"].n == 0
    engine.dispose()


def test_demo_twice_is_harmless(db_url: str, runner: CliRunner) -> None:
    assert runner.invoke(main, ["demo"], env={"SURVEY_DATABASE_URL": db_url}).exit_code == 0
    again = runner.invoke(main, ["demo"], env={"SURVEY_DATABASE_URL": db_url})
    assert again.exit_code == 0 and "already loaded" in again.output
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Partnership)) == 1
        assert session.scalar(select(func.count()).select_from(Answer)) > 0
    engine.dispose()


def test_demo_refuses_real_data(db_url: str, runner: CliRunner) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        session.add(Person(email="real@council.gov.uk", name="Real Person"))
        session.commit()
    result = runner.invoke(main, ["demo"], env={"SURVEY_DATABASE_URL": db_url})
    assert result.exit_code == 1
    assert "already holds real (non-demo) data" in result.output
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Partnership)) == 0
        assert session.scalar(select(func.count()).select_from(Person)) == 1
    engine.dispose()


def test_role_enum_is_stored_by_value(db_url: str, runner: CliRunner) -> None:
    runner.invoke(main, ["demo"], env={"SURVEY_DATABASE_URL": db_url})
    engine = make_engine(db_url)
    with engine.connect() as connection:
        stored = set(connection.exec_driver_sql("SELECT DISTINCT role FROM role_assignment").scalars())
    assert stored == {r.value for r in Role}
    engine.dispose()
