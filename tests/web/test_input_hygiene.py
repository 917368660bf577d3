"""Control characters and bidi overrides never reach the database or a page; ids too big for a column are 404."""

from __future__ import annotations

import io
import urllib.parse

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures_demo import Demo
from tests.web.test_agency_returns import POLICE, answer, duty_url, page_data

from .forms import csrf_token, errors

UNAVAILABLE = "could not reach the database"


@pytest.mark.parametrize("email", ["a\x00b", "lead.police\x00@demo.example", "\x00", "x\x1b[31m@demo.example"])
def test_nul_at_sign_in_is_a_wrong_address_not_an_outage(app: Flask, demo: Demo, email: str) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": "whatever-it-is"})
    response = client.post("/sign-in", data=body, content_type="application/x-www-form-urlencoded")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and UNAVAILABLE not in page
    assert errors(page)
    forgot = client.post("/forgot-password", data={"csrf_token": token, "email": email})
    assert forgot.status_code in (200, 400) and UNAVAILABLE not in forgot.get_data(as_text=True)


def test_control_characters_and_bidi_overrides_are_taken_out_of_answers(app: Flask, demo: Demo,
                                                                       police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    data.update({"rating-supervision-1": "3", "action": "later",
                 "commentary-supervision-1": "Monthly\x00 supervision\x1b\u202e for all\tstaff.\x0bSecond line",
                 "notes-supervision-1": "Seen by\x07 \u2066the panel\u2069"})
    response = police_staff.post(duty_url(rid), data=data)
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    saved = answer(app, rid, "supervision-1")
    assert saved is not None
    assert saved.commentary == "Monthly supervision for all\tstaff.\nSecond line"
    assert saved.evidence_notes == "Seen by the panel"
    page = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "\u202e" not in page and "\x00" not in page


def test_bidi_override_in_an_agency_name_is_not_stored(app: Flask, demo: Demo) -> None:
    from tests.fixtures_demo import client_for

    manager = client_for(app, "manager@demo.example")
    page = manager.get("/manager/agencies/new").get_data(as_text=True)
    response = manager.post("/manager/agencies/new", data={"csrf_token": csrf_token(page),
                                                          "name": "Fire \u202eecivres\u202c", "kind": "Fire\x00"})
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    listing = manager.get("/manager/agencies").get_data(as_text=True)
    assert "Fire ecivres" in listing and "\u202e" not in listing


@pytest.mark.parametrize("number", [2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30])
def test_ids_beyond_a_database_column_are_not_found(app: Flask, demo: Demo, police_staff: FlaskClient,
                                                   number: int) -> None:
    for url in (f"/agency/returns/{number}", f"/agency/returns/{number}/duties/supervision",
                f"/agency/returns/{number}/check"):
        response = police_staff.get(url)
        assert response.status_code == 404 and UNAVAILABLE not in response.get_data(as_text=True), url


def test_nul_in_a_path_or_query_is_handled(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    assert police_staff.get(f"/agency/returns/{rid}/duties/super%00vision").status_code == 404
    assert police_staff.get("/set-password/reset/abc%00def").status_code in (400, 404)
    assert police_staff.get(f"/agency/returns/{rid}?next=%00").status_code == 200


def test_control_characters_in_an_imported_directory_are_taken_out(app: Flask, demo: Demo, runner,  # type: ignore[no-untyped-def]
                                                                  tmp_path, monkeypatch) -> None:
    from survey.cli import main

    monkeypatch.setenv("SURVEY_DATABASE_URL", app.config["DATABASE_URL"])
    csv = tmp_path / "people.csv"
    # Past the first 4 KB, where the file is sniffed for being binary.
    padding = "".join(f"Agency {n},Council,,,\n" for n in range(200))
    csv.write_bytes(("agency,type,name,email,role\n" + padding +
                     "Essex Police,,Dana\x00 Cole\u202e,dana@x.example,lead\n").encode())
    result = runner.invoke(main, ["agencies", "import", str(csv), "--partnership", "southend"])
    assert result.exit_code == 0, result.output
    from survey.extensions import db
    from survey.models import Person

    with app.app_context():
        person = db.session.query(Person).filter_by(email="dana@x.example").one()
        assert person.name == "Dana Cole"


def test_evidence_file_name_with_control_characters(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    data.update({"action": "later", "rating-supervision-1": "3",
                 "evidence-supervision-1": (io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
                                            "plan\x00\u202efdp.pdf")})
    response = police_staff.post(duty_url(rid), data=data, content_type="multipart/form-data")
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    page = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "planfdp.pdf" in page and "\u202e" not in page


def test_bidi_overrides_stored_earlier_are_not_shown(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import Answer, Return

    rid = demo.return_id(POLICE)
    with app.app_context():
        ret = db.session.get(Return, rid)
        db.session.add(Answer(return_=ret, statement_id="supervision-1", rating=3.0,
                              commentary="Reviewed \u202etsap\u202c by the panel"))
        db.session.commit()
        assert "\u202e" in db.session.scalar(select(Answer.commentary).where(
            Answer.return_id == rid, Answer.statement_id == "supervision-1"))
    page = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "Reviewed tsap by the panel" in page and "\u202e" not in page and "\u202c" not in page
    from tests.fixtures_demo import client_for

    moderation = client_for(app, "manager@demo.example").get(f"/manager/returns/{rid}/moderate")
    assert moderation.status_code == 200 and "Reviewed tsap by the panel" in moderation.get_data(as_text=True)
    assert "\u202e" not in moderation.get_data(as_text=True)
