"""The administrator's pages: find a person, export their data, erase them (typed confirmation)."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditEvent, Partnership, Person
from tests.fixtures_demo import Demo, set_up_second_factor, sign_in
from tests.web.forms import errors, form_data


def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "admin@demo.example").location == "/admin/"
    return client


def person_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Person.id).where(Person.email == email))


def test_find_export_and_erase(app: Flask, demo: Demo) -> None:
    client = admin(app)
    found = client.get("/admin/?q=POLICE").get_data(as_text=True)
    assert "lead.police@demo.example" in found and "staff.police@demo.example" in found
    assert "Nobody matches" in client.get("/admin/?q=zzzz").get_data(as_text=True)
    pid = person_id(app, "lead.police@demo.example")
    with client.get(f"/admin/people/{pid}/export.json") as response:
        assert response.mimetype == "application/json" and "attachment" in response.headers["Content-Disposition"]
        data = json.loads(response.get_data())
    assert data["person"]["email"] == "lead.police@demo.example" and data["declarations"]
    page = client.get(f"/admin/people/{pid}").get_data(as_text=True)
    wrong = client.post(f"/admin/people/{pid}/erase", data={**form_data(page, contains="erase"),
                                                            "confirm": "someone@else"})
    assert wrong.status_code == 400
    assert errors(wrong.get_data(as_text=True)) == ["Type lead.police@demo.example to confirm the erasure"]
    with app.app_context():
        assert db.session.get(Person, pid).erased_at is None
    done = client.post(f"/admin/people/{pid}/erase", data={**form_data(page, contains="erase"),
                                                           "confirm": "Lead.Police@demo.example "})
    assert done.status_code == 302
    with app.app_context():
        erased = db.session.get(Person, pid)
        assert erased.erased_at is not None and erased.name == f"Erased person {pid}" and not erased.roles
    assert sign_in(app.test_client(), "lead.police@demo.example").status_code == 400
    again = client.post(f"/admin/people/{pid}/erase", data={**form_data(page, contains="erase"),
                                                            "confirm": f"erased-{pid}@invalid"})
    assert again.status_code == 400 and "already been erased" in errors(again.get_data(as_text=True))[0]


def test_admin_cannot_erase_themselves(app: Flask, demo: Demo) -> None:
    client = admin(app)
    pid = person_id(app, "admin@demo.example")
    page = client.get(f"/admin/people/{pid}").get_data(as_text=True)
    refused = client.post(f"/admin/people/{pid}/erase", data={**form_data(page, contains="erase"),
                                                              "confirm": "admin@demo.example"})
    assert refused.status_code == 400 and "cannot erase your own account" in errors(refused.get_data(as_text=True))[0]
    assert client.get("/admin/people/999999").status_code == 404


def _post(client: FlaskClient, url: str, contains: str = "", **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(url).get_data(as_text=True)
    return client.post(url if not contains else _action(page, contains), data={**form_data(page, contains), **fields})


def _action(html: str, contains: str) -> str:
    import re

    found = re.search(rf'action="([^"]*{re.escape(contains)}[^"]*)"', html)
    assert found, f"no form posting to {contains}"
    return found.group(1)


def test_add_a_partnership_and_its_board_people(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = admin(app)
    listed = client.get("/admin/partnerships").get_data(as_text=True)
    assert "Southend Safeguarding Children Partnership" in listed
    bad = _post(client, "/admin/partnerships/new", name="Lambeth", slug="Lambeth Board")
    assert bad.status_code == 400 and "lower-case letters" in errors(bad.get_data(as_text=True))[0]
    taken = _post(client, "/admin/partnerships/new", name="Lambeth", slug="southend")
    assert taken.status_code == 400 and errors(taken.get_data(as_text=True)) == [
        "The short name southend is taken; choose another"]
    made = _post(client, "/admin/partnerships/new", name="Lambeth Safeguarding Children Partnership", slug="lambeth")
    assert made.status_code == 302
    page_url = made.location
    assert "Now give it a board manager" in client.get(page_url).get_data(as_text=True)

    missing = _post(client, page_url, name="Sam Manager", email="", role="manager")
    assert missing.status_code == 400 and errors(missing.get_data(as_text=True)) == ["Enter an email address"]
    no_role = _post(client, page_url, name="Sam Manager", email="sam@lambeth.example", role="")
    assert no_role.status_code == 400 and errors(no_role.get_data(as_text=True)) == ["Choose manager or chair"]
    added = _post(client, page_url, name="Sam Manager", email="Sam@Lambeth.example", role="manager")
    assert added.status_code == 302
    assert "Sam Manager is now manager of Lambeth Safeguarding Children Partnership. They have been emailed." in (
        client.get(page_url).get_data(as_text=True))
    again = _post(client, page_url, name="Sam Manager", email="sam@lambeth.example", role="manager")
    assert again.status_code == 400 and "is already manager of Lambeth" in errors(again.get_data(as_text=True))[0]
    existing = _post(client, page_url, name="", email="chair@demo.example", role="chair")
    assert existing.status_code == 302

    (invitation,) = mailbox.to("sam@lambeth.example")
    body = mailbox.body(invitation)
    assert "You are now manager of Lambeth Safeguarding Children Partnership" in body
    link = next(line for line in body.splitlines() if "/set-password/invite/" in line)
    (notice,) = mailbox.to("chair@demo.example")
    assert "/set-password/" not in mailbox.body(notice) and "chair of Lambeth" in mailbox.body(notice)

    manager = app.test_client()
    path = link[link.index("/set-password/"):]
    chosen = _post(manager, path, password="a long and unguessable passphrase 2026",
                   confirm="a long and unguessable passphrase 2026")
    assert chosen.status_code == 302
    assert sign_in(manager, "sam@lambeth.example", "a long and unguessable passphrase 2026").status_code == 302
    # A new manager sets up a second factor before any manager page.
    assert manager.get("/manager/").headers["Location"].startswith("/account/second-factor")
    set_up_second_factor(manager, "sam@lambeth.example")
    assert manager.get("/manager/").status_code == 200
    assert "For Lambeth Safeguarding Children Partnership" in manager.get("/manager/rounds/new").get_data(as_text=True)

    listed = client.get("/admin/partnerships").get_data(as_text=True)
    assert "Sam Manager" in listed and "lambeth" in listed
    removed = _post(client, page_url, contains="/manager/remove")
    assert removed.status_code == 302
    assert "Sam Manager is no longer manager of Lambeth" in client.get(page_url).get_data(as_text=True)
    assert manager.get("/manager/").status_code == 403


def test_make_and_remove_an_administrator(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = admin(app)
    chair_page = f"/admin/people/{person_id(app, 'chair@demo.example')}"
    chair = app.test_client()
    sign_in(chair, "chair@demo.example")
    assert chair.get("/admin/partnerships").status_code == 403
    assert _post(client, chair_page, contains="/administrator").status_code == 302
    page = client.get(chair_page).get_data(as_text=True)
    assert "is now an administrator" in page and "Remove as administrator" in page
    assert "an administrator, chair of Southend Safeguarding Children Partnership" in page
    assert chair.get("/admin/partnerships").status_code == 200
    assert _post(client, chair_page, contains="/administrator").status_code == 302
    assert chair.get("/admin/partnerships").status_code == 403
    own = f"/admin/people/{person_id(app, 'admin@demo.example')}"
    last = _post(client, own, contains="/administrator")
    assert last.status_code == 400
    assert errors(last.get_data(as_text=True)) == [
        "This is the last administrator; make someone else an administrator first"]
    assert client.get("/admin/partnerships").status_code == 200


def test_rename_a_partnership(app: Flask, demo: Demo) -> None:
    client = admin(app)
    made = _post(client, "/admin/partnerships/new", name="Essex Safeguarding Children Board", slug="essex")
    assert made.status_code == 302
    with app.app_context():
        southend = db.session.scalar(select(Partnership.id).where(Partnership.slug == "southend"))
    page_url = f"/admin/partnerships/{southend}"
    assert f"{page_url}/name" in client.get(page_url).get_data(as_text=True)

    empty = _post(client, f"{page_url}/name", name="  ")
    assert empty.status_code == 400 and errors(empty.get_data(as_text=True)) == ["Enter the partnership's name"]
    taken = _post(client, f"{page_url}/name", name="essex safeguarding children board")
    assert taken.status_code == 400 and errors(taken.get_data(as_text=True)) == [
        "There is already a partnership called Essex Safeguarding Children Board"]
    assert 'value="essex safeguarding children board"' in taken.get_data(as_text=True), "what was typed is kept"

    renamed = _post(client, f"{page_url}/name", name="Southend Safeguarding Partnership")
    assert renamed.status_code == 302 and renamed.location == page_url
    shown = client.get(page_url).get_data(as_text=True)
    assert ("Southend Safeguarding Children Partnership is now called Southend Safeguarding Partnership" in shown
            and "Short name: southend" in shown)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partnership.renamed"))
        assert event is not None and event.object_id == str(southend)
        assert (event.old, event.new) == ({"name": "Southend Safeguarding Children Partnership"},
                                          {"name": "Southend Safeguarding Partnership"})
        assert event.person_id == person_id(app, "admin@demo.example")
    manager = app.test_client()
    assert sign_in(manager, "manager@demo.example").status_code == 302
    assert "Southend Safeguarding Partnership" in manager.get("/manager/rounds/new").get_data(as_text=True)

    unchanged = _post(client, f"{page_url}/name", name="Southend Safeguarding Partnership")
    assert unchanged.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "partnership.renamed")) == 1, "no change, no record"
    assert client.get("/admin/partnerships/999999/name").status_code == 404
