"""The administrator's pages: find a person, export their data, erase them (typed confirmation)."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Person
from tests.fixtures_demo import Demo, sign_in
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
