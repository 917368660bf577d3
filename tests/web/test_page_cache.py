"""The duty page is kept rendered per worker: it must never show anything stale, shared or reused.

Every test reads the page twice or more over HTTP, so the later reads are served from the cache."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from survey.extensions import db
from survey.models import Answer, DefinitionVersion, EvidenceFile, Person, Return, RoleAssignment, Round
from tests.fixtures_demo import Demo, client_for

from .forms import csrf_token, form_data

POLICE = "Essex Police"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def duty_url(rid: int) -> str:
    return f"/agency/returns/{rid}/duties/supervision"


def nonce_of(response: object) -> str:
    found = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])  # type: ignore[attr-defined]
    assert found
    return found.group(1)


def save(client: FlaskClient, rid: int, commentary: str) -> None:
    data = form_data(client.get(duty_url(rid)).get_data(as_text=True))
    data.update({"commentary-supervision-1": commentary, "action": "later"})
    response = client.post(duty_url(rid), data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_each_response_gets_its_own_nonce_and_a_working_csrf_token(app: Flask, demo: Demo,
                                                                   police_staff: FlaskClient) -> None:
    from survey.web import page_cache

    rid = demo.return_id(POLICE)
    first, second = police_staff.get(duty_url(rid)), police_staff.get(duty_url(rid))
    assert app.extensions["survey_page_cache"].hits >= 1, "the second read should come from the cache"
    pages = []
    for response in (first, second):
        html = response.get_data(as_text=True)
        nonce = nonce_of(response)
        assert f'nonce="{nonce}"' in html
        assert page_cache._NONCE not in html and page_cache._CSRF not in html
        pages.append(html.replace(nonce, "NONCE").replace(csrf_token(html), "TOKEN"))
    assert nonce_of(first) != nonce_of(second)
    assert pages[0] == pages[1], "apart from the nonce and the token, the page is the same"
    # The token on the cached page is real: the save goes through.
    data = form_data(second.get_data(as_text=True))
    data.update({"commentary-supervision-1": "Saved from a cached page", "action": "later"})
    assert police_staff.post(duty_url(rid), data=data).status_code == 302
    assert "Saved from a cached page" in police_staff.get(duty_url(rid)).get_data(as_text=True)


def test_form_tokens_are_never_shared_between_sessions(app: Flask, demo: Demo, police_staff: FlaskClient,
                                                       police_lead: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    mine = [csrf_token(police_staff.get(duty_url(rid)).get_data(as_text=True)) for _ in range(3)]
    theirs = csrf_token(police_lead.get(duty_url(rid)).get_data(as_text=True))
    assert app.extensions["survey_page_cache"].hits >= 2
    assert theirs not in mine
    # Another person's token, however recently signed, does not let a post through.
    data = form_data(police_staff.get(duty_url(rid)).get_data(as_text=True))
    data.update({"commentary-supervision-1": "Posted with someone else's token", "action": "later",
                 "csrf_token": theirs})
    assert police_staff.post(duty_url(rid), data=data).status_code == 400
    # Signing in again starts a new session with a new token; the old one no longer works.
    police_staff.post("/sign-out", data={"csrf_token": mine[-1]})
    again = client_for(app, "staff.police@demo.example")
    fresh = csrf_token(again.get(duty_url(rid)).get_data(as_text=True))
    assert fresh not in mine
    data["csrf_token"] = mine[-1]
    assert again.post(duty_url(rid), data=data).status_code == 400
    assert "Posted with someone else" not in again.get(duty_url(rid)).get_data(as_text=True)


def test_shows_what_a_colleague_saved_since(demo: Demo, police_staff: FlaskClient, police_lead: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    police_staff.get(duty_url(rid))
    police_staff.get(duty_url(rid))
    save(police_lead, rid, "Supervision audit done by the lead")
    assert "Supervision audit done by the lead" in police_staff.get(duty_url(rid)).get_data(as_text=True)


def test_shows_changes_made_anywhere_else(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    save(police_staff, rid, "Before")
    assert "Before" in police_staff.get(duty_url(rid)).get_data(as_text=True)
    # Whatever writes the answer (an offline workbook, retention, an administrator), the page follows the database.
    with app.app_context():
        db.session.execute(update(Answer).where(Answer.return_id == rid, Answer.statement_id == "supervision-1")
                           .values(commentary="Changed behind the page's back"))
        db.session.commit()
    html = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "Changed behind the page&#39;s back" in html or "Changed behind the page's back" in html
    assert ">Before<" not in html


def test_evidence_files_and_flash_messages_appear_once(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    police_staff.get(duty_url(rid))
    data: dict[str, object] = dict(form_data(police_staff.get(duty_url(rid)).get_data(as_text=True)))
    data.update({"evidence-supervision-1": (io.BytesIO(PDF), "policy.pdf"), "action": "later"})
    assert police_staff.post(duty_url(rid), data=data, content_type="multipart/form-data").status_code == 302
    assert "Your answers have been saved" in police_staff.get(f"/agency/returns/{rid}").get_data(as_text=True)
    assert "policy.pdf" in police_staff.get(duty_url(rid)).get_data(as_text=True)
    with app.app_context():
        file_id = db.session.scalar(select(EvidenceFile.id))
    form = form_data(police_staff.get(duty_url(rid)).get_data(as_text=True))
    form["duty_id"] = "supervision"
    removed = police_staff.post(f"/agency/returns/{rid}/evidence/{file_id}/remove", data=form)
    assert removed.headers["Location"].endswith(duty_url(rid))
    after = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "policy.pdf has been removed" in after
    again = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "has been removed" not in again and "policy.pdf" not in again


def test_each_person_sees_their_own_page(demo: Demo, police_staff: FlaskClient, police_lead: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    for _ in range(2):
        staff = police_staff.get(duty_url(rid)).get_data(as_text=True)
        lead = police_lead.get(duty_url(rid)).get_data(as_text=True)
        assert csrf_token(staff) != csrf_token(lead)
        staff_name = re.search(r'govuk-visually-hidden"> \(([^)]+)\)', staff)
        lead_name = re.search(r'govuk-visually-hidden"> \(([^)]+)\)', lead)
        assert staff_name and lead_name and staff_name.group(1) != lead_name.group(1)


def test_signed_out_or_removed_people_are_not_served(app: Flask, demo: Demo) -> None:
    rid = demo.return_id(POLICE)
    staff = client_for(app, "staff.police@demo.example")
    assert staff.get(duty_url(rid)).status_code == 200
    assert staff.get(duty_url(rid)).status_code == 200
    html = staff.get("/agency/").get_data(as_text=True)
    assert staff.post("/sign-out", data={"csrf_token": csrf_token(html)}).status_code == 302
    assert staff.get(duty_url(rid)).status_code == 302
    officer = client_for(app, "officer.police@demo.example")
    assert officer.get(duty_url(rid)).status_code == 200
    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.email == "officer.police@demo.example"))
        for role in db.session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == person_id)):
            db.session.delete(role)
        db.session.commit()
    assert officer.get(duty_url(rid)).status_code == 403


def test_the_cache_stays_within_its_size(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    cache = app.extensions["survey_page_cache"]
    for n in range(cache.size + 5):
        save(police_staff, rid, f"Version {n}")
        assert f"Version {n}" in police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert len(cache) <= cache.size


def test_a_return_shown_before_stays_its_own_agencys(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    # The second read of a return asks for its head and content together, before it knows whose it is.
    rid = demo.return_id(POLICE)
    save(police_staff, rid, "Police supervision arrangements")
    assert "Police supervision arrangements" in police_staff.get(duty_url(rid)).get_data(as_text=True)
    hospital = client_for(app, "staff.hospital@demo.example")
    for _ in range(2):
        response = hospital.get(duty_url(rid))
        assert response.status_code == 404
        assert "Police supervision arrangements" not in response.get_data(as_text=True)


def test_follows_the_questionnaire_the_round_holds(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    # A process remembers which questionnaire a return's round pinned, but only as a guess the head must confirm.
    rid = demo.return_id(POLICE)
    assert police_staff.get(duty_url(rid)).status_code == 200
    assert police_staff.get(duty_url(rid)).status_code == 200
    assert police_staff.get(f"/agency/returns/{rid}/duties/no-such-duty").status_code == 404
    with app.app_context():
        ret = db.session.get_one(Return, rid)
        other = db.session.scalar(select(DefinitionVersion.id).where(
            DefinitionVersion.id != ret.round.definition_version_id,
            DefinitionVersion.questionnaire_id != ret.round.definition_version.questionnaire_id))
        assert other is not None
        db.session.execute(update(Round).where(Round.id == ret.round_id).values(definition_version_id=other))
        db.session.commit()
    assert police_staff.get(duty_url(rid)).status_code == 404, "the page kept a questionnaire the round left"
