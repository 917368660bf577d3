"""Fixtures for HTTP tests: the demo partnership and people signing in through the real sign-in page."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Agency, Return, Round, RoundState
from survey.services import demo as demo_service
from tests.authenticator import codes_for
from tests.web.forms import csrf_token

PASSWORD = demo_service.DEMO_PASSWORD


@dataclass
class Demo:
    """Ids in the demo partnership."""

    app: Flask

    def return_id(self, agency_name: str, state: RoundState = RoundState.OPEN) -> int:
        """The return of an agency in the open (or closed) round."""
        with self.app.app_context():
            return db.session.scalar(
                select(Return.id).join(Round).join(Agency)
                .where(Agency.name == agency_name, Round.state == state)
            )


    def open_round(self, questionnaire_id: str, agency_names: list[str], title: str = "Open round") -> dict[str, int]:
        """Open a new round of a shipped questionnaire for some demo agencies; return their return ids."""
        import datetime as dt

        from survey.services.definitions import ensure_version

        with self.app.app_context():
            questionnaire = self.app.extensions["survey_catalogue"].get(questionnaire_id)
            partnership = db.session.scalar(select(Round)).partnership
            new_round = Round(partnership=partnership, definition_version=ensure_version(db.session(), questionnaire),
                              title=title, opens_on=dt.date.today(), deadline=dt.date.today() + dt.timedelta(days=30),
                              state=RoundState.OPEN)
            db.session.add(new_round)
            returns = {}
            for name in agency_names:
                agency = db.session.scalar(select(Agency).where(Agency.name == name))
                returns[name] = Return(round=new_round, agency=agency, partnership=partnership)
                db.session.add(returns[name])
            db.session.commit()
            return {name: ret.id for name, ret in returns.items()}


@pytest.fixture
def demo(app: Flask) -> Demo:
    """The app with the demo partnership loaded."""
    with app.app_context():
        demo_service.load(db.session(), app.extensions["survey_catalogue"])
    return Demo(app)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, next_url: str = "") -> object:
    """Sign in through the sign-in page, as a person would (with the code from the app, for the demo's board
    accounts)."""
    page = client.get("/sign-in" + (f"?next={next_url}" if next_url else ""))
    token = csrf_token(page.get_data(as_text=True))
    target = "/sign-in" + (f"?next={next_url}" if next_url else "")
    response = client.post(target, data={"csrf_token": token, "email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code"):
        return enter_code(client, email)
    return response


def enter_code(client: FlaskClient, email: str, secret: str | None = None) -> object:
    """The code step of signing in, with the newest code the app shows that has not been used yet."""
    for code in codes_for(email, secret):
        page = client.get("/sign-in/code")
        response = client.post("/sign-in/code", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                      "code": code})
        if "has been used already" not in response.get_data(as_text=True):
            return response
    raise AssertionError("unreachable")


def client_for(app: Flask, email: str) -> FlaskClient:
    """A test client signed in as someone from the demo."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302  # type: ignore[attr-defined]
    return client


def round_in_state(app: Flask, state: RoundState) -> int:
    """The id of the demo's round in a state (the demo has one closed round and one open)."""
    with app.app_context():
        found = db.session.scalar(select(Round.id).where(Round.state == state))
        assert found is not None
        return found


@pytest.fixture
def police_lead(app: Flask, demo: Demo) -> FlaskClient:
    """A client signed in as Essex Police's agency lead."""
    client = app.test_client()
    assert sign_in(client, "lead.police@demo.example").status_code == 302
    return client


@pytest.fixture
def police_staff(app: Flask, demo: Demo) -> FlaskClient:
    """A client signed in as an Essex Police contributor."""
    client = app.test_client()
    assert sign_in(client, "staff.police@demo.example").status_code == 302
    return client


def set_up_second_factor(client: FlaskClient, email: str) -> str:
    """Set up an authenticator app as the signed-in person would, from the set-up page; the secret it shows."""
    import re

    page = client.get("/account/second-factor").get_data(as_text=True)
    found = re.search(r'id="secret">([A-Z2-7 ]+)<', page)
    assert found, page[:2000]
    secret = found.group(1).replace(" ", "")
    code = next(codes_for(email, secret))
    response = client.post("/account/second-factor", data={"csrf_token": csrf_token(page), "code": code})
    assert response.status_code == 200 and "Your recovery codes" in response.get_data(as_text=True)
    return secret
