"""Answer once for several boards over HTTP: Essex Police serves Southend (the demo) and Essex, both running the same
Section 11 audit version; its lead for both boards answers once, copies and submits to the other, and each board
sees only a return of its own. Also: sharing after one board's round has closed, and the people who must not."""

from __future__ import annotations

import datetime as dt
import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from survey.answer_values import AnswerValues
from survey.extensions import db
from survey.models import (
    Agency,
    Answer,
    AuditEvent,
    Challenge,
    ChallengeMessage,
    EvidenceFile,
    Return,
    ReturnState,
    Role,
    Round,
    RoundState,
)
from survey.services import agencies
from survey.services.definitions import questionnaire_of
from tests.fixtures_demo import client_for
from tests.web.forms import csrf_token, errors, form_data
from tests.web.test_tenancy import ESSEX, SHARED, Boards

PDF = b"%PDF-1.7\n1 0 obj\n%%EOF\n"
SOUTHEND = "Southend Safeguarding Children Partnership"
LEAD = "lead.police@demo.example"  # Essex Police's lead for Southend, made its lead for Essex too


def both_boards_lead(world: Boards) -> FlaskClient:
    with world.app.app_context():
        police = db.session.get(Agency, world.ids["police"])
        agencies.add_person(db.session(), police, world.ids["essex"], "Police Lead", LEAD, Role.LEAD)
        db.session.commit()
    return client_for(world.app, LEAD)  # signed in again: the new role counts from the next sign-in


def fill(app: Flask, return_id: int, rating: float = 3.0, commentary: str = "Audited in March") -> None:
    """Answer every statement of a return (setting up: the duty pages are tested elsewhere)."""
    with app.app_context():
        ret = db.session.get(Return, return_id)
        db.session.execute(delete(Answer).where(Answer.return_id == return_id))
        for sid in questionnaire_of(ret.round.definition_version).statement_ids():
            db.session.add(Answer(return_id=return_id, statement_id=sid, rating=rating, commentary=commentary))
        ret.state = ReturnState.DRAFT
        db.session.commit()


def answers(app: Flask, return_id: int) -> dict[str, AnswerValues]:
    with app.app_context():
        return {a.statement_id: AnswerValues.of(a) for a in db.session.scalars(
            select(Answer).where(Answer.return_id == return_id))}


def submit(client: FlaskClient, return_id: int) -> None:
    page = f"/agency/returns/{return_id}/submit"
    data = form_data(client.get(page).get_data(as_text=True))
    done = client.post(page, data={**data, "name": "Pat Lead", "role": "Head of safeguarding", "confirm": "y"})
    assert done.status_code == 302 and done.location.endswith("/submitted"), done.status_code


def share(client: FlaskClient, return_id: int, **fields: object) -> object:
    page = f"/agency/returns/{return_id}/other-boards"
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(page, data={"csrf_token": token, **fields})


def upload_evidence(client: FlaskClient, return_id: int) -> None:
    url = f"/agency/returns/{return_id}/duties/supervision"
    data: dict[str, object] = dict(form_data(client.get(url).get_data(as_text=True)))
    data.update({"evidence-supervision-1": (io.BytesIO(PDF), "policy.pdf"), "action": "later"})
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 302


def test_a_lead_for_two_boards_answers_once_and_each_board_sees_its_own_return(two_boards: Boards, mailbox) -> None:  # type: ignore[no-untyped-def]
    app, ids = two_boards.app, two_boards.ids
    lead = both_boards_lead(two_boards)
    southend, essex = ids["southend_return"], ids["essex_return"]
    fill(app, southend)
    upload_evidence(lead, southend)
    submit(lead, southend)
    done = lead.get(f"/agency/returns/{southend}/submitted").get_data(as_text=True)
    assert "Your other boards" in done and ESSEX in done
    page = lead.get(f"/agency/returns/{southend}/other-boards").get_data(as_text=True)
    statements = len(answers(app, southend))
    assert f"{statements} statements differ" in page and "Not started" in page
    mailbox.messages.clear()

    shared = share(lead, southend, targets=str(essex), submit_too="y")
    assert shared.status_code == 302
    told = lead.get(shared.location).get_data(as_text=True)
    assert f"{statements} answers and 1 evidence file copied to {ESSEX}, and submitted." in told
    assert "Same answers" in told and "Copied from this return on" in told
    assert answers(app, essex) == answers(app, southend)
    with app.app_context():
        copy = db.session.get(Return, essex)
        assert copy.state is ReturnState.SUBMITTED
        assert (copy.declaration_name, copy.declaration_role) == ("Pat Lead", "Head of safeguarding")
        [original] = db.session.scalars(select(EvidenceFile).where(EvidenceFile.return_id == southend)).all()
        [copied] = db.session.scalars(select(EvidenceFile).where(EvidenceFile.return_id == essex)).all()
        assert copied.sha256 == original.sha256 and copied.storage_key != original.storage_key
        essex_audit = " ".join(str((e.action, e.old, e.new)) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.return_id == essex)))
        assert "return.copied_in" in essex_audit and str(southend) not in essex_audit.replace(str(essex), "")
    assert [m["Subject"] for m in mailbox.to(LEAD)], "the agency is sent the Essex confirmation too"
    evidence = lead.get(f"/agency/returns/{essex}/evidence/{copied.id}")
    assert evidence.get_data() == PDF

    # Each board sees its own return, and what one board does stays with it.
    with app.app_context():
        challenge = Challenge(return_id=essex, statement_id="supervision-1")
        challenge.messages.append(ChallengeMessage(body="Essex asks about supervision"))
        db.session.add(challenge)
        db.session.commit()
    southend_manager, essex_manager = two_boards.clients["southend manager"], two_boards.clients["essex manager"]
    assert "Essex asks about supervision" not in southend_manager.get(
        f"/manager/rounds/{ids['southend_round']}/challenges").get_data(as_text=True)
    assert "Essex asks about supervision" in essex_manager.get(
        f"/manager/rounds/{ids['essex_round']}/challenges").get_data(as_text=True)
    for client, own_round, other in ((essex_manager, ids["essex_round"], "Southend"),
                                     (southend_manager, ids["southend_round"], ESSEX)):
        page = client.get(f"/manager/rounds/{own_round}").get_data(as_text=True)
        assert "Submitted" in page and other not in page
    assert essex_manager.get(f"/manager/rounds/{ids['southend_round']}").status_code == 404
    # A replay copies nothing more: the copy is submitted.
    again = share(lead, southend, targets=str(essex), submit_too="y")
    assert "Nothing was copied to" in lead.get(again.location).get_data(as_text=True)


def test_sharing_after_one_boards_round_closes_changes_nothing_there(two_boards: Boards) -> None:
    app, ids = two_boards.app, two_boards.ids
    lead = both_boards_lead(two_boards)
    southend, essex = ids["southend_return"], ids["essex_return"]
    fill(app, southend)
    assert share(lead, southend, targets=str(essex)).status_code == 302
    assert answers(app, essex) == answers(app, southend)
    with app.app_context():
        assert db.session.get(Return, essex).state is ReturnState.DRAFT
        db.session.get(Round, ids["essex_round"]).state = RoundState.CLOSED
        db.session.commit()
    before = answers(app, essex)
    url = f"/agency/returns/{southend}/duties/supervision"
    data = form_data(lead.get(url).get_data(as_text=True))
    data.update({"rating-supervision-1": "1", "commentary-supervision-1": "Supervision lapsed", "action": "later",
                 "what-supervision-1": "Restart supervision", "who-supervision-1": "Head of safeguarding",
                 "by-supervision-1-day": "1", "by-supervision-1-month": "3",
                 "by-supervision-1-year": str(dt.date.today().year + 1)})
    assert lead.post(url, data=data).status_code == 302
    tasks = lead.get(f"/agency/returns/{southend}").get_data(as_text=True)
    assert f"You have changed this return since it was copied to {ESSEX}" in tasks
    page = lead.get(f"/agency/returns/{southend}/other-boards").get_data(as_text=True)
    assert "Round closed" in page and "1 statement differs" in page and 'name="targets"' not in page
    refused = share(lead, southend, targets=str(essex))
    assert "Nothing was copied to" in lead.get(refused.location).get_data(as_text=True)
    # Nor can the closed round's return be started again from the other.
    started = share(lead, essex, source=str(southend))
    assert "its round has closed" in lead.get(started.location).get_data(as_text=True)
    assert answers(app, essex) == before
    # The closed round's return can still be copied from: Southend's starts again from what Essex was sent.
    again = share(lead, southend, source=str(essex))
    assert f"copied to {SOUTHEND}" in lead.get(again.location).get_data(as_text=True)
    assert answers(app, southend) == before


def test_only_the_agencys_people_for_both_boards_share_and_only_their_own(two_boards: Boards) -> None:
    app, ids, clients = two_boards.app, two_boards.ids, two_boards.clients
    southend, essex = ids["southend_return"], ids["essex_return"]
    fill(app, southend)
    # People of one board only have no other boards to share with.
    for actor, rid in (("essex lead", essex), ("southend lead", southend), ("southend contributor", southend)):
        assert clients[actor].get(f"/agency/returns/{rid}/other-boards").status_code == 404, actor
        assert "Answer once for your other boards" not in clients[actor].get(f"/agency/returns/{rid}").get_data(
            as_text=True)
    assert clients["essex lead"].get(f"/agency/returns/{southend}/other-boards").status_code == 404
    lead = both_boards_lead(two_boards)
    with app.app_context():
        another = db.session.scalar(select(Return.id).where(Return.round_id == ids["southend_round"],
                                                            Return.id != southend))
    untouched = answers(app, another)
    for forged in ({"targets": str(another)}, {"targets": "999999"}, {"targets": "x"}, {}):
        response = share(lead, southend, **forged)
        assert response.status_code == 400, forged
    assert errors(share(lead, southend, targets=str(another)).get_data(as_text=True)) == [
        "Choose at least one of your other boards' returns"]
    assert share(lead, southend, source=str(another)).status_code == 404
    refused = share(lead, southend, targets=str(essex), submit_too="y")
    assert errors(refused.get_data(as_text=True)) == [
        "Submit this return first: its copies are submitted with the same sign-off"]
    assert share(lead, southend, targets="\x00").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.return_id == essex)) == 0
    assert answers(app, another) == untouched
    # Starting Essex's return from Southend's copies it there, to change what differs.
    started = share(lead, essex, source=str(southend))
    assert started.status_code == 302 and answers(app, essex) == answers(app, southend)
    assert "This return was copied from it on" in lead.get(f"/agency/returns/{essex}/other-boards").get_data(
        as_text=True)
    assert SHARED in lead.get(f"/agency/returns/{essex}").get_data(as_text=True)


def test_only_the_person_who_signed_a_return_off_submits_copies_with_that_sign_off(two_boards: Boards) -> None:
    app, ids = two_boards.app, two_boards.ids
    southend, essex = ids["southend_return"], ids["essex_return"]
    fill(app, southend)
    submit(client_for(app, LEAD), southend)  # signed off by the Southend lead, before being the Essex lead too
    with app.app_context():
        police = db.session.get(Agency, ids["police"])
        other = agencies.add_person(db.session(), police, ids["southend"], "Other Lead", "other.lead@demo.example",
                                    Role.LEAD).person
        agencies.add_person(db.session(), police, ids["essex"], "Other Lead", "other.lead@demo.example", Role.LEAD)
        from survey.services import accounts
        from tests.fixtures_demo import PASSWORD

        accounts.set_password(db.session(), other, PASSWORD)
        db.session.commit()
    colleague = client_for(app, "other.lead@demo.example")
    page = colleague.get(f"/agency/returns/{southend}/other-boards").get_data(as_text=True)
    assert 'name="targets"' in page and 'name="submit_too"' not in page
    refused = share(colleague, southend, targets=str(essex), submit_too="y")
    assert errors(refused.get_data(as_text=True)) == [
        "Only Pat Lead, who signed this return off, can submit copies with that sign-off: copy the answers, then "
        "submit each copy yourself"]
    with app.app_context():
        assert db.session.get(Return, essex).state is ReturnState.NOT_STARTED
    assert share(colleague, southend, targets=str(essex)).status_code == 302
    assert answers(app, essex) == answers(app, southend)


def test_a_colleague_saving_in_the_copy_at_the_same_moment_loses_nothing(two_boards: Boards) -> None:
    import threading

    app, ids, clients = two_boards.app, two_boards.ids, two_boards.clients
    lead = both_boards_lead(two_boards)
    southend, essex = ids["southend_return"], ids["essex_return"]
    fill(app, southend)
    dave = clients["essex lead"]  # Essex Police's lead for Essex only, answering the Essex return himself
    url = f"/agency/returns/{essex}/duties/supervision"
    mine = form_data(dave.get(url).get_data(as_text=True))
    mine.update({"rating-supervision-1": "4", "commentary-supervision-1": "Dave's own answer", "action": "later"})
    page = f"/agency/returns/{southend}/other-boards"
    token = csrf_token(lead.get(page).get_data(as_text=True))
    gate = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(name: str, call: object) -> None:
        gate.wait()
        results[name] = call()  # type: ignore[operator]

    threads = [threading.Thread(target=run, args=("dave", lambda: dave.post(url, data=mine))),
               threading.Thread(target=run, args=("copy", lambda: lead.post(
                   page, data={"csrf_token": token, "targets": str(essex)})))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.status_code for r in results.values()} <= {302, 400}, {k: r.status_code for k, r in results.items()}  # type: ignore[attr-defined]
    after, copied = answers(app, essex), answers(app, southend)
    if results["copy"].status_code == 400:  # type: ignore[attr-defined]
        # The copy met Dave's save mid-way and stopped: nothing of it was written, and Dave's answer stands.
        assert "at the same moment, so nothing was copied" in results["copy"].get_data(as_text=True)  # type: ignore[attr-defined]
        assert after["supervision-1"].commentary == "Dave's own answer"
        return
    assert after == copied, "the copy is whole"
    with app.app_context():
        saved_first = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.return_id == essex, AuditEvent.action == "answer.saved", AuditEvent.person_id == ids["dave"]))
    if not saved_first:
        # Dave saved over a page the copy had changed: his version waits for him to choose, not lost.
        assert "waiting for you to choose" in dave.get(url).get_data(as_text=True)
