"""Single sign-on configured with a provider nobody listens for: the providers file at start-up, who must use
single sign-on, and a provider that cannot be reached."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from survey import create_app
from survey.config import ConfigurationError
from tests.fixtures_demo import PASSWORD, Demo, sign_in

PROVIDERS = '''
[[provider]]
name = "work"
label = "Sign in with your work account"
issuer = "https://127.0.0.1:9"
client_id = "survey"
client_secret = "not-a-secret"
required_for_domains = ["police.example", "demo.example"]
'''


@pytest.fixture
def app_overrides(tmp_path: Path) -> dict[str, object]:
    """A provider nobody listens for, required for the demo's email domain."""
    path = tmp_path / "providers.toml"
    path.write_text(PROVIDERS, encoding="utf-8")
    return {"SSO_PROVIDERS_FILE": str(path)}


def test_a_required_domain_refuses_the_password_only_once_it_is_right(app: Flask, demo: Demo) -> None:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with your work account" in page and "/sign-in/sso/work" in page
    right = sign_in(client, "lead.police@demo.example", PASSWORD)
    assert right.status_code == 400 and "use the single sign-on button" in right.get_data(as_text=True)
    wrong = sign_in(client, "lead.police@demo.example", "not the password at all")
    assert wrong.status_code == 400 and "single sign-on" not in wrong.get_data(as_text=True)
    assert client.get("/agency/").status_code == 302  # nobody is signed in


def test_a_provider_that_cannot_be_reached_gets_a_page_not_an_error(app: Flask, demo: Demo) -> None:
    response = app.test_client().get("/sign-in/sso/work")
    assert response.status_code == 502
    assert "cannot be reached just now" in response.get_data(as_text=True)
    assert app.test_client().get("/sign-in/sso/nobody").status_code == 404


def test_a_bad_providers_file_stops_the_app_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "providers.toml"
    path.write_text(PROVIDERS.replace('name = "work"', 'name = "Work Account"'), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="SURVEY_SSO_PROVIDERS_FILE: .*must be lower-case letters"):
        create_app({"TESTING": True, "SSO_PROVIDERS_FILE": str(path), "DATABASE_URL": "sqlite://"})
