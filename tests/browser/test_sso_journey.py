"""Single sign-on in Chromium against a real OpenID provider on loopback (npm oidc-provider): an invited person
signs in; a stranger, a person from a tenant not on the partnership's allow-list and an unverified address are
refused; a tampered state, a replayed code and an ID token that expired on the way are refused too."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from flask import Flask, request
from sqlalchemy import func, select
from werkzeug.serving import make_server

from survey.extensions import db
from survey.models import AuditEvent, Partnership, SignInSession
from survey.services import sso_policy
from tests.browser.helpers import press, shot
from tests.fixtures_demo import PASSWORD, Demo
from tests.oidc_provider import SECRET, client, free_port, running_provider

pytestmark = pytest.mark.browser
TENANT = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
ACCOUNTS: dict[str, dict[str, object]] = {
    "lead": {"email": "lead.police@demo.example", "email_verified": True, "tid": TENANT, "name": "Police Lead"},
    "manager": {"email": "Manager@demo.example", "email_verified": True, "tid": TENANT},
    "stranger": {"email": "stranger@elsewhere.example", "email_verified": True, "tid": TENANT},
    "other-tenant": {"email": "lead.ccg@demo.example", "email_verified": True, "tid": OTHER_TENANT},
    "unverified": {"email": "lead.hospital@demo.example", "email_verified": False, "tid": TENANT},
}


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two providers: Entra-like (tenants checked), and a slow one whose ID tokens live one second."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    callback = f"{base}/sign-in/sso/{{}}/callback"
    with running_provider([client("survey", callback.format("work"))], ACCOUNTS) as work, \
            running_provider([client("survey-slow", callback.format("slow"))], ACCOUNTS, id_token_ttl=1,
                             token_delay_ms=2500) as slow:
        file = tmp_path_factory.mktemp("sso") / "providers.toml"
        file.write_text(f'''
[[provider]]
name = "work"
label = "Sign in with your work account"
issuer = "{work}"
client_id = "survey"
client_secret = "{SECRET}"
kind = "entra"

[[provider]]
name = "slow"
label = "Sign in with the slow provider"
issuer = "{slow}"
client_id = "survey-slow"
client_secret = "{SECRET}"
''', encoding="utf-8")
        yield {"port": port, "base": base, "file": str(file)}


@pytest.fixture
def app_overrides(sso: dict[str, Any]) -> dict[str, object]:
    """The app knows both providers, and its links (the redirect URI) name the port it is served on."""
    return {"SSO_PROVIDERS_FILE": sso["file"], "BASE_URL": sso["base"], "SSO_CLOCK_LEEWAY": 0}


@pytest.fixture
def hold(app: Flask) -> dict[str, Any]:
    """While `on`, the app keeps the provider's callback URLs (code and state) instead of acting on them, as
    someone reading the browser's traffic would."""
    held: dict[str, Any] = {"on": False, "urls": []}

    @app.before_request
    def _hold() -> Any:
        if held["on"] and request.path.endswith("/callback"):
            held["urls"].append(request.url)
            return "held"
        return None

    return held


@pytest.fixture
def served(app: Flask, demo: Demo, sso: dict[str, Any], hold: dict[str, Any]) -> Iterator[str]:
    """The demo on the port the providers send people back to; the demo partnership allows TENANT."""
    with app.app_context():
        partnership = db.session.scalar(select(Partnership))
        assert partnership is not None
        sso_policy.set_partnership_sso(db.session(), partnership, TENANT, False, True, None)
    server = make_server("127.0.0.1", sso["port"], app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield sso["base"]
    server.shutdown()
    thread.join(timeout=10)


def provider_sign_in(page, base: str, login: str, button: str = "Sign in with your work account") -> None:  # type: ignore[no-untyped-def]
    """From our sign-in page through the provider's login and consent pages, back to us."""
    page.goto(f"{base}/sign-in")
    with page.expect_navigation():
        page.get_by_role("link", name=button).click()
    if page.url.startswith(base):
        return  # the provider still knew the person (its own session) and sent them straight back
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign-in").click()
    if not page.url.startswith(base) and page.get_by_role("button", name="Continue").count():
        with page.expect_navigation(timeout=20000):
            page.get_by_role("button", name="Continue").click()


def sessions_of(app: Flask, method: str) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(SignInSession)
                                     .where(SignInSession.method == method)) or 0)


def test_an_invited_person_signs_in_and_a_manager_needs_no_second_code(app: Flask, served: str, browser,  # type: ignore[no-untyped-def]
                                                                      axe) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{served}/sign-in")
    axe.check(page)
    shot(page, "sign-in-sso")
    provider_sign_in(page, served, "lead")
    assert urlsplit(page.url).path == "/agency/"
    assert "Police Lead" in page.content() or "Police" in page.locator("h1").inner_text()
    assert sessions_of(app, "sso:work") == 1
    context.close()

    # A manager signed in by the provider reaches manager pages: the organisation's MFA stands in for ours.
    context = browser.new_context()
    page = context.new_page()
    provider_sign_in(page, served, "manager")
    assert urlsplit(page.url).path.startswith("/manager")
    assert "second factor" not in page.locator("h1").inner_text().lower()
    context.close()
    assert axe.problems == []


@pytest.mark.parametrize(("login", "words", "reason"), [
    ("stranger", "There is no account for stranger@elsewhere.example", "not invited"),
    ("other-tenant", "is not one this partnership accepts", "tenant not allowed"),
    ("unverified", "has not verified the email address", "email not verified"),
])
def test_people_the_partnership_cannot_accept_are_refused(app: Flask, served: str, browser, axe,  # type: ignore[no-untyped-def]
                                                         login: str, words: str, reason: str) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    provider_sign_in(page, served, login)
    assert "/callback" in page.url
    assert page.locator("h1").inner_text() == "You are not signed in"
    assert words in page.content()
    axe.check(page)
    page.goto(f"{served}/agency/")
    assert urlsplit(page.url).path == "/sign-in"  # nobody was signed in
    with app.app_context():
        refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.sso_refused")).all()
    assert [e.new["reason"] for e in refused if e.new] == [reason]
    assert sessions_of(app, "sso:work") == 0
    context.close()
    assert axe.problems == []


def captured_callback(page, base: str, login: str, hold: dict[str, Any]) -> str:  # type: ignore[no-untyped-def]
    """Go through the provider, but keep the callback (code and state) unused: its URL is returned."""
    hold["on"] = True
    try:
        provider_sign_in(page, base, login)
    finally:
        hold["on"] = False
    assert hold["urls"], "the provider never sent the browser back"
    return str(hold["urls"].pop())


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_tampered_state_and_a_replayed_code_are_refused(app: Flask, served: str, hold: dict[str, Any],  # type: ignore[no-untyped-def]
                                                          browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    callback = captured_callback(page, served, "lead", hold)
    page.goto(with_query(callback, state="forged-state-value"))
    assert page.locator("h1").inner_text() == "You are not signed in"
    assert "could not be completed" in page.content()
    assert sessions_of(app, "sso:work") == 0

    # The real response works once; the same code and state again (a replayed link) are refused.
    callback = captured_callback(page, served, "lead", hold)
    page.goto(callback)
    assert urlsplit(page.url).path == "/agency/"
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.goto(callback)
    assert page.locator("h1").inner_text() == "You are not signed in"
    assert sessions_of(app, "sso:work") == 1

    # Replayed in another browser (a stolen link): no state there, so no sign-in.
    other = browser.new_context().new_page()
    other.goto(callback)
    assert other.locator("h1").inner_text() == "You are not signed in"
    assert sessions_of(app, "sso:work") == 1
    context.close()


def test_an_id_token_that_expired_on_the_way_is_refused(app: Flask, served: str, browser,  # type: ignore[no-untyped-def]
                                                        caplog: pytest.LogCaptureFixture) -> None:
    page = browser.new_context().new_page()
    provider_sign_in(page, served, "lead", button="Sign in with the slow provider")
    assert page.locator("h1").inner_text() == "You are not signed in"
    assert sessions_of(app, "sso:slow") == 0
    assert any("expired" in record.getMessage() for record in caplog.records if record.name == "survey.sso")


def test_a_partnership_that_requires_sso_refuses_the_password(app: Flask, served: str, browser) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        partnership = db.session.scalar(select(Partnership))
        assert partnership is not None
        sso_policy.set_partnership_sso(db.session(), partnership, TENANT, True, True, None)
    page = browser.new_context().new_page()
    page.goto(f"{served}/sign-in")
    page.get_by_label("Email address").fill("lead.police@demo.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")
    assert "use the single sign-on button" in page.content()
    provider_sign_in(page, served, "lead")
    assert urlsplit(page.url).path == "/agency/"
