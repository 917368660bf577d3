"""Single sign-on: the authorisation-code flow with PKCE, state and nonce, through Authlib's Flask client.
Authlib checks the state against the signed session cookie, exchanges the code, and checks the ID token's
signature (the provider's published keys), audience, expiry and nonce; the issuer is checked here, so an Entra
token's tenant fills in Microsoft's issuer template."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import login_user
from joserfc.errors import JoseError
from requests import RequestException

from survey.extensions import db
from survey.links import external_url
from survey.services import single_sign_on
from survey.services.access import principal_for
from survey.sso_providers import Provider
from survey.web.auth.session import SignedIn, safe_next
from survey.web.auth.views import bp, landing

log = logging.getLogger("survey.sso")
NEXT = "sso_next"


def _provider(name: str) -> tuple[Provider, Any]:
    provider = current_app.extensions["sso_providers"].get(name)
    if provider is None:
        abort(404)
    return provider, current_app.extensions["authlib.integrations.flask_client"].create_client(name)


@bp.route("/sign-in/sso/<name>")
def sso_start(name: str) -> Any:
    """Send the person to their organisation's sign-in page."""
    provider, client = _provider(name)
    session[NEXT] = safe_next(request.args.get("next"))
    redirect_uri = external_url(current_app.config, url_for("auth.sso_callback", name=provider.name))
    try:
        return client.authorize_redirect(redirect_uri)
    except (RequestException, ValueError) as exc:
        log.warning("single sign-on with %s: the provider's configuration cannot be read (%s)", name, exc)
        return _refused(provider, f"{provider.label} cannot be reached just now. Try again in a few minutes, or "
                                  "sign in with your password.", 502)


def _refused(provider: Provider, message: str, status: int) -> Any:
    return render_template("auth/sso_refused.html", provider=provider, message=message), status


@bp.route("/sign-in/sso/<name>/callback")
def sso_callback(name: str) -> Any:
    """Where the provider sends the person back: the code is exchanged and the ID token checked."""
    provider, client = _provider(name)
    try:
        published = client.load_server_metadata().get("issuer", "")
        token = client.authorize_access_token(
            leeway=int(current_app.config["SSO_CLOCK_LEEWAY"]),
            claims_options={"iss": {"essential": True,
                                    "validate": lambda claims, _: provider.issuer_matches(published, claims)},
                            "exp": {"essential": True}})
    except (OAuthError, JoseError, RequestException, ValueError) as exc:
        # A tampered or replayed response, an expired or forged token, or a provider that said no.
        log.warning("single sign-on with %s refused: %s", name, exc)
        return _refused(provider, "The sign-in could not be completed, so nobody was signed in. This happens when a "
                                  "sign-in link is used twice, is old, or was changed. Start again from the sign-in "
                                  "page.", 400)
    claims = token.get("userinfo")
    if not claims:
        return _refused(provider, f"{provider.label} did not send an ID token, so nobody was signed in.", 400)
    outcome = single_sign_on.sign_in(db.session(), provider, dict(claims))
    if outcome.person is None:
        return _refused(provider, outcome.refusal, 403)
    target = safe_next(session.get(NEXT))
    session.clear()  # a fresh cookie: nothing from before sign-in carries over
    principal = dataclasses.replace(principal_for(db.session(), outcome.person), second_factor=True)
    user = SignedIn(outcome.token, principal)
    login_user(user)
    return redirect(landing(user, target))
