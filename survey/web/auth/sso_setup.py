"""The single sign-on providers of this app: read from the providers file at start-up and registered with an
Authlib client (survey.web.auth.sso has the pages)."""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from survey.config import ConfigurationError
from survey.sso_providers import Provider, ProviderFileError, load_providers


def init_sso(app: Flask) -> None:
    """Read the providers file (if one is set) and register each provider with an Authlib client of this app."""
    providers: list[Provider] = []
    if app.config["SSO_PROVIDERS_FILE"]:
        try:
            providers = load_providers(app.config["SSO_PROVIDERS_FILE"],
                                       development=app.config["ENV"] != "production")
        except ProviderFileError as exc:
            raise ConfigurationError(f"SURVEY_SSO_PROVIDERS_FILE: {exc}") from None
    oauth = OAuth(app)
    for provider in providers:
        oauth.register(name=provider.name, client_id=provider.client_id, client_secret=provider.client_secret,
                       server_metadata_url=provider.metadata_url,
                       client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256", "default_timeout": 10})
    app.extensions["sso_providers"] = {p.name: p for p in providers}


def providers() -> list[Provider]:
    """The providers people may sign in with, for the sign-in page's buttons."""
    return list(current_app.extensions["sso_providers"].values())


def required_domains() -> frozenset[str]:
    """Email domains whose people must sign in through a provider."""
    return frozenset(d for p in providers() for d in p.required_for_domains)
