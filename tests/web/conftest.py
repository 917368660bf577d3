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

from .forms import csrf_token

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


@pytest.fixture
def demo(app: Flask) -> Demo:
    """The app with the demo partnership loaded."""
    with app.app_context():
        demo_service.load(db.session(), app.extensions["survey_catalogue"])
    return Demo(app)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, next_url: str = "") -> object:
    """Sign in through the sign-in page, as a person would."""
    page = client.get("/sign-in" + (f"?next={next_url}" if next_url else ""))
    token = csrf_token(page.get_data(as_text=True))
    target = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(target, data={"csrf_token": token, "email": email, "password": password})


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
