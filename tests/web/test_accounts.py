"""Accounts over HTTP: sign-in, sign-out that really ends the session, expiry mid-page, links by email."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from survey.extensions import db
from survey.models import Answer, Person, SignInSession
from tests.fixtures_demo import PASSWORD, Demo, sign_in

from .forms import csrf_token, errors, form_data


def test_sign_in_page_and_wrong_password(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    response = sign_in(client, "lead.police@demo.example", "wrong-password-123")
    assert response.status_code == 400
    assert errors(response.get_data(as_text=True)) == ["Enter a correct email address and password"]
    response = sign_in(client, "nobody@demo.example")
    assert response.status_code == 400
    assert errors(response.get_data(as_text=True)) == ["Enter a correct email address and password"]


def test_sign_in_form_errors(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"csrf_token": token, "email": "not-an-email", "password": ""})
    assert response.status_code == 400
    assert errors(response.get_data(as_text=True)) == [
        "Enter an email address in the correct format, like name@example.org", "Enter your password"]


def test_sign_in_lands_agency_people_on_their_returns(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    response = sign_in(client, "LEAD.Police@demo.example ")
    assert response.status_code == 302 and response.location == "/agency/"
    assert "Section 11 audit" in client.get("/agency/").get_data(as_text=True)


def test_sign_in_never_redirects_off_site(app: Flask, demo: Demo) -> None:
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        client = app.test_client()
        response = sign_in(client, "lead.police@demo.example", next_url=target)
        assert response.location == "/agency/", target


def test_pages_need_sign_in(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    rid = demo.return_id("Essex Police")
    for url in ("/agency/", f"/agency/returns/{rid}", f"/agency/returns/{rid}/check"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/sign-in?next=")


def test_replayed_cookie_after_sign_out_is_refused(app: Flask, police_lead: FlaskClient) -> None:
    cookie = police_lead.get_cookie("session")
    assert cookie is not None
    assert police_lead.get("/agency/").status_code == 200
    token = csrf_token(police_lead.get("/agency/").get_data(as_text=True))
    response = police_lead.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302 and response.location == "/sign-in"
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    replayed = thief.get("/agency/")
    assert replayed.status_code == 302 and replayed.location.startswith("/sign-in")


def test_sign_out_needs_csrf(police_lead: FlaskClient) -> None:
    assert police_lead.post("/sign-out").status_code == 400
    assert police_lead.get("/agency/").status_code == 200


def test_expired_session_mid_page_keeps_what_was_typed(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id("Essex Police")
    url = f"/agency/returns/{rid}/duties/supervision"
    page = police_staff.get(url).get_data(as_text=True)
    data = form_data(page)
    data["commentary-supervision-1"] = "A paragraph that took twenty minutes to write."
    data["rating-supervision-1"] = "4"
    data["action"] = "continue"
    with app.app_context():
        db.session.execute(update(SignInSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)))
        db.session.commit()
    response = police_staff.post(url, data=data)
    assert response.status_code == 302 and response.location.startswith("/sign-in?next=")
    assert "restore=" in response.location
    with app.app_context():
        assert db.session.scalar(select(Answer).where(Answer.statement_id == "supervision-1",
                                                      Answer.return_id == rid)) is None
    signed_in = police_staff.post(response.location, data={
        "csrf_token": csrf_token(police_staff.get(response.location).get_data(as_text=True)),
        "email": "staff.police@demo.example", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.location.startswith(url + "?restore=")
    restored = police_staff.get(signed_in.location).get_data(as_text=True)
    assert "We kept what you typed before you were signed out" in restored
    assert "A paragraph that took twenty minutes to write." in restored
    again = form_data(restored)
    assert again["rating-supervision-1"] == "4"
    again["action"] = "later"
    assert police_staff.post(url, data=again).status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(Answer).where(Answer.statement_id == "supervision-1",
                                                       Answer.return_id == rid))
        assert saved is not None and saved.commentary == "A paragraph that took twenty minutes to write."


def test_restore_token_is_personal(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id("Essex Police")
    url = f"/agency/returns/{rid}/duties/supervision"
    data = form_data(police_staff.get(url).get_data(as_text=True))
    data["commentary-supervision-1"] = "private draft"
    with app.app_context():
        db.session.execute(update(SignInSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)))
        db.session.commit()
    location = police_staff.post(url, data=data).location
    token = re.search(r"restore=([\w-]+)", location).group(1)
    other = app.test_client()
    sign_in(other, "lead.police@demo.example")
    page = other.get(f"{url}?restore={token}").get_data(as_text=True)
    assert "private draft" not in page and "We kept what you typed" not in page


def test_password_reset_by_email(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = csrf_token(client.get("/forgot-password").get_data(as_text=True))
    response = client.post("/forgot-password", data={"csrf_token": token, "email": "staff.cafcass@demo.example"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    response.close()  # as a WSGI server does once the response has gone: the reset email is sent then
    [message] = mailbox.to("staff.cafcass@demo.example")
    link = re.search(r"http://127.0.0.1:5000(/set-password/reset/\S+)", mailbox.body(message)).group(1)
    page = client.get(link)
    assert page.status_code == 200
    short = client.post(link, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                    "password": "short", "confirm": "short"})
    assert short.status_code == 400 and "Password must be 12 characters or more" in errors(short.get_data(as_text=True))
    done = client.post(link, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                   "password": "river-kettle-orange-42", "confirm": "river-kettle-orange-42"})
    assert done.status_code == 302 and done.location == "/sign-in"
    assert sign_in(app.test_client(), "staff.cafcass@demo.example", "river-kettle-orange-42").status_code == 302
    assert sign_in(app.test_client(), "staff.cafcass@demo.example").status_code == 400
    reused = client.get(link)
    assert reused.status_code == 400 and "already been used" in reused.get_data(as_text=True)


def test_every_link_sent_works_until_one_is_used(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = csrf_token(client.get("/forgot-password").get_data(as_text=True))
    for n in range(2):
        if n:
            time.sleep(1.1)  # a link's time stamp is to the second: the second link is then a different one
        client.post("/forgot-password", data={"csrf_token": token, "email": "staff.cafcass@demo.example"}).close()
    first, second = (re.search(r"http://127.0.0.1:5000(/set-password/reset/\S+)", mailbox.body(m)).group(1)
                     for m in mailbox.to("staff.cafcass@demo.example"))
    assert first != second
    assert client.get(first).status_code == 200, "the first email's link still works after a second was sent"
    page = client.get(second).get_data(as_text=True)
    done = client.post(second, data={"csrf_token": csrf_token(page), "password": "river-kettle-orange-42",
                                     "confirm": "river-kettle-orange-42"})
    assert done.status_code == 302
    used = client.get(first)
    assert used.status_code == 400 and "already been used" in used.get_data(as_text=True), "using one ends them all"


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = csrf_token(client.get("/forgot-password").get_data(as_text=True))
    response = client.post("/forgot-password", data={"csrf_token": token, "email": "nobody@demo.example"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    response.close()
    assert mailbox.messages == []
    with app.app_context():
        from survey.models import EmailMessage

        assert db.session.scalar(select(EmailMessage.id)) is None, "nothing queued either"


def test_tampered_and_unknown_links(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    assert client.get("/set-password/reset/not-a-token").status_code == 400
    assert client.get("/set-password/other/not-a-token").status_code == 404


def test_invitation_link_sets_first_password(app: Flask, demo: Demo) -> None:
    from survey.services import accounts

    with app.app_context():
        person = Person(email="new.lead@council.example", name="New Lead")
        db.session.add(person)
        db.session.flush()
        token = accounts.issue_link_token(db.session(), person, "invite", app.config["SECRET_KEY"])
        db.session.commit()
    client = app.test_client()
    page = client.get(f"/set-password/invite/{token}")
    assert page.status_code == 200 and "Create your password" in page.get_data(as_text=True)
    # A reset token cannot be used as an invitation and vice versa.
    assert client.get(f"/set-password/reset/{token}").status_code == 400
    done = client.post(f"/set-password/invite/{token}", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "password": "new lead password", "confirm": "x"})
    assert done.status_code == 400 and "The passwords do not match" in errors(done.get_data(as_text=True))


def test_sign_in_is_throttled_per_account_across_workers(app: Flask, demo: Demo) -> None:
    from survey import create_app

    # A second app on the same database stands in for another gunicorn worker: the counters are shared.
    other_worker = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY", "SMTP_HOST", "SMTP_PORT")},
                               "TESTING": True})
    statuses = []
    for attempt in range(12):
        client = (app if attempt % 2 else other_worker).test_client()
        statuses.append(sign_in(client, "lead.police@demo.example", f"guess-{attempt}-xxxx").status_code)
    assert statuses[:10] == [400] * 10 and statuses[10:] == [429, 429]
    blocked = sign_in(app.test_client(), "lead.police@demo.example")
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    assert sign_in(app.test_client(), "staff.police@demo.example").status_code == 302, "other accounts unaffected"
    elsewhere = _client_at(app, "10.20.30.40")
    assert sign_in(elsewhere, "lead.police@demo.example").status_code == 302, \
        "a guesser at one address cannot lock the owner out from another"


def _client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_slower_limit_per_account_from_anywhere(app: Flask, demo: Demo) -> None:
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT_ANYWHERE"] = "6 per hour"
    statuses = [sign_in(_client_at(app, f"10.0.0.{n}"), "lead.police@demo.example",
                        f"guess-{n}-xxxx").status_code for n in range(7)]
    assert statuses == [400] * 6 + [429], "many addresses guessing one account are slowed down too"


def test_successful_sign_ins_never_count_towards_a_limit(app: Flask, demo: Demo) -> None:
    app.config.update(SIGN_IN_LIMIT_PER_ADDRESS="3 per minute", SIGN_IN_LIMIT_PER_ACCOUNT="3 per minute")
    client = app.test_client()
    assert [sign_in(client, "lead.police@demo.example").status_code for _ in range(8)] == [302] * 8
    assert [sign_in(client, "lead.police@demo.example", "wrong-password-x").status_code for _ in range(4)] == [
        400, 400, 400, 429]


@pytest.mark.parametrize(("password", "message"), [
    ("eleven-char", "Password must be 12 characters or more"),
    ("password1234", "Password is too easy to guess. This is a very common password"),
    ("qwertyuiop12", "Password is too easy to guess. This is similar to a commonly used password"),
    ("1234567890ab", "Password is too easy to guess"),
    ("staffcafcass2026", "Password must not be made from your email address"),
])
def test_common_and_short_passwords_are_refused_with_the_reason(app: Flask, demo: Demo, mailbox, password: str,  # type: ignore[no-untyped-def]
                                                                message: str) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/forgot-password").get_data(as_text=True))
    client.post("/forgot-password", data={"csrf_token": token, "email": "staff.cafcass@demo.example"}).close()
    link = re.search(r"http://127.0.0.1:5000(/set-password/reset/\S+)",
                     mailbox.body(mailbox.to("staff.cafcass@demo.example")[0])).group(1)
    page = client.get(link).get_data(as_text=True)
    refused = client.post(link, data={"csrf_token": csrf_token(page), "password": password, "confirm": password})
    assert refused.status_code == 400 and errors(refused.get_data(as_text=True))[0].startswith(message)
    accepted = client.post(link, data={"csrf_token": csrf_token(page), "password": "lorry staple fig orchard",
                                       "confirm": "lorry staple fig orchard"})
    assert accepted.status_code == 302, "three or four unrelated words are fine"


def test_sign_in_is_throttled_per_address(app: Flask, demo: Demo) -> None:
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "5 per minute"
    client = app.test_client()
    statuses = [sign_in(client, f"nobody{i}@demo.example").status_code for i in range(6)]
    assert statuses == [400] * 5 + [429]


def _account_post(client: FlaskClient, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/account").get_data(as_text=True))
    return client.post("/account", data={"csrf_token": token, **fields})


def test_a_person_changes_their_own_email_only_from_the_new_address(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert sign_in(client, "staff.cafcass@demo.example").status_code == 302
    assert app.test_client().get("/account").status_code == 302, "signed-out people are sent to sign in"
    clash = _account_post(client, name="Cafcass Contributor", email="lead.police@demo.example")
    assert clash.status_code == 400
    assert errors(clash.get_data(as_text=True)) == ["lead.police@demo.example is already the email address of "
                                                    "someone else"]
    asked = _account_post(client, name="Cafcass Contributor", email="New.Address@Cafcass.example ")
    assert asked.status_code == 302
    assert "We have emailed a link to new.address@cafcass.example" in client.get("/account").get_data(as_text=True)
    [notice] = mailbox.to("staff.cafcass@demo.example")
    assert "new.address@cafcass.example" in mailbox.body(notice)
    [confirmation] = mailbox.to("new.address@cafcass.example")
    link = re.search(r"http://127.0.0.1:5000(/account/email/\S+)", mailbox.body(confirmation)).group(1)
    with app.app_context():
        assert accounts_email(app, "staff.cafcass@demo.example"), "nothing changes until the link is followed"
    stranger = app.test_client()
    page = stranger.get(link)
    assert page.status_code == 200 and "will change from staff.cafcass@demo.example" in page.get_data(as_text=True)
    assert accounts_email(app, "staff.cafcass@demo.example"), "opening the link changes nothing"
    done = stranger.post(link, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert done.status_code == 302 and done.location == "/sign-in"
    assert accounts_email(app, "new.address@cafcass.example")
    assert sign_in(app.test_client(), "new.address@cafcass.example").status_code == 302
    assert sign_in(app.test_client(), "staff.cafcass@demo.example").status_code == 400
    replayed = stranger.get(link)
    assert replayed.status_code == 400 and "already been used" in replayed.get_data(as_text=True)
    assert app.test_client().get("/account/email/forged-token").status_code == 400
    with app.app_context():
        from survey.models import AuditEvent

        changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.changed")
                                    .order_by(AuditEvent.id.desc()).limit(1))
        assert changed is not None and changed.new["email"] == "new.address@cafcass.example"
        assert changed.old["email"] == "staff.cafcass@demo.example"


def test_a_person_renames_themselves_at_once(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    assert sign_in(client, "staff.cafcass@demo.example").status_code == 302
    assert _account_post(client, name="  Kay   Contributor ", email="staff.cafcass@demo.example").status_code == 302
    assert "Kay Contributor" in client.get("/account").get_data(as_text=True)
    blank = _account_post(client, name=" ", email="staff.cafcass@demo.example")
    assert blank.status_code == 400 and errors(blank.get_data(as_text=True)) == ["Enter the person's name"]


def accounts_email(app: Flask, email: str) -> bool:
    """Whether an account has this email address now."""
    with app.app_context():
        return db.session.scalar(select(Person.id).where(Person.email == email)) is not None
