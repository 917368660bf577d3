"""Nothing leaked: every route for every role, CSRF on every form post, headers, cookies, stored XSS."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Base, EvidenceFile
from tests.fixtures_demo import Demo, sign_in
from tests.web.forms import form_data

ROLES = {
    "anonymous": None,
    "contributor A": "staff.police@demo.example",
    "lead A": "lead.police@demo.example",
    "contributor B": "staff.ccg@demo.example",
    "manager": "manager@demo.example",
    "chair": "chair@demo.example",
    "admin": "admin@demo.example",
}
AGENCY_A = ("contributor A", "lead A")

# Expected status of GET per endpoint and role. Every endpoint in app.url_map must be listed here, so a new
# route cannot ship without deciding who may see it.
PUBLIC = dict.fromkeys(ROLES, 200)
AGENCY_PAGE = {"anonymous": 302, "contributor A": 200, "lead A": 200, "contributor B": 404, "manager": 403,
               "chair": 403, "admin": 403}
GET_EXPECTED: dict[str, dict[str, int]] = {
    "main.home": PUBLIC, "main.questionnaire": PUBLIC, "main.accessibility": PUBLIC, "main.health": PUBLIC,
    "main.live": PUBLIC,
    "assets_file": PUBLIC, "static": PUBLIC,
    "auth.sign_in": PUBLIC, "auth.forgot_password": PUBLIC,
    "auth.set_password": dict.fromkeys(ROLES, 400),
    "auth.account": {**dict.fromkeys(ROLES, 200), "anonymous": 302},
    "auth.second_factor": {**dict.fromkeys(ROLES, 200), "anonymous": 302},
    "auth.sign_in_code": dict.fromkeys(ROLES, 302),  # no password given just now: back to signing in
    "auth.confirm_email": dict.fromkeys(ROLES, 400),
    # No single sign-on provider is configured here (tests/browser/test_sso_journey.py runs a real one).
    "auth.sso_start": dict.fromkeys(ROLES, 404), "auth.sso_callback": dict.fromkeys(ROLES, 404),
    "agency.home": {**AGENCY_PAGE, "contributor B": 200},
    "agency.task_list": AGENCY_PAGE, "agency.duty_page": AGENCY_PAGE, "agency.check_answers": AGENCY_PAGE,
    "agency.print_view": AGENCY_PAGE, "agency.evidence_file": AGENCY_PAGE,
    "agency.submit": {**AGENCY_PAGE, "contributor A": 403, "lead A": 302},  # incomplete: back to check answers
    "agency.submitted": {**AGENCY_PAGE, "contributor A": 302, "lead A": 302},  # not submitted yet
    "agency.conflict": {**AGENCY_PAGE, "contributor A": 302, "lead A": 302},  # nothing waits: back to the duty
    "agency.challenge": AGENCY_PAGE, "agency.action_progress": AGENCY_PAGE, "agency.report": AGENCY_PAGE,
    "agency.report_pdf": AGENCY_PAGE, "agency.return_workbook": AGENCY_PAGE, "agency.import_workbook": AGENCY_PAGE,
    "agency.action_plan": {**AGENCY_PAGE, "contributor B": 200},
    # Agency A serves no other board here (tests/web/test_shared_returns.py has one that does).
    "agency.other_boards_page": {**AGENCY_PAGE, "contributor A": 404, "lead A": 404},
}
MANAGER_PAGE = {"anonymous": 302, "contributor A": 403, "lead A": 403, "contributor B": 403, "manager": 200,
                "chair": 403, "admin": 403}
GET_EXPECTED.update(dict.fromkeys(["manager.home", "manager.new_round", "manager.dashboard", "manager.dashboard_csv",
                                   "manager.open_round", "manager.close_round", "manager.reopen_round",
                                   "manager.remind",
                                   "manager.round_audit", "manager.return_audit", "manager.reopen", "manager.extend",
                                   "manager.agency_list", "manager.new_agency", "manager.agency_page",
                                   "manager.change_agency", "manager.directory_changes", "manager.add_person",
                                   "manager.change_person",
                                   "manager.import_directory", "manager.results", "manager.grading",
                                   "manager.grading_csv", "manager.board_workbook", "manager.board_paper",
                                   "manager.moderate",
                                   "manager.challenge", "manager.round_challenges", "manager.areas",
                                   "manager.new_action", "manager.change_action", "manager.action_progress",
                                   "manager.round_actions",
                                   "manager.round_challenges_csv", "manager.report", "manager.report_pdf",
                                   "manager.return_workbook", "manager.import_workbook", "manager.commentary",
                                   "manager.round_emails", "manager.board_emails"],
                                  MANAGER_PAGE))
# A board's own questionnaires: its managers, and the administrator for every board.
GET_EXPECTED.update(dict.fromkeys(["questionnaires.upload", "questionnaires.preview"], {**MANAGER_PAGE, "admin": 200}))
# No proposal to run a round jointly is addressed to the demo's only partnership.
GET_EXPECTED["manager.joint_proposal"] = {**MANAGER_PAGE, "manager": 404}
CHAIR_PAGE = {"anonymous": 302, "contributor A": 403, "lead A": 403, "contributor B": 403, "manager": 403,
              "chair": 200, "admin": 403}
GET_EXPECTED["chair.home"] = CHAIR_PAGE
# The open round's results are not published, so the chair finds nothing there yet.
ADMIN_PAGE = {**CHAIR_PAGE, "chair": 403, "admin": 200}
GET_EXPECTED.update(dict.fromkeys(["admin.people", "admin.person", "admin.export", "admin.partnerships",
                                   "admin.new_partnership", "admin.partnership", "admin.rename_partnership",
                                   "admin.account", "admin.partnership_sign_in"],
                                  ADMIN_PAGE))
# Areas and actions belong to the closed round, which the chair can see.
GET_EXPECTED.update(dict.fromkeys(["chair.change_area", "chair.new_action", "chair.change_action",
                                   "chair.action_progress"], CHAIR_PAGE))
GET_EXPECTED.update(dict.fromkeys(["chair.results", "chair.board_workbook", "chair.board_paper", "chair.grading",
                                   "chair.areas",
                                   "chair.new_area"],
                                  {**CHAIR_PAGE, "chair": 404}))
POST_ONLY = {"admin.erase", "admin.remove_board_role", "admin.administrator", "admin.account_active",
             "manager.challenge_action", "manager.moderate_statement", "manager.raise_challenge",
             "manager.publish", "auth.sign_out", "agency.autosave", "agency.remove_evidence", "manager.agency_active",
             "manager.person_action", "admin.reset_second_factor", "agency.tell_leads",
             "manager.withdraw_publication", "agency.carry_forward_return", "questionnaires.publish",
             "questionnaires.discard"}


@pytest.fixture
def world(app: Flask, demo: Demo) -> dict[str, object]:
    """The demo with one evidence file in agency A's return, and a client per role."""
    rid = demo.return_id("Essex Police")
    clients: dict[str, FlaskClient] = {}
    for role, email in ROLES.items():
        client = app.test_client()
        if email:
            assert sign_in(client, email).status_code == 302
        clients[role] = client
    lead = clients["lead A"]
    data: dict[str, object] = dict(form_data(lead.get(f"/agency/returns/{rid}/duties/supervision").get_data(
        as_text=True)))
    data.update({"evidence-supervision-1": (io.BytesIO(b"%PDF-1.7\n%%EOF\n"), "a.pdf"), "action": "later"})
    assert lead.post(f"/agency/returns/{rid}/duties/supervision", data=data,
                     content_type="multipart/form-data").status_code == 302
    with app.app_context():
        file_id = db.session.scalar(select(EvidenceFile.id))
    with app.app_context():
        from survey.models import Round, RoundState

        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
    with app.app_context():
        from survey.models import Agency, Person

        agency_id = db.session.scalar(select(Agency.id).where(Agency.name == "Essex Police"))
        person_id = db.session.scalar(select(Person.id).where(Person.email == "staff.police@demo.example"))
        from survey.models import Partnership

        partnership_id = db.session.scalar(select(Partnership.id))
    with app.app_context():
        from survey.models import Challenge, ChallengeMessage

        challenge = Challenge(return_id=rid, statement_id="supervision-1")
        challenge.messages.append(ChallengeMessage(body="Why?"))
        db.session.add(challenge)
        db.session.commit()
        challenge_id = challenge.id
        from survey.models import AreaAction, DevelopmentArea

        closed = db.session.scalar(select(Round.id).where(Round.state == RoundState.CLOSED))
        area = DevelopmentArea(round_id=closed, title="Area", statement_ids=["strategic-plan-1"])
        area.actions.append(AreaAction(what="Do", owner_name="Someone", due_on=dt.date.today()))
        db.session.add(area)
        db.session.commit()
        area_id, action_id = area.id, area.actions[0].id
        from survey.models import AgencyAction, Return

        agency_action = AgencyAction(agency_id=db.session.get(Return, rid).agency_id, round_id=round_id,
                                     return_id=rid, statement_id="supervision-1", source="rating", what="Do")
        db.session.add(agency_action)
        db.session.commit()
        agency_action_id = agency_action.id
    with app.app_context():
        from survey.services import board_questionnaires

        draft = board_questionnaires.upload(db.session(), partnership_id, "ours.csv",
                                            b"section,duty,text\nS,D,A statement\n", "Ours", [], None)
        board_questionnaire_id = draft.id
    values = {"board_questionnaire_id": board_questionnaire_id, "agency_action_id": agency_action_id,
              "area_id": area_id, "action_id": action_id,
              "challenge_id": challenge_id,
              "statement_id": "supervision-1", "agency_id": agency_id,
              "person_id": person_id, "action": "deactivate",
              "round_id": round_id, "return_id": rid, "duty_id": "supervision", "file_id": file_id,
              "questionnaire_id": "section-11-audit", "purpose": "reset", "token": "not-a-real-token",
              "partnership_id": partnership_id, "role": "manager", "name": "no-such-provider",
              "filename": "app.css", "joint_id": 999999}
    return {"clients": clients, "values": values, "rid": rid}


def url_for_rule(rule: object, values: dict[str, object]) -> str:
    path = str(rule.rule)  # type: ignore[attr-defined]
    for name in rule.arguments - set(rule.defaults or ()):  # type: ignore[attr-defined]
        value = values[name]
        if rule.endpoint == "assets_file":  # type: ignore[attr-defined]
            value = "govuk-frontend.min.css"
        path = re.sub(rf"<any\([^)]*\):{name}>", str(value), path)
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<path:{name}>", str(value)).replace(
            f"<{name}>", str(value))
    return path


def test_every_route_for_every_role(app: Flask, world: dict[str, object]) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(GET_EXPECTED) | POST_ONLY, "every route needs an expectation in this test"
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = url_for_rule(rule, world["values"])  # type: ignore[arg-type]
        for role, client in world["clients"].items():  # type: ignore[attr-defined]
            with client.get(url) as response:
                expected = GET_EXPECTED[rule.endpoint][role]
                assert response.status_code == expected, f"{role} GET {url}: {response.status_code}, not {expected}"
                if response.status_code == 302 and role == "anonymous" and rule.endpoint.startswith("agency."):
                    assert response.location.startswith("/sign-in?next=")
                checked += 1
    assert checked >= 17 * len(ROLES)


def test_foreign_agency_data_never_appears(app: Flask, world: dict[str, object]) -> None:
    client = world["clients"]["contributor B"]  # type: ignore[index]
    home = client.get("/agency/").get_data(as_text=True)
    assert "Essex Police" not in home and f"/agency/returns/{world['rid']}" not in home


@pytest.mark.parametrize("role", ["anonymous", "lead A"])
def test_every_post_without_csrf_is_400(app: Flask, world: dict[str, object], role: str) -> None:
    client = world["clients"][role]  # type: ignore[index]
    posts = [rule for rule in app.url_map.iter_rules() if rule.methods - {"GET", "HEAD", "OPTIONS"}]
    assert len(posts) >= 8
    for rule in posts:
        url = url_for_rule(rule, world["values"])  # type: ignore[arg-type]
        response = client.post(url, data={"email": "lead.police@demo.example", "password": "x"})
        assert response.status_code == 400, f"{role} POST {url} without a CSRF token: {response.status_code}"


def _snapshot(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    with app.app_context():
        out = {}
        for table in Base.metadata.sorted_tables:
            if table.name == "sign_in_session":  # touched (last seen) at most once a minute by design
                continue
            rows = db.session.execute(select(table))
            out[table.name] = sorted(map(tuple, rows), key=repr)
        return out


def test_no_get_changes_data(app: Flask, world: dict[str, object]) -> None:
    before = _snapshot(app)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = url_for_rule(rule, world["values"])  # type: ignore[arg-type]
        for client in world["clients"].values():  # type: ignore[attr-defined]
            client.get(url).close()
    assert _snapshot(app) == before


@pytest.mark.parametrize("url", ["/", "/sign-in", "/agency/", "/nope", "/assets/govuk-frontend.min.css"])
def test_security_headers_everywhere(world: dict[str, object], url: str) -> None:
    with world["clients"]["lead A"].get(url) as response:  # type: ignore[index]
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert len(headers["X-Request-ID"]) >= 8
        if not url.startswith("/assets/"):
            assert headers["Cache-Control"] == "no-store"


def test_inline_script_carries_the_nonce(world: dict[str, object]) -> None:
    response = world["clients"]["anonymous"].get("/")  # type: ignore[index]
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)


def test_request_id_is_passed_through_when_sane(world: dict[str, object]) -> None:
    client = world["clients"]["anonymous"]  # type: ignore[index]
    assert client.get("/", headers={"X-Request-ID": "proxy-id-12345"}).headers["X-Request-ID"] == "proxy-id-12345"
    assert client.get("/", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"] != "bad id <script>"


def test_session_cookie_flags(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    response = sign_in(client, "lead.police@demo.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    from survey import create_app

    production = create_app({"ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32),
                             "BASE_URL": "https://board.example.org", "DATABASE_URL": app.config["DATABASE_URL"]})
    assert production.config["SESSION_COOKIE_SECURE"] is True


PAYLOADS = ['<script>alert("xss")</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
            "<svg/onload=alert(1)>", "{{ 7*7 }}"]


def test_stored_xss_renders_inert(app: Flask, demo: Demo, world: dict[str, object]) -> None:
    rid = world["rid"]
    lead = world["clients"]["lead A"]  # type: ignore[index]
    url = f"/agency/returns/{rid}/duties/supervision"
    data = form_data(lead.get(url).get_data(as_text=True))
    for i, payload in enumerate(PAYLOADS):
        data["commentary-supervision-1"] = payload
        data["notes-supervision-1"] = payload
        data["rating-supervision-2"] = "1"
        data["what-supervision-2"] = payload
        data["who-supervision-2"] = payload[:200]
        data.update({"by-supervision-2-day": "1", "by-supervision-2-month": "1",
                     "by-supervision-2-year": str(dt.date.today().year + 2), "action": "later"})
        assert lead.post(url, data=data).status_code == 302, payload
        data = form_data(lead.get(url).get_data(as_text=True))
        assert data["commentary-supervision-1"] == payload, "the text is kept exactly"
        for page in (url, f"/agency/returns/{rid}/check", f"/agency/returns/{rid}/print",
                     f"/agency/returns/{rid}"):
            html = lead.get(page).get_data(as_text=True)
            if payload.startswith(("<", '"')):
                assert payload not in html, f"payload {i} rendered raw on {page}"
            if payload == "{{ 7*7 }}" and page != f"/agency/returns/{rid}":
                assert "{{ 7*7 }}" in html, f"text that looks like a template is shown, not evaluated, on {page}"
    with app.app_context():
        stored = db.session.scalar(select(Answer.commentary).where(Answer.statement_id == "supervision-1",
                                                                   Answer.return_id == rid))
        assert stored == PAYLOADS[-1]


def test_stored_xss_in_agency_and_person_names_renders_inert(app: Flask, demo: Demo,
                                                             world: dict[str, object]) -> None:
    client = world["clients"]["manager"]  # type: ignore[index]
    police = world["values"]["agency_id"]  # type: ignore[index]
    for i, payload in enumerate(PAYLOADS):
        data = form_data(client.get("/manager/agencies/new").get_data(as_text=True))
        created = client.post("/manager/agencies/new", data={**data, "name": f"{payload} {i}", "kind": payload[:60]})
        assert created.status_code == 302, payload
        data = form_data(client.get(f"/manager/agencies/{police}/people/new").get_data(as_text=True))
        added = client.post(f"/manager/agencies/{police}/people/new",
                            data={**data, "name": payload, "email": f"x{i}@example.org", "role": "contributor"})
        assert added.status_code == 302, payload
        for page in ("/manager/agencies", created.location, f"/manager/agencies/{police}", "/manager/rounds/new"):
            html = client.get(page).get_data(as_text=True)
            if payload.startswith(("<", '"')):
                assert payload not in html, f"payload {i} rendered raw on {page}"


def test_stored_xss_in_partnership_and_board_names_renders_inert(app: Flask, demo: Demo,
                                                                 world: dict[str, object]) -> None:
    client = world["clients"]["admin"]  # type: ignore[index]
    for i, payload in enumerate(PAYLOADS):
        data = form_data(client.get("/admin/partnerships/new").get_data(as_text=True))
        created = client.post("/admin/partnerships/new", data={**data, "name": f"{payload} {i}", "slug": f"p-{i}"})
        assert created.status_code == 302, payload
        data = form_data(client.get(created.location).get_data(as_text=True))
        added = client.post(created.location,
                            data={**data, "name": payload, "email": f"board{i}@example.org", "role": "manager"})
        assert added.status_code == 302, payload
        with app.app_context():
            from survey.models import Person

            board_person = db.session.scalar(select(Person.id).where(Person.email == f"board{i}@example.org"))
        renamed = client.post(f"{created.location}/name", data={**data, "name": f"{payload} renamed {i}"})
        assert renamed.status_code == 302, payload
        for page in ("/admin/partnerships", created.location, f"{created.location}/name",
                     f"/admin/people/{board_person}", f"/admin/?q=board{i}"):
            html = client.get(page).get_data(as_text=True)
            if payload.startswith(("<", '"')):
                assert payload not in html, f"payload {i} rendered raw on {page}"
