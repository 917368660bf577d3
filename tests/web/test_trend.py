"""The trend over every round of a questionnaire: on the results page, in the workbook's Trend sheet and in the board
paper, each round's figure shown only where that round's own anonymity rule let it be."""

from __future__ import annotations

import io
import re

import pypdf
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select, update

from survey.extensions import db
from survey.models import Answer, Return, Round
from survey.services.definitions import questionnaire_of
from tests.fixtures_demo import Demo, client_for
from tests.web.test_development import closed_round
from tests.web.test_results import copy_round


def _three_rounds(app: Flask) -> tuple[int, int, int]:
    first = closed_round(app)
    second = copy_round(app, first, "Board self-assessment 2026", {"strategic-plan-1": 1})
    third = copy_round(app, second, "Board self-assessment 2027", {"strategic-plan-1": -2})
    with app.app_context():
        # In 2026 only two returns rated strategic-plan-2: fewer than k, so that year's figure was never shown.
        returns = list(db.session.scalars(select(Return.id).where(Return.round_id == second).order_by(Return.id)))
        db.session.execute(update(Answer).where(Answer.return_id.in_(returns[2:]),
                                                Answer.statement_id == "strategic-plan-2").values(rating=None))
        db.session.commit()
    return first, second, third


def _means(app: Flask, round_id: int, statement: str) -> float:
    with app.app_context():
        ratings = [r for r in db.session.scalars(select(Answer.rating).join(Return).where(
            Return.round_id == round_id, Answer.statement_id == statement)) if r is not None]
    return sum(ratings) / len(ratings)


def test_the_results_page_shows_every_round(app: Flask, demo: Demo) -> None:
    first, second, third = _three_rounds(app)
    chair = client_for(app, "chair@demo.example")
    page = chair.get(f"/chair/rounds/{third}/results").get_data(as_text=True)
    assert "Trend over rounds" in page
    head = page.split('id="trend"')[1].split("</thead>")[0]
    assert head.index("Board self-assessment 2025") < head.index("2026") < head.index("2027")
    row = re.search(r'id="trend-statement-strategic-plan-1">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'numeric">([^<]*)</td>', row)
    expected = [f"{_means(app, r, 'strategic-plan-1'):.1f}" for r in (first, second, third)]
    assert cells == expected
    assert 'role="img" aria-label="Mean by round: Board self-assessment 2025: ' + expected[0] in row
    hidden = re.search(r'id="trend-statement-strategic-plan-2">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'numeric">([^<]*)</td>', hidden)[1] == "–", "2026's hidden figure stays hidden"
    assert "Board self-assessment 2026: not shown" in hidden
    duty = re.search(r'id="trend-duty-strategic-plan">(.*?)</tr>', page, re.S)
    assert duty is not None
    # The first round of a questionnaire has nothing to compare with.
    assert "Trend over rounds" not in chair.get(f"/chair/rounds/{first}/results").get_data(as_text=True)


def test_the_workbook_and_the_board_paper_carry_the_trend(app: Flask, demo: Demo) -> None:
    first, second, third = _three_rounds(app)
    manager = client_for(app, "manager@demo.example")
    book = load_workbook(io.BytesIO(manager.get(f"/manager/rounds/{third}/workbook.xlsx").data))
    assert "Trend" in book.sheetnames and book.sheetnames.index("Trend") < book.sheetnames.index("About")
    sheet = book["Trend"]
    rows = [r for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "Id")
    assert header[2:5] == ("Board self-assessment 2025", "Board self-assessment 2026", "Board self-assessment 2027")
    [plan] = [r for r in rows if r and r[0] == "strategic-plan-1"]
    assert [round(v, 6) for v in plan[2:5]] == [round(_means(app, r, "strategic-plan-1"), 6)
                                                for r in (first, second, third)]
    [hidden] = [r for r in rows if r and r[0] == "strategic-plan-2"]
    assert hidden[3] is None and hidden[2] is not None
    [chart] = sheet._charts  # openpyxl keeps a loaded sheet's charts here
    duty_rows = [r for r in rows if r and r[0] in _duty_ids(app)]
    assert duty_rows and len(chart.series) == len(duty_rows), "a line for every duty"
    paper = manager.get(f"/manager/rounds/{third}/board-paper.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(paper.data)).pages)
    assert "Trend over rounds" in text and "Board self-assessment 2025" in text
    first_workbook = load_workbook(io.BytesIO(manager.get(f"/manager/rounds/{first}/workbook.xlsx").data))
    assert "Trend" not in first_workbook.sheetnames


def _duty_ids(app: Flask) -> set[str]:

    with app.app_context():
        round_ = db.session.get(Round, closed_round(app))
        return {d.id for _, d in questionnaire_of(round_.definition_version).duties()}
