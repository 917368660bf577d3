"""Links in emails come from SURVEY_BASE_URL whatever Host the request names; production refuses other hosts."""

from __future__ import annotations

import re
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey import create_app
from tests.fixtures_demo import Demo, sign_in

from .forms import csrf_token, form_data

BOARD = "https://board.example.org"


class HostClient(FlaskClient):
    """A test client whose every request goes to one scheme and host (the test client's own is localhost)."""

    base = "http://localhost"

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Send the request to this client's address unless it names one."""
        kwargs.setdefault("base_url", self.base)
        # As a browser does: over https, CSRF protection also checks that a POST comes from this site.
        kwargs["headers"] = {"Referer": f"{self.base}/", **dict(kwargs.get("headers") or {})}
        return super().open(*args, **kwargs)


def host_client(app: Flask, base: str) -> FlaskClient:
    """A client of `app` whose requests all go to `base`."""
    app.test_client_class = type("Client", (HostClient,), {"base": base})
    return app.test_client()


def _reset_link(client, mailbox, headers: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/forgot-password", headers=headers).get_data(as_text=True))
    response = client.post("/forgot-password", headers=headers,
                           data={"csrf_token": token, "email": "staff.cafcass@demo.example"})
    assert response.status_code == 200
    response.close()  # the reset email is sent once the response has gone
    [message] = mailbox.to("staff.cafcass@demo.example")
    return str(re.search(r"\S+/set-password/reset/\S+", mailbox.body(message)).group(0))


@pytest.mark.parametrize("headers", [{"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"},
                                     {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
                                      "X-Forwarded-Proto": "http"}])
def test_reset_link_ignores_the_host_a_request_names(app: Flask, demo: Demo, mailbox, headers) -> None:  # type: ignore[no-untyped-def]
    behind_proxy = create_app({**app.config, "BASE_URL": BOARD, "PROXY_COUNT": 1})
    link = _reset_link(behind_proxy.test_client(), mailbox, headers)
    assert link.startswith(f"{BOARD}/set-password/reset/"), link
    assert "evil" not in link


def test_submission_confirmation_links_come_from_the_base_url(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_agency_returns import POLICE, complete_return

    configured = create_app({**app.config, "BASE_URL": BOARD})
    lead = host_client(configured, "http://evil.example")
    assert sign_in(lead, "lead.police@demo.example").status_code == 302  # type: ignore[attr-defined]
    rid = demo.return_id(POLICE)
    complete_return(lead, rid)
    data = form_data(lead.get(f"/agency/returns/{rid}/submit").get_data(as_text=True))
    assert lead.post(f"/agency/returns/{rid}/submit", data={**data, "confirm": "y"}).status_code == 302
    [message] = mailbox.to("lead.police@demo.example")
    assert f"A printable copy: {BOARD}/agency/returns/{rid}/print" in mailbox.body(message)
    assert "evil" not in mailbox.body(message)


def _production(app: Flask, **extra: object) -> Flask:
    return create_app({**app.config, "TESTING": True, "ENV": "production", "BASE_URL": BOARD,
                       "SECRET_KEY": secrets.token_urlsafe(32), **extra})


def test_production_refuses_requests_for_other_hosts(app: Flask, demo: Demo) -> None:
    production = _production(app)
    client = production.test_client()
    assert client.get("/", base_url="https://evil.example").status_code == 400
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", base_url=BOARD).status_code == 200
    assert client.get("/", base_url="https://board.example.org:8443").status_code == 200  # the port is not checked
    also = _production(app, TRUSTED_HOSTS="10.0.0.5, probe.internal")
    assert also.test_client().get("/livez", base_url="http://10.0.0.5").status_code == 200
    assert also.test_client().get("/livez", base_url="http://other.internal").status_code == 400


def test_production_session_cookie_has_the_host_prefix(app: Flask, demo: Demo) -> None:
    production = _production(app)
    client = host_client(production, BOARD)
    response = sign_in(client, "lead.police@demo.example")
    assert response.status_code == 302  # type: ignore[attr-defined]
    cookie = response.headers["Set-Cookie"]  # type: ignore[attr-defined]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie
    assert client.get("/agency/").status_code == 200
