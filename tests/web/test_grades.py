"""Grades a questionnaire defines (the schools' return: Outstanding to Inadequate), on the grading page, in its CSV
and in each school's own report."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Return, ReturnState
from tests.fixtures_demo import Demo, client_for

# Ratings for the 18 statements: a strong return, one with a single statement below Good, and a weak one.
RATINGS = {"Essex Police": [4.0] * 18, "CAFCASS": [4.0] * 17 + [2.0],
           "Southend Schools and Colleges": [2.0] * 12 + [3.0] * 6}


def graded_round(app: Flask, demo: Demo) -> dict[str, int]:
    ids = demo.open_round("schools-safeguarding-return", list(RATINGS), title="Schools 2027")
    with app.app_context():
        from survey.services.definitions import questionnaire_of

        for name, rid in ids.items():
            ret = db.session.get(Return, rid)
            statements = questionnaire_of(ret.round.definition_version).statement_ids()
            for statement_id, rating in zip(statements, RATINGS[name], strict=True):
                db.session.add(Answer(return_=ret, statement_id=statement_id, rating=rating, not_applicable=False))
            ret.state = ReturnState.SUBMITTED
        db.session.commit()
    return ids


def test_each_return_has_its_grade(app: Flask, demo: Demo) -> None:
    ids = graded_round(app, demo)
    with app.app_context():
        round_id = db.session.scalar(select(Return.round_id).where(Return.id == ids["CAFCASS"]))
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{round_id}/grading").get_data(as_text=True)
    assert ">Grade</th>" in page
    with manager.get(f"/manager/rounds/{round_id}/grading.csv") as response:
        rows = {r["agency"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    # Mean 4 with nothing below Good; mean 3.9 with one of 18 below Good; mean 2.3.
    assert {name: row["grade"] for name, row in rows.items()} == {
        "Essex Police": "Outstanding", "CAFCASS": "Good", "Southend Schools and Colleges": "Requires improvement"}
    assert rows["CAFCASS"]["overall mean"] == "3.9"
    report = manager.get(f"/manager/returns/{ids['CAFCASS']}/report").get_data(as_text=True)
    assert "<strong>Grade:</strong> Good (mean 3.9; 1 of 18 statements below the threshold)" in report


def test_no_grade_column_where_the_questionnaire_defines_none(app: Flask, demo: Demo) -> None:
    ids = demo.open_round("section-11-audit", ["Essex Police"], title="Audit 2027")
    with app.app_context():
        ret = db.session.get(Return, ids["Essex Police"])
        ret.state = ReturnState.SUBMITTED
        db.session.add(Answer(return_=ret, statement_id="leadership-1", rating=3.0, not_applicable=False))
        db.session.commit()
        round_id = ret.round_id
    manager = client_for(app, "manager@demo.example")
    assert ">Grade</th>" not in manager.get(f"/manager/rounds/{round_id}/grading").get_data(as_text=True)
    with manager.get(f"/manager/rounds/{round_id}/grading.csv") as response:
        assert "grade" not in response.get_data(as_text=True).splitlines()[0].split(",")
    assert "Grade:" not in manager.get(f"/manager/returns/{ids['Essex Police']}/report").get_data(as_text=True)
