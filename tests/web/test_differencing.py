"""The curious chair: saves every results page and board workbook they can get (both ratings views), across
publications and the final results, and tries to recover what any single agency said by putting them side by side.
They must recover nothing: every difference between two saved views is the answers of k or more returns.

The manager's view is live (the manager reads each return anyway); the chair's is a frozen release."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from collections import Counter
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, AuditEvent, Moderation, Publication, Return, ReturnState, Round, RoundState, utcnow
from survey.services.demo import AGENCIES
from tests.fixtures_demo import Demo, client_for

from .forms import form_data

K = 3
NAMES = [name for _, name, _ in AGENCIES][:7]
View = dict[str, Any]


def _answer_everything(app: Flask, rids: list[int], seed: int) -> list[str]:
    rng = random.Random(seed)
    with app.app_context():
        questionnaire = app.extensions["survey_catalogue"].get("board-self-assessment")
        statements = list(questionnaire.statement_ids())
        values = questionnaire.scale.values()
        for rid in rids:
            for sid in statements:
                na = rng.random() < 0.15
                db.session.add(Answer(return_id=rid, statement_id=sid, not_applicable=na,
                                      rating=None if na else rng.choice(values)))
        db.session.commit()
    return statements


def _submit(app: Flask, *rids: int) -> None:
    with app.app_context():
        for rid in rids:
            ret = db.session.get(Return, rid)
            ret.state, ret.submitted_at, ret.declaration_name = ReturnState.SUBMITTED, utcnow(), "Lead"
        db.session.commit()


def _chair_views(chair: FlaskClient, round_id: int, statements: list[str]) -> dict[str, View]:
    """Everything the chair can save now, per ratings view: the page's figures, the workbook's Summary counts and
    its Responses answers, by statement (None where not shown)."""
    views = {}
    for ratings in ("own", "moderated"):
        query = "?ratings=moderated" if ratings == "moderated" else ""
        page = chair.get(f"/chair/rounds/{round_id}/results{query}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        figures = {}
        for sid in statements:
            found = re.search(rf'id="statement-{re.escape(sid)}">(.*?)</tr>', html, re.S)
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""
            figures[sid] = None if "Not shown" in text or "no ratings" in text.lower() else text
        with chair.get(f"/chair/rounds/{round_id}/workbook.xlsx{query}") as response:
            book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        header = None
        summary: dict[str, tuple[Any, ...] | None] = {}
        for cells in book["Summary"].iter_rows(values_only=True):
            if header is None:
                header = list(cells) if "Id" in cells else None
                continue
            cells = tuple(cells) + (None,) * (len(header) - len(cells))
            ident = cells[header.index("Id")]
            if ident in statements:
                counts = tuple(c for h, c in zip(header, cells, strict=False) if str(h).startswith("Rated "))
                summary[ident] = counts if any(c is not None for c in counts) else None
        responses: dict[str, Counter[str]] = {sid: Counter() for sid in statements}
        rows = list(book["Responses"].iter_rows(values_only=True))
        for row in rows[1:]:
            if len(row) >= 5 and row[3] in responses:  # respondent, section, duty, statement, rating ("N/A")
                responses[row[3]][str(row[4])] += 1
        for sid in statements:  # the workbook follows the page's suppression cell by cell
            assert (figures[sid] is None) == (summary.get(sid) is None), f"{ratings} {sid}: page and workbook differ"
            if summary.get(sid) is None:
                assert not responses[sid], f"{ratings} {sid}: Responses lists a statement the page hides"
        views[ratings] = {"page": figures, "summary": summary, "responses": responses}
    return views


def _recoverable(before: dict[str, View], after: dict[str, View], statements: list[str]) -> list[str]:
    """What subtracting two saved releases gives away: statements whose answers differ by 1 to k-1."""
    found = []
    for ratings in ("own", "moderated"):
        old, new = before[ratings], after[ratings]
        for sid in statements:
            a, b = old["summary"][sid], new["summary"][sid]
            if a is not None and b is not None:
                moved = sum(abs((x or 0) - (y or 0)) for x, y in zip(a, b, strict=True))
                if 0 < moved < K:
                    found.append(f"{ratings} Summary {sid}: {a} -> {b}")
            # "Not applicable" is not protected, within a release or across releases: only ratings are compared.
            ra, rb = (Counter({v: n for v, n in r[sid].items() if v != "N/A"}) for r in (old["responses"],
                                                                                   new["responses"]))
            if ra and rb:
                moved = sum(((ra - rb) + (rb - ra)).values())
                if 0 < moved < K:
                    found.append(f"{ratings} Responses {sid}: {dict(ra)} -> {dict(rb)}")
    return found


def _publish(manager: FlaskClient, round_id: int, reason: str = "") -> str:
    page = manager.get(f"/manager/rounds/{round_id}/results").get_data(as_text=True)
    data = form_data(page, contains="publish")
    if reason:
        data["risk_reason"] = reason
    return manager.post(f"/manager/rounds/{round_id}/publish", data=data, follow_redirects=True).get_data(as_text=True)


def test_the_curious_chair_recovers_nothing_by_subtraction(app: Flask, demo: Demo) -> None:
    rids = list(demo.open_round("board-self-assessment", NAMES, "Differencing 2027").values())
    round_id = _round_of(app, rids[0])
    statements = _answer_everything(app, rids, seed=2027)
    manager, chair = client_for(app, "manager@demo.example"), client_for(app, "chair@demo.example")

    _submit(app, *rids[:3])
    assert "The results are published" in _publish(manager, round_id)
    first = _chair_views(chair, round_id, statements)
    assert any(v is not None for v in first["own"]["summary"].values()), "the release shows figures"

    # A fourth agency submits: the chair's pages and workbooks do not move.
    _submit(app, rids[3])
    assert _chair_views(chair, round_id, statements) == first, "a publication is frozen"
    refused = _publish(manager, round_id)
    assert "Publishing again needs at least 3 more" in refused
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Publication)) == 1

    # The board moderates one of the first returns; two more agencies submit: 3 more than published.
    with app.app_context():
        db.session.add(Moderation(return_id=rids[0], statement_id=statements[0], rating=1.0, note="Board view"))
        db.session.commit()
    _submit(app, *rids[4:6])
    assert "The results are published" in _publish(manager, round_id)
    second = _chair_views(chair, round_id, statements)

    # The last agency submits and the round closes: its final results differ from the second release by one.
    _submit(app, rids[6])
    _close(app, round_id)
    final = _chair_views(chair, round_id, statements)

    for name, (before, after) in {"first and second": (first, second), "second and final": (second, final),
                                  "first and final": (first, final)}.items():
        assert _recoverable(before, after, statements) == [], f"{name} releases give answers away"
    hidden = [sid for sid in statements if final["own"]["summary"][sid] is None]
    assert hidden, "the final results hide what the last agency answered"
    page = chair.get(f"/chair/rounds/{round_id}/results").get_data(as_text=True)
    assert "it would differ by fewer than 3 ratings from other figures the chair can see" in page

    # The manager may release the final results whole, giving the reason the board accepts the risk.
    assert "Publish with the risk accepted" in manager.get(f"/manager/rounds/{round_id}/results").get_data(
        as_text=True)
    _publish(manager, round_id, reason="The board agreed on 3 March to see every figure")
    whole = _chair_views(chair, round_id, statements)
    assert all(whole["own"]["summary"][sid] is not None for sid in hidden
               if sum(n for v, n in whole["own"]["responses"][sid].items() if v != "N/A") >= K), \
        "with the risk accepted, the final results show every statement rated by k or more"
    page = chair.get(f"/chair/rounds/{round_id}/results").get_data(as_text=True)
    assert "from other figures the chair can see" not in page
    assert sum(v is not None for v in whole["own"]["summary"].values()) > len(statements) - len(hidden)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.results_published")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.new["risk_reason"] == "The board agreed on 3 March to see every figure"


def test_the_manager_sees_live_figures_and_the_chair_the_publication(app: Flask, demo: Demo) -> None:
    rids = list(demo.open_round("board-self-assessment", NAMES[:5], "Live and frozen").values())
    round_id = _round_of(app, rids[0])
    statements = _answer_everything(app, rids, seed=7)
    manager, chair = client_for(app, "manager@demo.example"), client_for(app, "chair@demo.example")
    _submit(app, *rids[:3])
    _publish(manager, round_id)
    _submit(app, rids[3])
    assert "4 of 5 returns counted" in manager.get(f"/manager/rounds/{round_id}/results").get_data(as_text=True)
    chair_page = chair.get(f"/chair/rounds/{round_id}/results").get_data(as_text=True)
    assert "3 of 5 returns counted" in chair_page and "They change only when the board manager publishes" in chair_page
    assert statements


def _round_of(app: Flask, rid: int) -> int:
    with app.app_context():
        return db.session.get(Return, rid).round_id


def _close(app: Flask, round_id: int) -> None:
    with app.app_context():
        found = db.session.get(Round, round_id)
        found.state, found.closed_at = RoundState.CLOSED, utcnow() - dt.timedelta(seconds=1)
        db.session.commit()


def test_the_moderated_view_never_differs_from_the_own_by_fewer_than_k(app: Flask, demo: Demo) -> None:
    rids = list(demo.open_round("board-self-assessment", NAMES[:5], "Two views").values())
    round_id = _round_of(app, rids[0])
    statements = _answer_everything(app, rids, seed=11)
    _submit(app, *rids)
    with app.app_context():
        for rid, sid, rating in ((rids[0], statements[0], 1.0), (rids[0], statements[1], 1.0),
                                 (rids[1], statements[1], 1.0), (rids[2], statements[1], 1.0)):
            db.session.add(Moderation(return_id=rid, statement_id=sid, rating=rating, note="Board view"))
            db.session.execute(Answer.__table__.update().where(Answer.return_id == rid, Answer.statement_id == sid)
                               .values(rating=4.0, not_applicable=False))
        db.session.commit()
    _close(app, round_id)
    views = _chair_views(client_for(app, "chair@demo.example"), round_id, statements)
    assert views["own"]["summary"][statements[0]] is not None
    assert views["moderated"]["summary"][statements[0]] is None, "one moderation would show one agency's change"
    assert views["moderated"]["summary"][statements[1]] is not None, "three moderations are k"
    own, moderated = ({"own": v, "moderated": v} for v in (views["own"], views["moderated"]))
    assert _recoverable(own, moderated, statements) == []
