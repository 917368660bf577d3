"""Partnerships are tenants. Southend (the demo) and Essex share Essex Police, as the real boards share agencies;
no actor of one board reads or changes anything of the other, and no manager can take over anyone's account."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import (
    Agency,
    Answer,
    AreaAction,
    AuditEvent,
    DevelopmentArea,
    Partnership,
    PartnershipAgency,
    Person,
    Return,
    ReturnState,
    Role,
    RoleAssignment,
    Round,
    RoundState,
)
from survey.services import accounts, agencies, board_questionnaires, boards
from survey.services.definitions import ensure_version
from tests.authenticator import give_second_factor
from tests.fixtures_demo import PASSWORD, Demo, client_for, sign_in
from tests.web.forms import csrf_token, errors, form_data
from tests.web.test_security import GET_EXPECTED, url_for_rule

ESSEX = "Essex Safeguarding Children Board"
SHARED = "Essex Police"
ESSEX_ROUND = "Essex Section 11 audit"


@dataclass
class Boards:
    """The two boards' ids and a signed-in client per actor."""

    app: Flask
    ids: dict[str, int]
    clients: dict[str, FlaskClient]


ACTORS = {
    "southend manager": "manager@demo.example", "southend chair": "chair@demo.example",
    "southend lead": "lead.police@demo.example", "southend contributor": "staff.police@demo.example",
    "essex manager": "manager@essex.example", "essex chair": "chair@essex.example",
    "essex lead": "dave@essex-police.example", "admin": "admin@demo.example", "anonymous": "",
}


@pytest.fixture
def two_boards(app: Flask, demo: Demo) -> Iterator[Boards]:
    """Essex, with its own manager, chair and lead of the shared Essex Police, and an open round of its own."""
    with app.app_context():
        session = db.session()
        essex = boards.create_partnership(session, ESSEX, "essex")
        police = agencies.create_agency(session, essex.id, SHARED, "Police")
        fire = agencies.create_agency(session, essex.id, "Essex Fire", "Fire")
        dave = agencies.add_person(session, police, essex.id, "Dave Cole", ACTORS["essex lead"], Role.LEAD).person
        people = [dave]
        for email, role in ((ACTORS["essex manager"], Role.MANAGER), (ACTORS["essex chair"], Role.CHAIR)):
            people.append(boards.add_board_person(session, email.split("@")[0].title(), email, role, essex))
            give_second_factor(people[-1])
        for person in people:
            accounts.set_password(session, person, PASSWORD)
        section11 = app.extensions["survey_catalogue"].get("section-11-audit")
        essex_round = Round(partnership=essex, definition_version=ensure_version(session, section11),
                            title=ESSEX_ROUND, opens_on=dt.date.today(), deadline=dt.date.today() + dt.timedelta(30),
                            state=RoundState.OPEN)
        session.add(essex_round)
        essex_return = Return(round=essex_round, agency=police, partnership=essex, state=ReturnState.NOT_STARTED)
        session.add(essex_return)
        session.commit()
        southend = session.scalar(select(Partnership).where(Partnership.slug == "southend"))
        southend_return = session.scalar(select(Return).join(Round).where(
            Return.agency_id == police.id, Round.state == RoundState.OPEN, Round.partnership_id == southend.id))
        only_southend = session.scalar(select(Agency.id).join(PartnershipAgency).where(
            Agency.name != SHARED, PartnershipAgency.partnership_id == southend.id).order_by(Agency.name).limit(1))
        sheet = b"section,duty,text\nS,D,A statement\n"
        drafts = {board.slug: board_questionnaires.upload(session, board.id, "ours.csv", sheet, "Ours", [], None).id
                  for board in (essex, southend)}
        ids = {"essex": essex.id, "southend": southend.id, "essex_draft": drafts["essex"],
               "southend_draft": drafts["southend"], "police": police.id, "fire": fire.id,
               "dave": dave.id, "essex_round": essex_round.id, "essex_return": essex_return.id,
               "southend_round": southend_return.round_id, "southend_return": southend_return.id,
               "southend_agency": only_southend,
               "southend_staff": session.scalar(select(Person.id).where(
                   Person.email == ACTORS["southend contributor"])),
               "southend_lead": session.scalar(select(Person.id).where(Person.email == ACTORS["southend lead"])),
               "southend_manager": session.scalar(select(Person.id).where(Person.email == ACTORS["southend manager"])),
               "admin": session.scalar(select(Person.id).where(Person.email == ACTORS["admin"]))}
    clients = {}
    for actor, email in ACTORS.items():
        clients[actor] = client_for(app, email) if email else app.test_client()
    yield Boards(app, ids, clients)


def post(client: FlaskClient, page: str, url: str, data: dict[str, object] | None = None) -> object:
    """POST as a browser would, with the CSRF token of a page the actor can open."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


# -- the routes x actors matrix -------------------------------------------------------------------------------------
SOUTHEND_SIDE = ("southend manager", "southend chair", "southend lead", "southend contributor")
ESSEX_SIDE = ("essex manager", "essex chair", "essex lead")
# Pages that name no object: each actor sees their own board's, checked for content below.
NO_OBJECT = {"manager.home", "manager.new_round", "manager.agency_list", "manager.new_agency",
             "manager.import_directory", "agency.home", "agency.action_plan", "chair.home"}


def _values(world: Boards, side: str) -> dict[str, object]:
    """Route values naming one board's objects (the other board's actors must reach none of them)."""
    ids = world.ids
    own = side == "southend"
    return {"round_id": ids["southend_round"] if own else ids["essex_round"],
            "return_id": ids["southend_return"] if own else ids["essex_return"],
            "agency_id": ids["southend_agency"] if own else ids["fire"],
            "person_id": ids["southend_staff"] if own else ids["dave"],
            "partnership_id": ids["southend"] if own else ids["essex"],
            "agency_action_id": 999999, "area_id": 999999, "action_id": 999999, "challenge_id": 999999,
            "statement_id": "supervision-1", "action": "deactivate", "duty_id": "supervision", "file_id": 999999,
            "questionnaire_id": "section-11-audit", "purpose": "reset", "token": "not-a-real-token", "role": "manager",
            "filename": "app.css", "joint_id": 999999,
            "board_questionnaire_id": ids["southend_draft"] if own else ids["essex_draft"]}


@pytest.mark.parametrize(("owner", "others"), [("southend", ESSEX_SIDE), ("essex", SOUTHEND_SIDE)])
def test_no_actor_of_one_board_reaches_the_others_objects(two_boards: Boards, owner: str,
                                                          others: tuple[str, ...]) -> None:
    app, values = two_boards.app, _values(two_boards, owner)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments or rule.endpoint in NO_OBJECT:
            continue
        if GET_EXPECTED[rule.endpoint].get("anonymous") != 302 or rule.endpoint.startswith("admin."):
            continue  # public pages and links, and the administrator's pages (installation-wide by design)
        url = url_for_rule(rule, values)
        for actor in others:
            status = two_boards.clients[actor].get(url).status_code
            assert status in (403, 404), f"{actor} GET {url} of {owner}: {status}"
            checked += 1
    assert checked >= 40 * len(others)


def test_pages_without_ids_show_only_the_boards_own(two_boards: Boards) -> None:
    clients, ids = two_boards.clients, two_boards.ids
    with two_boards.app.app_context():
        titles = list(db.session.scalars(select(Round.title).where(Round.partnership_id == ids["southend"])))
        own_agency = db.session.get(Agency, ids["southend_agency"]).name
    southend_only = (*titles, own_agency, "staff.police@demo.example", "Police Lead")
    essex_manager = clients["essex manager"]
    for url in ("/manager/", "/manager/agencies", "/manager/rounds/new", "/manager/agencies/import"):
        page = essex_manager.get(url).get_data(as_text=True)
        assert not [s for s in southend_only if s in page], url
    shared = essex_manager.get(f"/manager/agencies/{ids['police']}").get_data(as_text=True)
    assert "Dave Cole" in shared and "Police Lead" not in shared and "Police Contributor" not in shared
    assert "also works with another partnership" in shared and "Southend" not in shared
    assert not [t for t in titles if t in shared] and ESSEX_ROUND in shared, "only Essex's open rounds"
    southend_manager = clients["southend manager"]
    page = southend_manager.get(f"/manager/agencies/{ids['police']}").get_data(as_text=True)
    assert "Police Lead" in page and "Dave Cole" not in page and ESSEX_ROUND not in page
    for actor, leaks in (("essex chair", titles), ("essex lead", titles),
                         ("southend lead", [ESSEX_ROUND]), ("southend chair", [ESSEX_ROUND])):
        for url in ("/chair/",) if "chair" in actor else ("/agency/", "/agency/actions"):
            page = clients[actor].get(url).get_data(as_text=True)
            assert not [leak for leak in leaks if leak in page], (actor, url)


def test_a_lead_for_one_board_is_nobody_for_the_other(two_boards: Boards) -> None:
    clients, ids = two_boards.clients, two_boards.ids
    dave = clients["essex lead"]
    assert dave.get(f"/agency/returns/{ids['essex_return']}").status_code == 200
    assert dave.get(f"/agency/returns/{ids['southend_return']}").status_code == 404
    assert dave.get(f"/agency/returns/{ids['southend_return']}/duties/supervision").status_code == 404
    southend_lead = clients["southend lead"]
    assert southend_lead.get(f"/agency/returns/{ids['essex_return']}").status_code == 404
    assert southend_lead.get(f"/agency/returns/{ids['southend_return']}/submit").status_code == 302


def test_one_board_cannot_change_the_others_people_or_agency(two_boards: Boards) -> None:
    app, clients, ids = two_boards.app, two_boards.clients, two_boards.ids
    essex = clients["essex manager"]
    police_page = f"/manager/agencies/{ids['police']}"
    # Southend's people in the shared agency are not Essex's to see, change, deactivate or remove.
    for action in ("deactivate", "remove", "invite"):
        response = post(essex, police_page, f"{police_page}/people/{ids['southend_lead']}/{action}")
        assert response.status_code == 404, action  # type: ignore[attr-defined]
    assert essex.get(f"{police_page}/people/{ids['southend_lead']}").status_code == 404
    # Deactivating the shared agency for Essex leaves it active for Southend.
    assert post(essex, police_page, f"{police_page}/active", {"active": "no"}).status_code == 302  # type: ignore[attr-defined]
    assert "This agency is deactivated" in essex.get(police_page).get_data(as_text=True)
    assert "This agency is deactivated" not in clients["southend manager"].get(police_page).get_data(as_text=True)
    assert clients["southend lead"].get(f"/agency/returns/{ids['southend_return']}").status_code == 200
    # The shared name and type are the administrator's to change.
    renamed = post(essex, f"{police_page}/change", f"{police_page}/change",
                   {"name": "Essex Police HQ", "kind": "Police"})
    assert renamed.status_code == 400  # type: ignore[attr-defined]
    assert "ask the administrator" in errors(renamed.get_data(as_text=True))[0]  # type: ignore[attr-defined]
    with app.app_context():
        assert db.session.get(Agency, ids["police"]).name == SHARED
        active = db.session.execute(select(PartnershipAgency.partnership_id, PartnershipAgency.active).where(
            PartnershipAgency.agency_id == ids["police"])).all()
        assert dict(active) == {ids["southend"]: True, ids["essex"]: False}


def test_an_import_into_one_board_gives_no_role_in_the_other(two_boards: Boards, mailbox) -> None:  # type: ignore[no-untyped-def]
    app, clients, ids = two_boards.app, two_boards.clients, two_boards.ids
    essex = clients["essex manager"]
    csv = b"agency,type,name,email,role\nEssex Police,Police,Dana Cole,dana@x.example,lead\n"
    data = form_data(essex.get("/manager/agencies/import").get_data(as_text=True))
    preview = essex.post("/manager/agencies/import", data={**data, "file": (io.BytesIO(csv), "people.csv")},
                         content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Southend" not in page
    confirm = form_data(page)
    assert essex.post("/manager/agencies/import", data={**confirm, "confirm": "yes"}).status_code == 302
    with app.app_context():
        roles = db.session.execute(select(RoleAssignment.role, RoleAssignment.partnership_id).join(Person).where(
            Person.email == "dana@x.example")).all()
        assert {partnership for _, partnership in roles} == {ids["essex"]}
    dana = app.test_client()
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == "dana@x.example"))
        accounts.set_password(db.session(), person, PASSWORD)
        db.session.commit()
    assert sign_in(dana, "dana@x.example").status_code == 302  # type: ignore[attr-defined]
    assert dana.get(f"/agency/returns/{ids['southend_return']}").status_code == 404
    assert dana.get(f"/agency/returns/{ids['essex_return']}").status_code == 200
    # Southend's reminders and reopen notices go to Southend's members only.
    from survey.services.access import agency_people

    with app.app_context():
        southend = {p.email for p in agency_people(db.session(), ids["police"], ids["southend"])}
        assert "dana@x.example" not in southend and "dave@essex-police.example" not in southend
        assert "lead.police@demo.example" in southend


def test_a_new_person_in_the_shared_agency_is_invited_to_the_boards_own_rounds_only(two_boards: Boards,
                                                                                  mailbox) -> None:  # type: ignore[no-untyped-def]
    essex, ids = two_boards.clients["essex manager"], two_boards.ids
    page = f"/manager/agencies/{ids['police']}/people/new"
    response = post(essex, page, page, {"name": "Eve New", "email": "eve@essex-police.example",
                                        "role": "contributor"})
    assert response.status_code == 302  # type: ignore[attr-defined]
    [message] = mailbox.to("eve@essex-police.example")
    assert ESSEX_ROUND in message["Subject"] and "Section 11 audit 2026" not in mailbox.body(message)


# -- accounts are the person's own ------------------------------------------------------------------------------------
@pytest.mark.parametrize("victim", ["admin@demo.example", "manager@demo.example"])
def test_a_manager_cannot_take_over_an_account(two_boards: Boards, mailbox, victim: str) -> None:  # type: ignore[no-untyped-def]
    app, essex, ids = two_boards.app, two_boards.clients["essex manager"], two_boards.ids
    page = f"/manager/agencies/{ids['fire']}/people/new"
    added = post(essex, page, page, {"name": "Mallory", "email": victim, "role": "lead"})
    assert added.status_code == 302  # type: ignore[attr-defined]
    flashed = essex.get("/manager/agencies").get_data(as_text=True)
    assert "already had an account" in flashed and "Mallory" not in flashed
    # The person is told of the new place (with no password link: they have a password already).
    [told] = mailbox.to(victim)
    assert "lead for Essex Fire" in told["Subject"] and "/set-password/" not in mailbox.body(told)
    with app.app_context():
        victim_person = db.session.scalar(select(Person).where(Person.email == victim))
        assert victim_person.name != "Mallory", "the account keeps its own name"
        victim_id = victim_person.id
    person_page = f"/manager/agencies/{ids['fire']}/people/{victim_id}"
    form = essex.get(person_page).get_data(as_text=True)
    assert 'name="email" type="email"' not in form and "only they or the administrator" in form
    changed = post(essex, person_page, person_page, {"name": "Mallory", "email": "manager@essex.example",
                                                     "role": "lead"})
    assert changed.status_code == 400  # type: ignore[attr-defined]
    with app.app_context():
        assert db.session.get(Person, victim_id).email == victim
    # A reset asked for the victim's address reaches only the victim.
    mailbox.messages.clear()
    anyone = app.test_client()
    token = csrf_token(anyone.get("/forgot-password").get_data(as_text=True))
    anyone.post("/forgot-password", data={"csrf_token": token, "email": "manager@essex.example"}).close()
    assert mailbox.to(victim) == []
    assert sign_in(app.test_client(), victim).status_code == 302, "the victim still signs in as before"  # type: ignore[attr-defined]


def test_an_unused_invitation_can_be_corrected_by_the_board_that_sent_it(two_boards: Boards, mailbox) -> None:  # type: ignore[no-untyped-def]
    app, essex, ids = two_boards.app, two_boards.clients["essex manager"], two_boards.ids
    page = f"/manager/agencies/{ids['fire']}/people/new"
    assert post(essex, page, page, {"name": "Fay Typo", "email": "fay@fire.exmaple", "role": "lead"}
                ).status_code == 302  # type: ignore[attr-defined]
    with app.app_context():
        fay = db.session.scalar(select(Person.id).where(Person.email == "fay@fire.exmaple"))
    person_page = f"/manager/agencies/{ids['fire']}/people/{fay}"
    fixed = post(essex, person_page, person_page, {"name": "Fay Fire", "email": "fay@fire.example", "role": "lead"})
    assert fixed.status_code == 302  # type: ignore[attr-defined]
    with app.app_context():
        assert db.session.get(Person, fay).email == "fay@fire.example"
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "person.changed", AuditEvent.object_id == str(fay))) == 1
    # Once Southend also gives her a place, the account is no longer Essex's alone to correct.
    southend = two_boards.clients["southend manager"]
    police_new = f"/manager/agencies/{ids['police']}/people/new"
    assert post(southend, police_new, police_new, {"name": "Fay", "email": "fay@fire.example",
                                                   "role": "contributor"}).status_code == 302  # type: ignore[attr-defined]
    refused = post(essex, person_page, person_page, {"name": "Fay F", "email": "fay@fire.example", "role": "lead"})
    assert refused.status_code == 400  # type: ignore[attr-defined]


def test_reset_and_invitation_links_name_the_configured_address(two_boards: Boards, mailbox) -> None:  # type: ignore[no-untyped-def]
    essex, ids = two_boards.clients["essex manager"], two_boards.ids
    page = f"/manager/agencies/{ids['police']}/people/new"
    response = essex.post(page, data={"csrf_token": csrf_token(essex.get(page).get_data(as_text=True)),
                                      "name": "Gil", "email": "gil@essex-police.example", "role": "contributor"},
                          headers={"X-Forwarded-Host": "evil.example"})
    assert response.status_code == 302
    [message] = mailbox.to("gil@essex-police.example")
    links = re.findall(r"https?://\S+", mailbox.body(message))
    assert links and all(link.startswith("http://127.0.0.1:5000/") for link in links), links


def test_the_administrator_changes_an_account_and_can_deactivate_it_everywhere(two_boards: Boards) -> None:
    app, admin, ids = two_boards.app, two_boards.clients["admin"], two_boards.ids
    page = f"/admin/people/{ids['dave']}/account"
    assert two_boards.clients["essex manager"].get(page).status_code == 403
    clash = post(admin, page, page, {"name": "Dave Cole", "email": "lead.police@demo.example"})
    assert clash.status_code == 400  # type: ignore[attr-defined]
    assert errors(clash.get_data(as_text=True)) == [  # type: ignore[attr-defined]
        "lead.police@demo.example is already the email address of someone else"]
    moved = post(admin, page, page, {"name": "David Cole", "email": "david.cole@essex-police.example"})
    assert moved.status_code == 302  # type: ignore[attr-defined]
    assert sign_in(app.test_client(), "david.cole@essex-police.example").status_code == 302  # type: ignore[attr-defined]
    person_page = f"/admin/people/{ids['dave']}"
    assert "lead of Essex Police for Essex Safeguarding Children Board" in admin.get(person_page).get_data(as_text=True)
    assert post(admin, person_page, f"{person_page}/active", {"active": "no"}).status_code == 302  # type: ignore[attr-defined]
    assert sign_in(app.test_client(), "david.cole@essex-police.example").status_code == 400  # type: ignore[attr-defined]
    with app.app_context():
        changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.changed",
                                                             AuditEvent.object_id == str(ids["dave"])))
        assert changed is not None and changed.new == {"name": "David Cole",
                                                       "email": "david.cole@essex-police.example"}


def test_a_command_line_import_into_one_board_gives_no_role_in_the_other(two_boards: Boards, runner, tmp_path,  # type: ignore[no-untyped-def]
                                                                        monkeypatch) -> None:
    from survey.cli import main

    app, ids = two_boards.app, two_boards.ids
    monkeypatch.setenv("SURVEY_DATABASE_URL", app.config["DATABASE_URL"])
    people = tmp_path / "people.csv"
    people.write_text("agency,type,name,email,role\nEssex Police,Police,Dave Cole,dave@essex-police.example,lead\n"
                      "Essex Police,,Lee Lead,lead.police@demo.example,contributor\n")
    result = runner.invoke(main, ["agencies", "import", str(people), "--partnership", "essex"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        southend = set(db.session.execute(select(Person.email, RoleAssignment.role).join(RoleAssignment).where(
            RoleAssignment.agency_id == ids["police"], RoleAssignment.partnership_id == ids["southend"])).all())
        assert ("dave@essex-police.example", Role.LEAD) not in southend
        assert ("lead.police@demo.example", Role.LEAD) in southend, "Southend's lead is still Southend's lead"
        assert db.session.scalar(select(Person.name).where(Person.email == "lead.police@demo.example")) == \
            "Police Lead", "an existing account keeps its name"
    assert two_boards.clients["essex lead"].get(f"/agency/returns/{ids['southend_return']}").status_code == 404


PUBLIC_POSTS = {"auth.sign_in", "auth.forgot_password", "auth.set_password", "auth.sign_out", "auth.account",
                "auth.confirm_email"}


@pytest.mark.parametrize(("owner", "actor"), [("southend", "essex manager"), ("southend", "essex lead"),
                                              ("essex", "southend manager"), ("essex", "southend lead"),
                                              ("southend", "essex chair")])
def test_no_post_of_one_board_changes_the_others_objects(two_boards: Boards, owner: str, actor: str) -> None:
    from tests.web.test_security import _snapshot

    app, values = two_boards.app, _values(two_boards, owner)
    client = two_boards.clients[actor]
    token = csrf_token(client.get("/account").get_data(as_text=True))
    before = _snapshot(app)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.methods - {"GET", "HEAD", "OPTIONS"} or not rule.arguments or rule.endpoint in PUBLIC_POSTS:
            continue
        if rule.endpoint.startswith("admin."):
            continue
        url = url_for_rule(rule, values)
        response = client.post(url, data={"csrf_token": token, "active": "no", "decision": "decline",
                                          "reason": "x", "confirm": "yes"})
        assert response.status_code in (403, 404), f"{actor} POST {url} of {owner}: {response.status_code}"
        checked += 1
    assert checked >= 20
    after = _snapshot(app)
    changed = [table for table in before if before[table] != after[table] and table not in ("rate_limit",)]
    assert changed == [], f"{actor} changed {changed} of {owner}"


def test_directory_changes_show_each_board_its_own(two_boards: Boards, mailbox) -> None:  # type: ignore[no-untyped-def]
    clients, ids = two_boards.clients, two_boards.ids
    essex, southend = clients["essex manager"], clients["southend manager"]
    police_page = f"/manager/agencies/{ids['police']}"
    assert post(essex, police_page, f"{police_page}/active", {"active": "no"}).status_code == 302  # type: ignore[attr-defined]
    csv = b"agency,type,name,email,role\nEssex Police,Police,Dana Cole,dana@x.example,lead\n"
    data = form_data(essex.get("/manager/agencies/import").get_data(as_text=True))
    preview = essex.post("/manager/agencies/import", data={**data, "file": (io.BytesIO(csv), "people.csv")},
                         content_type="multipart/form-data")
    assert essex.post("/manager/agencies/import", data={**form_data(preview.get_data(as_text=True)),
                                                       "confirm": "yes"}).status_code == 302
    mine = essex.get("/manager/agencies/changes").get_data(as_text=True)
    # The Change column shows each field's old and new value (nothing before a person was added).
    for words in ("Agency deactivated", "Directory imported from a file", "Person added to an agency", "Dana Cole",
                  SHARED, "role:  → lead"):
        assert words in mine, words
    # Southend shares the agency but none of Essex's changes: its page shows none of them.
    theirs = southend.get("/manager/agencies/changes").get_data(as_text=True)
    for words in ("Agency deactivated", "Directory imported", "Dana Cole", "dana@x.example"):
        assert words not in theirs, words


def test_another_boards_people_reach_none_of_its_actions(two_boards: Boards) -> None:
    app, clients, ids = two_boards.app, two_boards.clients, two_boards.ids
    with app.app_context():
        closed = db.session.scalar(select(Round).where(Round.partnership_id == ids["southend"],
                                                       Round.state == RoundState.CLOSED))
        area = DevelopmentArea(round_id=closed.id, title="Southend's own area", statement_ids=["strategic-plan-1"])
        action = AreaAction(area=area, what="Southend's own action", owner_name="Southend lead",
                            due_on=dt.date.today() + dt.timedelta(days=10))
        db.session.add_all([area, action])
        db.session.commit()
        action_id = action.id
    for actor, prefix in (("essex manager", "manager"), ("essex chair", "chair")):
        client = clients[actor]
        assert client.get(f"/{prefix}/actions/{action_id}/progress").status_code == 404, actor
        forged = post(client, f"/{prefix}/", f"/{prefix}/actions/{action_id}/progress",
                      {"which": "rag", "colour": "red", "reason": "Taken over"})
        assert forged.status_code == 404, actor
        post(client, f"/{prefix}/", f"/{prefix}/actions/{action_id}/progress", {"which": "note", "text": "Mine now"})
    with app.app_context():
        stored = db.session.get(AreaAction, action_id)
        assert stored.rag_override is None and stored.notes == []
    assert "Southend&#39;s own action" in clients["southend chair"].get(
        f"/chair/actions/{action_id}/progress").get_data(as_text=True)


def test_a_shared_agency_starts_each_boards_return_only_from_that_boards(two_boards: Boards) -> None:
    app, clients, ids = two_boards.app, two_boards.clients, two_boards.ids
    with app.app_context():
        # Southend's police return of the Section 11 audit is submitted, and its round opened before Essex's.
        southend_return = db.session.get(Return, ids["southend_return"])
        southend_return.state, southend_return.submitted_at = ReturnState.SUBMITTED, dt.datetime.now(dt.UTC)
        southend_return.round.opens_on = dt.date.today() - dt.timedelta(days=30)
        db.session.commit()
    essex_lead = clients["essex lead"]
    tasks = essex_lead.get(f"/agency/returns/{ids['essex_return']}").get_data(as_text=True)
    assert "Start from my" not in tasks, "Southend's return is not Essex's to start from"
    refused = post(essex_lead, f"/agency/returns/{ids['essex_return']}",
                   f"/agency/returns/{ids['essex_return']}/carry-forward")
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer).where(
            Answer.return_id == ids["essex_return"])) == 0
        assert db.session.get(Return, ids["essex_return"]).state is ReturnState.NOT_STARTED
    # And Essex's lead cannot start Southend's return at all.
    assert post(essex_lead, f"/agency/returns/{ids['essex_return']}",
                f"/agency/returns/{ids['southend_return']}/carry-forward").status_code == 404
