"""The second factor over HTTP: the code step after the password, codes used once, recovery codes, the set-up,
the requirement for administrators, managers and chairs, and the administrator's reset."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, Person, SignInSession
from tests.authenticator import codes_for
from tests.fixtures_demo import PASSWORD, Demo, client_for, enter_code, set_up_second_factor, sign_in
from tests.web.forms import csrf_token

MANAGER = "manager@demo.example"
LEAD = "lead.police@demo.example"


def password_step(client: FlaskClient, email: str) -> object:
    page = client.get("/sign-in").get_data(as_text=True)
    return client.post("/sign-in", data={"csrf_token": csrf_token(page), "email": email, "password": PASSWORD})


def post_code(client: FlaskClient, code: str) -> object:
    page = client.get("/sign-in/code").get_data(as_text=True)
    return client.post("/sign-in/code", data={"csrf_token": csrf_token(page), "code": code})


def sessions_of(app: Flask, email: str) -> int:
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == email))
        assert person is not None
        return len(db.session.scalars(select(SignInSession).where(SignInSession.person_id == person.id)).all())


def test_the_password_alone_signs_nobody_in(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    response = password_step(client, MANAGER)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/code"  # type: ignore[attr-defined]
    assert sessions_of(app, MANAGER) == 0, "no sign-in session before the code"
    assert client.get("/manager/").headers["Location"].startswith("/sign-in")
    page = client.get("/sign-in/code").get_data(as_text=True)
    assert "Enter your code" in page
    done = post_code(client, next(codes_for(MANAGER)))
    assert done.status_code == 302 and done.headers["Location"] == "/manager/"  # type: ignore[attr-defined]
    assert client.get("/manager/").status_code == 200
    assert sessions_of(app, MANAGER) == 1


def test_a_wrong_code_is_refused_and_a_code_works_once(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    password_step(client, MANAGER)
    code = next(codes_for(MANAGER))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = post_code(client, wrong)
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "That code is not right" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert post_code(client, "not a code").status_code == 400  # type: ignore[attr-defined]
    assert post_code(client, code).status_code == 302  # type: ignore[attr-defined]
    # Someone who saw the code (over a shoulder, or in a replayed request) cannot use it again.
    other = app.test_client()
    password_step(other, MANAGER)
    again = post_code(other, code)
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "has been used already" in again.get_data(as_text=True)  # type: ignore[attr-defined]
    assert sessions_of(app, MANAGER) == 1


def test_the_code_step_is_used_up_and_runs_out(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    password_step(client, MANAGER)
    assert post_code(client, next(codes_for(MANAGER))).status_code == 302  # type: ignore[attr-defined]
    # The signed-in cookie holds no pending step any more: the code page sends the person to sign in.
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"
    late = app.test_client()
    password_step(late, MANAGER)
    with late.session_transaction() as cookie:
        cookie["pending_sign_in"] = {**cookie["pending_sign_in"], "at": int(time.time()) - 301}
    response = late.get("/sign-in/code")
    assert response.headers["Location"] == "/sign-in"
    assert "within five minutes" in late.get("/sign-in").get_data(as_text=True)
    # Without the password step there is nothing to enter a code for.
    assert app.test_client().post("/sign-in/code", data={"code": "123456"}).status_code in (302, 400)


def test_wrong_codes_are_throttled(app: Flask, demo: Demo) -> None:
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 10 minutes"
    client = app.test_client()
    password_step(client, MANAGER)
    code = next(codes_for(MANAGER))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert [post_code(client, wrong).status_code for _ in range(3)] == [400, 400, 400]  # type: ignore[attr-defined]
    assert post_code(client, code).status_code == 429  # type: ignore[attr-defined]


def _recovery_codes(page: str) -> list[str]:
    return re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", page)


def test_agency_staff_may_set_one_up_and_use_each_recovery_code_once(app: Flask, demo: Demo) -> None:
    lead = client_for(app, LEAD)
    assert lead.get("/agency/").status_code == 200, "agency staff are not made to set one up"
    page = lead.get("/account/second-factor").get_data(as_text=True)
    assert "Set up a second factor" in page and "<svg" in page and "otpauth" not in page.split("<svg")[0]
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")  # type: ignore[union-attr]
    wrong = lead.post("/account/second-factor", data={"csrf_token": csrf_token(page), "code": "000000"})
    assert wrong.status_code == 400 and "does not match" in wrong.get_data(as_text=True)
    again = lead.get("/account/second-factor").get_data(as_text=True)
    assert secret in again.replace(" ", ""), "the secret already scanned stays while setting up"
    shown = lead.post("/account/second-factor", data={"csrf_token": csrf_token(again),
                                                      "code": next(codes_for(LEAD, secret))})
    codes = _recovery_codes(shown.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == LEAD))
        assert person is not None and person.totp_enabled_at is not None
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "person.second_factor_set_up", AuditEvent.person_id == person.id))

    fresh = app.test_client()
    assert password_step(fresh, LEAD).headers["Location"] == "/sign-in/code"  # type: ignore[attr-defined]
    used = post_code(fresh, codes[0].upper().replace("-", " "))  # typed as people do
    assert used.status_code == 302  # type: ignore[attr-defined]
    assert "9 of them are left" in fresh.get("/agency/").get_data(as_text=True)
    twice = app.test_client()
    password_step(twice, LEAD)
    refused = post_code(twice, codes[0])
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "has been used already" in refused.get_data(as_text=True)  # type: ignore[attr-defined]

    # New recovery codes replace the old ones, used or not.
    status = fresh.get("/account/second-factor").get_data(as_text=True)
    assert "9 unused recovery codes" in status
    renewed = _recovery_codes(fresh.post("/account/second-factor", data={
        "csrf_token": csrf_token(status), "action": "new-codes"}).get_data(as_text=True))
    assert len(renewed) == 10 and not set(renewed) & set(codes)
    old = app.test_client()
    password_step(old, LEAD)
    assert post_code(old, codes[1]).status_code == 400  # type: ignore[attr-defined]


def test_a_manager_without_one_sets_it_up_before_any_manager_page(app: Flask, demo: Demo) -> None:
    admin = client_for(app, "admin@demo.example")
    with app.app_context():
        manager_id = db.session.scalar(select(Person.id).where(Person.email == MANAGER))
    manager = client_for(app, MANAGER)
    page = admin.get(f"/admin/people/{manager_id}").get_data(as_text=True)
    assert "Reset the second factor" in page
    reset = admin.post(f"/admin/people/{manager_id}/second-factor/reset", data={"csrf_token": csrf_token(page)})
    assert reset.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.second_factor_reset"))
        assert event is not None and event.object_id == str(manager_id)
    # The reset ends the manager's sessions; signing in again needs the password only, then the set-up.
    assert manager.get("/manager/").headers["Location"].startswith("/sign-in")
    again = app.test_client()
    assert sign_in(again, MANAGER).headers["Location"] == "/manager/"  # type: ignore[attr-defined]
    for page_url in ("/manager/", "/manager/agencies"):
        response = again.get(page_url)
        assert response.headers["Location"] == f"/account/second-factor?next={page_url}", page_url
    told = again.get(response.headers["Location"]).get_data(as_text=True)
    assert "Set up a second factor before you continue" in told
    set_up_second_factor(again, MANAGER)
    assert again.get("/manager/agencies").status_code == 200


@pytest.mark.parametrize("email", ["chair@demo.example", "admin@demo.example"])
def test_chairs_and_administrators_must_have_one_too(app: Flask, demo: Demo, email: str) -> None:
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == email))
        assert person is not None
        person.totp_secret = person.totp_enabled_at = None
        db.session.commit()
    client = client_for(app, email)
    home = "/chair/" if email.startswith("chair") else "/admin/"
    assert client.get(home).headers["Location"].startswith("/account/second-factor")
    assert client.get("/account").status_code == 200, "their own account page stays open"


def test_the_demo_prints_codes_for_its_board_accounts_only(app: Flask, demo: Demo, runner, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from survey.cli import main

    result = runner.invoke(main, ["demo-code", MANAGER], env={"SURVEY_DATABASE_URL": db_url})
    assert result.exit_code == 0 and re.fullmatch(r"\d{6}\n", result.output), result.output
    client = app.test_client()
    password_step(client, MANAGER)
    assert enter_code(client, MANAGER).status_code == 302  # type: ignore[attr-defined]
    refused = runner.invoke(main, ["demo-code", LEAD], env={"SURVEY_DATABASE_URL": db_url})
    assert refused.exit_code != 0 and "not a demo account with a second factor" in refused.output


def test_wrong_codes_from_many_addresses_are_held_to_the_accounts_limit(app: Flask, demo: Demo) -> None:
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT_ANYWHERE"] = "4 per hour"
    code = next(codes_for(MANAGER))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = []
    for n in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        password_step(client, MANAGER)
        statuses += [post_code(client, wrong).status_code for _ in range(2)]  # type: ignore[attr-defined]
    assert statuses[:4] == [400, 400, 400, 400] and statuses[4:] == [429, 429]
