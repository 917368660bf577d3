"""Areas for development and actions over HTTP: who may do what, bad input, the workbook, the next round."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Agency, AreaAction, DevelopmentArea, Round, RoundState
from survey.services.demo import DEMO_AREA
from tests.fixtures_demo import Demo, client_for, round_in_state
from tests.web.forms import errors, form_data
from tests.web.test_results import copy_round


def closed_round(app: Flask) -> int:
    return round_in_state(app, RoundState.CLOSED)


def agree(client: FlaskClient, rid: int, title: str, statements: list[str], rationale: str = "") -> object:
    page = client.get(f"/chair/rounds/{rid}/areas/new").get_data(as_text=True)
    return client.post(f"/chair/rounds/{rid}/areas/new", data={"csrf_token": form_data(page)["csrf_token"],
                                                              "title": title, "rationale": rationale,
                                                              "statements": statements})


def add_action(client: FlaskClient, prefix: str, area_id: int, due: dt.date | None, **fields: str) -> object:
    page = client.get(f"/{prefix}/areas/{area_id}/actions/new").get_data(as_text=True)
    data = {"csrf_token": form_data(page)["csrf_token"], "what": "Run a training session", "owner_agency": "",
            "owner_name": "Training lead", "status": "not started", **fields}
    if due is not None:
        data.update({"due_on-day": str(due.day), "due_on-month": str(due.month), "due_on-year": str(due.year)})
    return client.post(f"/{prefix}/areas/{area_id}/actions/new", data=data)


def area_ids(app: Flask) -> list[int]:
    """Areas agreed in the test (the demo comes with one of its own)."""
    with app.app_context():
        return list(db.session.scalars(select(DevelopmentArea.id).where(DevelopmentArea.title != DEMO_AREA)
                                       .order_by(DevelopmentArea.id)))


def test_chair_agrees_an_area_with_actions(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    chair = client_for(app, "chair@demo.example")
    page = chair.get(f"/chair/rounds/{rid}/areas").get_data(as_text=True)
    assert "Suggested by the results" in page and "among the lowest means" in page.lower()
    assert "5 lowest means" in page
    suggested = re.search(r'areas/new\?statement=([\w-]+)', page).group(1)
    prefilled = chair.get(f"/chair/rounds/{rid}/areas/new?statement={suggested}").get_data(as_text=True)
    assert f'value="{suggested}" checked' in prefilled
    with app.app_context():
        already = {str(s) for s in db.session.scalar(select(DevelopmentArea.statement_ids).where(
            DevelopmentArea.title == DEMO_AREA))}
    offered = set(re.findall(r'areas/new\?statement=([\w-]+)', page))
    assert already and not already & offered, "statements of the demo's agreed area are not suggested again"
    created = agree(chair, rid, "Case review learning", [suggested, "strategic-plan-1"], "Lowest rated duty")
    assert created.status_code == 302
    after = set(re.findall(r'areas/new\?statement=([\w-]+)', chair.get(f"/chair/rounds/{rid}/areas").get_data(
        as_text=True)))
    assert suggested not in after and "strategic-plan-1" not in after
    assert len(after) >= len(offered) - 1, "the next lowest means are suggested in their place"
    [area_id] = area_ids(app)
    due = dt.date.today() + dt.timedelta(days=60)
    with app.app_context():
        police = str(db.session.scalar(select(Agency.id).where(Agency.name == "Essex Police")))
    assert add_action(chair, "chair", area_id, due, owner_agency=police, owner_name="").status_code == 302
    manager = client_for(app, "manager@demo.example")
    assert add_action(manager, "manager", area_id, due, what="Audit attendance").status_code == 302
    listing = manager.get(f"/manager/rounds/{rid}/areas").get_data(as_text=True)
    assert "Case review learning" in listing and "Essex Police" in listing and "Audit attendance" in listing
    assert "0 of 2 actions done" in listing
    with app.app_context():
        action_id = db.session.scalar(select(AreaAction.id).where(AreaAction.what == "Audit attendance"))
    page = manager.get(f"/manager/actions/{action_id}").get_data(as_text=True)
    done = manager.post(f"/manager/actions/{action_id}", data={**form_data(page), "status": "done"})
    assert done.status_code == 302
    assert "1 of 2 actions done" in manager.get(f"/manager/rounds/{rid}/areas").get_data(as_text=True)
    with manager.get(f"/manager/rounds/{rid}/workbook.xlsx") as response:
        book = load_workbook(io.BytesIO(response.get_data()))
    rows = [r for r in book["Development"].iter_rows(min_row=2, values_only=True) if r[0] == "Case review learning"]
    assert {r[3] for r in rows} == {"Run a training session", "Audit attendance"}
    assert {r[6] for r in rows} == {"not started", "done"} and rows[0][0] == "Case review learning"
    assert isinstance(rows[0][5], dt.datetime) and rows[0][5].date() == due


@pytest.mark.parametrize(("fields", "due", "message"), [
    ({"owner_name": "", "owner_agency": ""}, 30, "Choose the agency that owns the action, or name the person who does"),
    ({}, -1, "The due date must be today or later"),
    ({}, None, "Enter the date the action is due"),
    ({"what": " "}, 30, "Say what will be done"),
    ({"owner_agency": "999999"}, 30, "Choose one of the partnership's agencies"),
    ({"status": "finished"}, 30, "Choose not started, in progress or done"),
])
def test_bad_actions_save_nothing(app: Flask, demo: Demo, fields: dict[str, str], due: int | None,
                                  message: str) -> None:
    rid = closed_round(app)
    chair = client_for(app, "chair@demo.example")
    assert agree(chair, rid, "Area", ["strategic-plan-1"]).status_code == 302
    [area_id] = area_ids(app)
    when = dt.date.today() + dt.timedelta(days=due) if due is not None else None
    response = add_action(chair, "chair", area_id, when, **fields)
    assert response.status_code == 400 and errors(response.get_data(as_text=True)) == [message]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AreaAction).where(
            AreaAction.area_id == area_id)) == 0


def test_bad_areas_save_nothing(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    chair = client_for(app, "chair@demo.example")
    for title, statements, message in (("", ["strategic-plan-1"], "Enter a title for the area"),
                                       ("A", [], "Choose at least one statement the area responds to"),
                                       ("A", ["nope"], "There is no statement 'nope' in this questionnaire")):
        response = agree(chair, rid, title, statements)
        assert response.status_code == 400 and errors(response.get_data(as_text=True)) == [message]
    assert area_ids(app) == []


def test_who_may_do_what(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    chair = client_for(app, "chair@demo.example")
    assert agree(chair, rid, "Area", ["strategic-plan-1"]).status_code == 302
    [area_id] = area_ids(app)
    manager = client_for(app, "manager@demo.example")
    lead = client_for(app, "lead.police@demo.example")
    assert manager.get(f"/chair/rounds/{rid}/areas/new").status_code == 403, "the chair agrees areas"
    assert lead.get(f"/chair/rounds/{rid}/areas").status_code == 403
    assert lead.get(f"/manager/rounds/{rid}/areas").status_code == 403
    assert manager.get(f"/manager/rounds/{rid}/areas").status_code == 200
    assert chair.get(f"/chair/areas/{area_id}").status_code == 200
    assert manager.get(f"/manager/areas/{area_id}/actions/new").status_code == 200
    assert app.test_client().get(f"/chair/areas/{area_id}").status_code == 302
    with app.app_context():
        open_round = db.session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
    assert chair.get(f"/chair/rounds/{open_round}/areas").status_code == 404, "results not published yet"


def test_the_next_round_shows_last_rounds_areas(app: Flask, demo: Demo) -> None:
    first = closed_round(app)
    chair = client_for(app, "chair@demo.example")
    assert agree(chair, first, "Strategic plan ownership", ["strategic-plan-1"]).status_code == 302
    [area_id] = area_ids(app)
    assert add_action(chair, "chair", area_id, dt.date.today() + dt.timedelta(days=10)).status_code == 302
    second = copy_round(app, first, "Board self-assessment 2026", {})
    page = chair.get(f"/chair/rounds/{second}/results").get_data(as_text=True)
    assert "Areas for development from Board self-assessment 2025" in page
    assert "Strategic plan ownership</strong>: 0 of 1 action done" in page
    row = re.search(r'id="statement-strategic-plan-1">(.*?)</tr>', page, re.S).group(1)
    assert "Area for development: Strategic plan ownership" in row
