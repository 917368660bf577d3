"""Collation from the database gives the same figures as `survey score` on the same ratings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import Answer, Return, Round, RoundState
from survey.services.collation import collate_round

BOARD = Path(__file__).resolve().parents[2] / "questionnaires" / "board-self-assessment.yaml"


def test_database_collation_matches_the_cli(db_url: str, runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["demo"], env={"SURVEY_DATABASE_URL": db_url}).exit_code == 0
    engine = make_engine(db_url)
    with Session(engine) as session:
        closed = session.scalar(select(Round).where(Round.state == RoundState.CLOSED))
        figures = collate_round(session, closed.id)
        rows = session.execute(select(Return.agency_id, Answer.statement_id, Answer.rating)
                               .join(Answer.return_).where(Return.round_id == closed.id)).all()
    engine.dispose()
    path = tmp_path / "ratings.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent", "statement", "rating"])
        for agency, statement, rating in rows:
            writer.writerow([agency, statement, "" if rating is None else rating])
    result = runner.invoke(main, ["score", str(path), "--definition", str(BOARD), "--format", "json"])
    assert result.exit_code == 0
    assert [f.to_json() for f in figures] == json.loads(result.stdout)
    by = {(f.level, f.id): f for f in figures}
    assert by["statement", "case-reviews-1"].mode_label == "2/3" and by["statement", "case-reviews-1"].n == 6
    assert by["statement", "annual-report-1"].n == 0


def test_open_round_counts_only_submitted_unless_previewing(db_url: str, runner: CliRunner) -> None:
    runner.invoke(main, ["demo"], env={"SURVEY_DATABASE_URL": db_url})
    engine = make_engine(db_url)
    with Session(engine) as session:
        open_round = session.scalar(select(Round).where(Round.state == RoundState.OPEN))
        assert all(f.n == 0 for f in collate_round(session, open_round.id))
        preview = collate_round(session, open_round.id, submitted_only=False)
        assert max(f.n for f in preview if f.level == "statement") >= 5
    engine.dispose()


def test_round_results_and_score_give_one_json_shape(db_url: str, runner: CliRunner, tmp_path: Path) -> None:
    env = {"SURVEY_DATABASE_URL": db_url}
    assert runner.invoke(main, ["demo"], env=env).exit_code == 0
    engine = make_engine(db_url)
    with Session(engine) as session:
        closed = session.scalar(select(Round).where(Round.state == RoundState.CLOSED))
        figures = {(f.level, f.id): f.to_json() for f in collate_round(session, closed.id)}
    engine.dispose()
    result = runner.invoke(main, ["round", "results", str(closed.id), "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    keys = set(next(iter(figures.values()))) | {"ratings", "note"}
    assert all(set(row) == keys for row in rows)
    unrated = next(row for row in rows if row["id"] == "annual-report-1")
    assert unrated["n"] == 0 and unrated["note"] == "no ratings" and unrated["mean"] is None
    for row in rows:
        if row["n"] is None:  # withheld, and always saying why
            assert row["note"].startswith("not shown:") and row["mean"] is None and row["mode"] == []
        else:
            assert {k: row[k] for k in keys - {"ratings", "note"}} == figures[row["level"], row["id"]]
