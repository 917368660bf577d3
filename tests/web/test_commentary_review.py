"""The board manager reviews partner commentary before the chair reads it: suggested redactions accepted or
edited, comments hidden, examples chosen; the chair's page and workbook follow, and an agency's later change to a
comment is never hidden behind a review of its old text."""

from __future__ import annotations

import io
import re

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, CommentReview, Return, ReturnState, Round, RoundState
from tests.fixtures_demo import Demo, client_for

from .forms import errors, form_data


def _closed_round(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(Round.id).where(Round.state == RoundState.CLOSED))


def _comments(app: Flask, round_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        return [(i, text) for i, text in db.session.execute(select(Answer.id, Answer.commentary).join(Return).where(
            Return.round_id == round_id, Return.state == ReturnState.SUBMITTED, Answer.commentary != "")
            .order_by(Answer.id))]


def test_hide_edit_and_choose_examples_for_the_chair(app: Flask, demo: Demo) -> None:
    rid = _closed_round(app)
    (hide_id, hidden_text), (edit_id, _), (example_id, example_text), *_ = _comments(app, rid)
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{rid}/commentary")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Essex Police" in html, "the manager sees which agency wrote each"
    data = form_data(html)
    data[f"hide-{hide_id}"] = "yes"
    data[f"text-{edit_id}"] = "Reworded by the board manager so nobody can tell who wrote it"
    data[f"example-{example_id}"] = "yes"
    assert manager.post(f"/manager/rounds/{rid}/commentary", data=data).status_code == 302
    chair = client_for(app, "chair@demo.example")
    results = chair.get(f"/chair/rounds/{rid}/results").get_data(as_text=True)
    assert hidden_text[:40] not in results
    assert "Reworded by the board manager so nobody can tell who wrote it" in results
    examples = results[results.index("Examples of commentary by partners"):results.index('id="commentary"')]
    assert example_text[:30].replace("'", "&#39;") in examples
    with chair.get(f"/chair/rounds/{rid}/workbook.xlsx") as response:
        sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True)["Commentary"]
        rows = [r for r in sheet.iter_rows(values_only=True)][1:]
    assert rows[0][2].startswith(example_text[:30]) and rows[0][3] == "yes", "examples come first, marked"
    assert not any(hidden_text[:40] in (r[2] or "") for r in rows)
    # Saving the same again changes nothing.
    again = form_data(manager.get(f"/manager/rounds/{rid}/commentary").get_data(as_text=True))
    done = manager.post(f"/manager/rounds/{rid}/commentary", data=again, follow_redirects=True)
    assert "Nothing was changed" in done.get_data(as_text=True)


def test_a_review_of_old_text_never_hides_a_changed_comment(app: Flask, demo: Demo) -> None:
    rid = _closed_round(app)
    (answer_id, _), *_ = _comments(app, rid)
    manager = client_for(app, "manager@demo.example")
    data = form_data(manager.get(f"/manager/rounds/{rid}/commentary").get_data(as_text=True))
    data[f"hide-{answer_id}"] = "yes"
    manager.post(f"/manager/rounds/{rid}/commentary", data=data)
    with app.app_context():
        db.session.get(Answer, answer_id).commentary = "Rewritten by the agency after its return was reopened"
        db.session.commit()
    results = client_for(app, "chair@demo.example").get(f"/chair/rounds/{rid}/results").get_data(as_text=True)
    assert "Rewritten by the agency after its return was reopened" in results


def test_a_hidden_example_or_an_empty_text_is_refused_and_nothing_saved(app: Flask, demo: Demo) -> None:
    rid = _closed_round(app)
    (first, _), (second, _), *_ = _comments(app, rid)
    manager = client_for(app, "manager@demo.example")
    data = form_data(manager.get(f"/manager/rounds/{rid}/commentary").get_data(as_text=True))
    data.update({f"hide-{first}": "yes", f"example-{first}": "yes", f"text-{second}": "Edited"})
    response = manager.post(f"/manager/rounds/{rid}/commentary", data=data)
    assert response.status_code == 400
    assert errors(response.get_data(as_text=True)) == ["A hidden comment cannot be an example: untick one of them"]
    assert "Edited" in response.get_data(as_text=True), "what the manager typed is kept on the page"
    data = form_data(manager.get(f"/manager/rounds/{rid}/commentary").get_data(as_text=True))
    data[f"text-{first}"] = "   "
    response = manager.post(f"/manager/rounds/{rid}/commentary", data=data)
    assert errors(response.get_data(as_text=True)) == ["Write what the chair reads, or hide the comment"]
    with app.app_context():
        assert db.session.scalars(select(CommentReview)).all() == []


def test_only_the_rounds_managers_review_its_commentary(app: Flask, demo: Demo) -> None:
    rid = _closed_round(app)
    (answer_id, _), *_ = _comments(app, rid)
    chair = client_for(app, "chair@demo.example")
    lead = client_for(app, "lead.police@demo.example")
    assert chair.get(f"/manager/rounds/{rid}/commentary").status_code == 403
    for client in (chair, lead):
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/account").get_data(as_text=True)).group(1)
        response = client.post(f"/manager/rounds/{rid}/commentary",
                               data={"csrf_token": token, f"text-{answer_id}": "x", f"hide-{answer_id}": "yes"})
        assert response.status_code == 403
    # A forged answer id of another round's comment is not reviewed through this round.
    manager = client_for(app, "manager@demo.example")
    with app.app_context():
        other = db.session.scalar(select(Answer.id).join(Return).where(Return.round_id != rid,
                                                                       Answer.commentary != ""))
    data = form_data(manager.get(f"/manager/rounds/{rid}/commentary").get_data(as_text=True))
    if other is not None:
        data[f"text-{other}"] = "Forged"
        data[f"hide-{other}"] = "yes"
    manager.post(f"/manager/rounds/{rid}/commentary", data=data)
    with app.app_context():
        assert other is None or db.session.scalar(select(CommentReview).where(CommentReview.answer_id == other)) \
            is None
