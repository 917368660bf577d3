"""Starting a return from the agency's last one: every answer carried to be checked and confirmed (or changed)
before the return can be submitted, across questionnaire versions, and never from another board's return."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.answer_values import AnswerValues
from survey.definitions import load_file
from survey.extensions import db
from survey.models import (
    AgencyAction,
    Answer,
    AuditEvent,
    Moderation,
    Partnership,
    PartnershipAgency,
    Return,
    ReturnState,
    Round,
    RoundState,
)
from survey.services.definitions import ensure_version, questionnaire_of
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import form_data

POLICE = "Essex Police"
BOARD = Path(__file__).resolve().parents[2] / "questionnaires" / "board-self-assessment.yaml"


def _next_round(app: Flask, demo: Demo) -> tuple[int, int]:
    """A new open round of the board self-assessment for the police; (its return, last year's return)."""
    new = demo.open_round("board-self-assessment", [POLICE], "Board self-assessment 2026")[POLICE]
    return new, demo.return_id(POLICE, RoundState.CLOSED)


def _start(client: FlaskClient, rid: int) -> object:
    token = form_data(client.get(f"/agency/returns/{rid}").get_data(as_text=True))["csrf_token"]
    return client.post(f"/agency/returns/{rid}/carry-forward", data={"csrf_token": token})


def _answers(app: Flask, rid: int) -> dict[str, Answer]:
    with app.app_context():
        rows = db.session.scalars(select(Answer).where(Answer.return_id == rid)).all()
        db.session.expunge_all()
        return {a.statement_id: a for a in rows}


def _post_duty(client: FlaskClient, rid: int, duty: str, **changes: str) -> object:
    url = f"/agency/returns/{rid}/duties/{duty}"
    data = form_data(client.get(url).get_data(as_text=True))
    data.update(changes)
    return client.post(url, data=data)


def test_a_return_starts_from_last_years_answers_each_to_confirm(app: Flask, demo: Demo) -> None:
    rid, before = _next_round(app, demo)
    with app.app_context():
        db.session.add(Moderation(return_id=before, statement_id="strategic-plan-1", rating=1.0, note="No plan seen"))
        old = db.session.scalar(select(Answer).where(Answer.return_id == before,
                                                     Answer.statement_id == "strategic-plan-1"))
        db.session.add(AgencyAction(agency_id=old.return_.agency_id, round_id=old.return_.round_id,
                                    return_id=before, statement_id="strategic-plan-1", source="rating",
                                    what="Publish the plan", due_on=dt.date.today() + dt.timedelta(days=30)))
        db.session.commit()
    lead = client_for(app, "lead.police@demo.example")
    tasks = lead.get(f"/agency/returns/{rid}").get_data(as_text=True)
    assert "Start from my Board self-assessment 2025 answers" in tasks.replace(str(dt.date.today().year - 1), "2025")
    done = _start(lead, rid)
    assert done.status_code == 302
    carried, last = _answers(app, rid), _answers(app, before)
    assert set(carried) == {sid for sid, a in last.items() if not AnswerValues.of(a).empty}
    assert all(a.to_confirm for a in carried.values())
    assert all((a.rating, a.commentary) == (last[sid].rating, last[sid].commentary) for sid, a in carried.items())
    tasks = lead.get(f"/agency/returns/{rid}").get_data(as_text=True)
    assert "Start from my" not in tasks and "0 of" in tasks, "nothing is complete until it is confirmed"
    check = lead.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    assert "Carried from your last return: check it, then confirm it or change it" in check
    page = lead.get(f"/agency/returns/{rid}/duties/strategic-plan").get_data(as_text=True)
    assert "From your last return: check this answer" in page
    assert 'name="confirm-strategic-plan-1" type="checkbox"' in page
    panel = re.search(r'id="last-strategic-plan-1".*?</details>', page, re.S).group(0)
    assert "the board moderated it to 1" in panel and "Publish the plan (due" in panel
    # Ticked as still right: confirmed as it is. Changed: confirmed by the change. Left alone: still to confirm.
    assert _post_duty(lead, rid, "strategic-plan", **{"confirm-strategic-plan-1": "y",
                                                     "commentary-strategic-plan-2": "Refreshed in 2026"}
                      ).status_code == 302
    now = _answers(app, rid)
    assert not now["strategic-plan-1"].to_confirm and now["strategic-plan-1"].rating == last["strategic-plan-1"].rating
    assert not now["strategic-plan-2"].to_confirm and now["strategic-plan-2"].commentary == "Refreshed in 2026"
    assert sum(a.to_confirm for a in now.values()) == len(now) - 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.return_id == rid, AuditEvent.action == "answer.confirmed")) == 1
    # Everything rated that last year left unrated: only the answers still to confirm stop the submission now.
    for duty, sid in _statements(app):
        answer = now.get(sid)
        if answer is None or (answer.rating is None and not answer.not_applicable):
            assert _post_duty(lead, rid, duty, **{f"rating-{sid}": "3"}).status_code == 302
    declaration = {"csrf_token": form_data(check, "sign-out")["csrf_token"], "name": "Dana Lead", "role": "Lead",
                   "confirm": "y"}
    refused = lead.post(f"/agency/returns/{rid}/submit", data=declaration, follow_redirects=True)
    assert "The return is not complete yet" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Return, rid).state is ReturnState.DRAFT
    for duty in sorted({_duty_of(app, sid) for sid, a in _answers(app, rid).items() if a.to_confirm}):
        page = lead.get(f"/agency/returns/{rid}/duties/{duty}").get_data(as_text=True)
        ticks = {name: "y" for name in re.findall(r'name="(confirm-[\w-]+)" type="checkbox"', page)}
        assert ticks and _post_duty(lead, rid, duty, **ticks).status_code == 302
    assert not any(a.to_confirm for a in _answers(app, rid).values())
    assert "Carried from your last return" not in lead.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    assert lead.post(f"/agency/returns/{rid}/submit", data=declaration).status_code == 302
    with app.app_context():
        assert db.session.get(Return, rid).state is ReturnState.SUBMITTED


def _statements(app: Flask) -> list[tuple[str, str]]:
    """(duty id, statement id) of the board self-assessment, in order."""
    with app.app_context():
        version = db.session.scalar(select(Round).where(Round.state == RoundState.CLOSED)).definition_version
        return [(d.id, s.id) for _, d, s in questionnaire_of(version).statements()]


def _duty_of(app: Flask, statement_id: str) -> str:
    return next(duty for duty, sid in _statements(app) if sid == statement_id)


def test_starting_twice_or_after_a_save_changes_nothing(app: Flask, demo: Demo) -> None:
    rid, _ = _next_round(app, demo)
    lead = client_for(app, "lead.police@demo.example")
    staff = client_for(app, "staff.police@demo.example")
    token = form_data(lead.get(f"/agency/returns/{rid}").get_data(as_text=True))["csrf_token"]
    assert _start(staff, rid).status_code == 302, "a contributor may start it too"
    first = {sid: (a.revision, a.commentary) for sid, a in _answers(app, rid).items()}
    replay = lead.post(f"/agency/returns/{rid}/carry-forward", data={"csrf_token": token}, follow_redirects=True)
    assert "Someone has already started this return" in replay.get_data(as_text=True)
    assert {sid: (a.revision, a.commentary) for sid, a in _answers(app, rid).items()} == first
    # Another round (a year on), where someone has already saved an answer: nothing is offered or carried.
    rid2 = demo.open_round("board-self-assessment", [POLICE], "Board self-assessment 2027")[POLICE]
    assert _post_duty(lead, rid2, "strategic-plan", **{"rating-strategic-plan-1": "3"}).status_code == 302
    assert "Start from my" not in lead.get(f"/agency/returns/{rid2}").get_data(as_text=True)
    refused = lead.post(f"/agency/returns/{rid2}/carry-forward", data={"csrf_token": token}, follow_redirects=True)
    assert "Someone has already started this return" in refused.get_data(as_text=True)
    assert set(_answers(app, rid2)) == {"strategic-plan-1"}


def test_another_agency_cannot_start_the_return(app: Flask, demo: Demo) -> None:
    rid, _ = _next_round(app, demo)
    hospital = client_for(app, "lead.hospital@demo.example")
    token = form_data(hospital.get("/agency/").get_data(as_text=True), "sign-out")["csrf_token"]
    assert hospital.post(f"/agency/returns/{rid}/carry-forward", data={"csrf_token": token}).status_code == 404
    assert _answers(app, rid) == {}


def test_never_from_another_boards_return(app: Flask, demo: Demo) -> None:
    rid, own = _next_round(app, demo)
    with app.app_context():
        police = db.session.get(Return, own).agency
        closed = db.session.get(Return, own).round
        other = Partnership(name="Thurrock Safeguarding Partnership", slug="thurrock")
        db.session.add_all([other, PartnershipAgency(partnership=other, agency=police)])
        later = Round(partnership=other, definition_version=closed.definition_version, title="Thurrock 2025",
                      opens_on=closed.opens_on + dt.timedelta(days=100), deadline=closed.deadline,
                      state=RoundState.CLOSED)
        theirs = Return(round=later, agency=police, partnership=other, state=ReturnState.SUBMITTED,
                        submitted_at=closed.deadline and dt.datetime.now(dt.UTC))
        db.session.add_all([later, theirs])
        db.session.flush()
        db.session.add(Answer(return_id=theirs.id, statement_id="strategic-plan-1", rating=1.0,
                              commentary="Said to Thurrock only"))
        db.session.add(Moderation(return_id=theirs.id, statement_id="strategic-plan-1", rating=4.0,
                                  note="Thurrock's moderation"))
        db.session.commit()
    lead = client_for(app, "lead.police@demo.example")
    assert _start(lead, rid).status_code == 302
    carried = _answers(app, rid)
    assert "Said to Thurrock only" not in {a.commentary for a in carried.values()}
    with app.app_context():
        assert db.session.get(Return, rid).carried_from_id == own
    page = lead.get(f"/agency/returns/{rid}/duties/strategic-plan").get_data(as_text=True)
    panel = re.search(r'id="last-strategic-plan-1".*?</details>', page, re.S).group(0)
    assert "moderated" not in panel and "Thurrock" not in page


def test_carried_across_questionnaire_versions(app: Flask, demo: Demo, tmp_path: Path) -> None:
    rid_old = demo.return_id(POLICE, RoundState.CLOSED)
    with app.app_context():
        # The police's 2025 rating of strategic-plan-2 made a half point, which the new version no longer allows.
        half = db.session.scalar(select(Answer).where(Answer.return_id == rid_old,
                                                      Answer.statement_id == "strategic-plan-2"))
        half.rating = 2.5
        db.session.commit()
        text = BOARD.read_text()
        changed = (text.replace("half_points: true", "half_points: false")
                   .replace('version: "2019.2"', 'version: "2026.1"')
                   .replace("To publish a strategic plan for each financial year",
                            "To publish a strategic plan, agreed by all partners, for each financial year"))
        assert changed.count("2026.1") == 1 and "agreed by all partners" in changed
        copy = tmp_path / "board.yaml"
        copy.write_text(changed)
        version = ensure_version(db.session(), load_file(copy))
        partnership = db.session.scalar(select(Round).where(Round.state == RoundState.CLOSED)).partnership
        police = db.session.get(Return, rid_old).agency
        new_round = Round(partnership=partnership, definition_version=version, title="Board self-assessment 2026",
                          opens_on=dt.date.today(), deadline=dt.date.today() + dt.timedelta(days=30),
                          state=RoundState.OPEN)
        ret = Return(round=new_round, agency=police, partnership=partnership)
        db.session.add_all([new_round, ret])
        db.session.commit()
        rid = ret.id
    lead = client_for(app, "lead.police@demo.example")
    done = _start(lead, rid)
    assert done.status_code == 302
    message = lead.get(f"/agency/returns/{rid}").get_data(as_text=True)
    assert "1 of the statements have been reworded since" in message
    assert "1 rating could not be carried because the scale has changed" in message
    carried = _answers(app, rid)
    assert carried["strategic-plan-2"].rating is None and carried["strategic-plan-2"].to_confirm
    page = lead.get(f"/agency/returns/{rid}/duties/strategic-plan").get_data(as_text=True)
    assert "The statement has been reworded since" in page
    # Its words confirmed, the statement still needs rating on the new scale.
    assert _post_duty(lead, rid, "strategic-plan", **{"confirm-strategic-plan-2": "y"}).status_code == 302
    confirmed = _answers(app, rid)["strategic-plan-2"]
    assert confirmed.rating is None and not confirmed.to_confirm
    check = lead.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    assert re.search(r"strategic-plan-2.*?Not rated yet", check, re.S) or "Not rated yet" in check


@pytest.mark.parametrize("ticked", ["", "y"])
def test_a_carried_answer_never_confirms_a_colleagues_newer_change(app: Flask, demo: Demo, ticked: str) -> None:
    rid, _ = _next_round(app, demo)
    lead = client_for(app, "lead.police@demo.example")
    staff = client_for(app, "staff.police@demo.example")
    assert _start(lead, rid).status_code == 302
    url = f"/agency/returns/{rid}/duties/strategic-plan"
    stale = form_data(lead.get(url).get_data(as_text=True))
    assert _post_duty(staff, rid, "strategic-plan", **{"commentary-strategic-plan-1": "Staff's new words"}
                      ).status_code == 302
    stale["confirm-strategic-plan-1"] = ticked
    lead.post(url, data=stale)
    answer = _answers(app, rid)["strategic-plan-1"]
    assert answer.commentary == "Staff's new words" and not answer.to_confirm
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.return_id == rid, AuditEvent.action == "answer.confirmed")) == 0


def test_two_people_starting_at_once_carry_it_once(app: Flask, demo: Demo) -> None:
    import threading

    rid, before = _next_round(app, demo)
    clients = [client_for(app, "lead.police@demo.example"), client_for(app, "staff.police@demo.example")]
    tokens = [form_data(c.get(f"/agency/returns/{rid}").get_data(as_text=True))["csrf_token"] for c in clients]
    gate = threading.Barrier(2)
    pages: list[str] = []

    def press(index: int) -> None:
        gate.wait()
        response = clients[index].post(f"/agency/returns/{rid}/carry-forward", data={"csrf_token": tokens[index]},
                                       follow_redirects=True)
        pages.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum("each marked to check and confirm" in p for p in pages) == 1
    assert sum("Someone has already started this return" in p for p in pages) == 1
    last = _answers(app, before)
    assert len(_answers(app, rid)) == sum(1 for a in last.values() if not AnswerValues.of(a).empty)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.return_id == rid, AuditEvent.action == "return.carried_forward")) == 1
