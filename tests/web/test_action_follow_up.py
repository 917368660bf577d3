"""Following actions over the years: notes of progress with evidence, the colour set by hand with its reason, open
actions carried into the next round of the same questionnaire, and all of it in the workbook and the board paper."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from survey.extensions import db
from survey.models import ActionNote, AreaAction, AuditEvent
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import errors, form_data
from tests.web.test_development import add_action, agree, area_ids, closed_round
from tests.web.test_results import copy_round


def _action(app: Flask, chair: FlaskClient, due_in_days: int, status: str = "not started") -> tuple[int, int]:
    rid = closed_round(app)
    assert agree(chair, rid, "Learning from case reviews", ["strategic-plan-1"]).status_code == 302
    [area_id] = area_ids(app)
    due = dt.date.today() + dt.timedelta(days=due_in_days)
    assert add_action(chair, "chair", area_id, due, status=status).status_code == 302
    with app.app_context():
        action_id = db.session.scalar(select(AreaAction.id).where(AreaAction.area_id == area_id))
    return rid, int(action_id)


def _post(client: FlaskClient, url: str, **fields: str) -> object:
    token = form_data(client.get(url).get_data(as_text=True))["csrf_token"]
    return client.post(url, data={"csrf_token": token, **fields})


def test_a_note_with_evidence_and_the_colour_set_by_hand(app: Flask, demo: Demo) -> None:
    chair = client_for(app, "chair@demo.example")
    rid, action_id = _action(app, chair, due_in_days=10)
    listing = chair.get(f"/chair/rounds/{rid}/areas").get_data(as_text=True)
    assert "Amber" in listing and "Not started and due in 10 days" in listing
    url = f"/chair/actions/{action_id}/progress"
    done = _post(chair, url, which="note", text="Training booked for all designated leads",
                 links="https://board.example/minutes/2027-03.pdf\n\nhttps://board.example/training")
    assert done.status_code == 302
    page = chair.get(url).get_data(as_text=True)
    assert "Training booked for all designated leads" in page and 'href="https://board.example/training"' in page
    manager = client_for(app, "manager@demo.example")
    assert _post(manager, f"/manager/actions/{action_id}/progress", which="rag", colour="green",
                 reason="Dates are fixed and the trainer is booked").status_code == 302
    listing = chair.get(f"/chair/rounds/{rid}/areas").get_data(as_text=True)
    assert "Set by the board: Dates are fixed and the trainer is booked" in listing and "(1 note)" in listing
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(action_id))))
    assert {"action.note_added", "action.rag_set"} <= actions
    # A new status is worked out afresh: the colour set by hand was about the action as it stood.
    page = chair.get(f"/chair/actions/{action_id}").get_data(as_text=True)
    data = {**form_data(page), "status": "in progress"}
    assert chair.post(f"/chair/actions/{action_id}", data=data).status_code == 302
    listing = chair.get(f"/chair/rounds/{rid}/areas").get_data(as_text=True)
    assert "Set by the board" not in listing and "In progress, due in 10 days" in listing


@pytest.mark.parametrize(("fields", "message"), [
    ({"which": "note", "text": "  ", "links": ""}, "Say what has happened"),
    ({"which": "note", "text": "Done", "links": "javascript:alert(1)"}, "starting with https://"),
    ({"which": "note", "text": "Done", "links": "https://a.example/x y"}, "starting with https://"),
    ({"which": "note", "text": "x" * 4001, "links": ""}, "4000 characters or fewer"),
    ({"which": "rag", "colour": "red", "reason": ""}, "Say why the board sets this colour"),
    ({"which": "rag", "colour": "purple", "reason": "Because"}, "Choose red, amber, green"),
    ({"which": "rag", "colour": "amber", "reason": "y" * 1001}, "1000 characters or fewer"),
])
def test_bad_notes_and_colours_save_nothing(app: Flask, demo: Demo, fields: dict[str, str], message: str) -> None:
    chair = client_for(app, "chair@demo.example")
    _, action_id = _action(app, chair, due_in_days=40)
    refused = _post(chair, f"/chair/actions/{action_id}/progress", **fields)
    assert refused.status_code == 400 and any(message in e for e in errors(refused.get_data(as_text=True)))
    with app.app_context():
        assert db.session.scalars(select(ActionNote)).all() == []
        assert db.session.get(AreaAction, action_id).rag_override is None


def test_a_nul_byte_in_a_note_is_taken_out(app: Flask, demo: Demo) -> None:
    chair = client_for(app, "chair@demo.example")
    _, action_id = _action(app, chair, due_in_days=40)
    assert _post(chair, f"/chair/actions/{action_id}/progress", which="note", text="Half\x00done",
                 links="").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ActionNote.text)).all() == ["Halfdone"]


def test_only_the_boards_own_people_see_or_change_its_actions(app: Flask, demo: Demo) -> None:
    chair = client_for(app, "chair@demo.example")
    _, action_id = _action(app, chair, due_in_days=40)
    lead = client_for(app, "lead.police@demo.example")
    assert lead.get(f"/chair/actions/{action_id}/progress").status_code == 403
    assert lead.get(f"/manager/actions/{action_id}/progress").status_code == 403
    assert app.test_client().get(f"/chair/actions/{action_id}/progress").status_code == 302
    forged = lead.post(f"/manager/actions/{action_id}/progress", data={"which": "note", "text": "Forged"})
    assert forged.status_code in (400, 403)
    with app.app_context():
        assert db.session.scalars(select(ActionNote)).all() == []


def test_open_actions_carry_into_the_next_round_with_their_history(app: Flask, demo: Demo) -> None:
    chair = client_for(app, "chair@demo.example")
    first, open_id = _action(app, chair, due_in_days=20)
    [area_id] = area_ids(app)
    assert add_action(chair, "chair", area_id, dt.date.today() + dt.timedelta(days=5), what="Finished already",
                      status="done").status_code == 302
    assert _post(chair, f"/chair/actions/{open_id}/progress", which="note", text="Half the leads trained",
                 links="").status_code == 302
    second = copy_round(app, first, "Board self-assessment 2026", {})
    page = chair.get(f"/chair/rounds/{second}/areas").get_data(as_text=True)
    carried = page.split('id="carried"')[1].split("Suggested by the results")[0]
    assert "Learning from case reviews" in carried and "Agreed after Board self-assessment 2025" in carried
    assert "Run a training session" in carried and "(1 note)" in carried
    assert "Finished already" not in carried, "done actions stay with their own round"
    # A note added from the new round's plan is the same action's history, seen from the first round too.
    [block] = [b for b in carried.split('id="carried-area-') if "Learning from case reviews" in b]
    link = re.search(r'href="(/chair/actions/(\d+)/progress)"', block)
    assert int(link.group(2)) == open_id
    assert _post(chair, link.group(1), which="note", text="All leads trained", links="").status_code == 302
    assert "All leads trained" in chair.get(f"/chair/actions/{open_id}/progress").get_data(as_text=True)
    # The next round's workbook and board paper carry the open action, its colour and its latest progress.
    book = load_workbook(io.BytesIO(chair.get(f"/chair/rounds/{second}/workbook.xlsx").data), read_only=True)
    rows = [tuple(r) for r in book["Development"].iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "Area for development")
    assert header[7:10] == ("RAG", "Latest progress", "Agreed after")
    [row] = [r for r in rows if r and r[3] == "Run a training session"]
    assert row[7] == "Amber: not started and due in 20 days"
    assert row[8].endswith("All leads trained (1 earlier note)") and row[9] == "Board self-assessment 2025"
    assert not [r for r in rows if r and r[3] == "Finished already"]


def test_the_board_paper_shows_each_actions_colour_and_progress(app: Flask, demo: Demo) -> None:
    chair = client_for(app, "chair@demo.example")
    rid, action_id = _action(app, chair, due_in_days=60)
    assert _post(chair, f"/chair/actions/{action_id}/progress", which="note", text="Trainer booked",
                 links="").status_code == 302
    response = chair.get(f"/chair/rounds/{rid}/board-paper.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Green: not started, due in 60 days" in text and "Progress:" in text and "Trainer booked" in text
    assert "amber when not started and due within 30 days" in text, "the method says how colours are worked out"
