"""When the database cannot be reached: a clear 503 page, the typed text given back, never a 500."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from survey.extensions import db
from tests.fixtures_demo import Demo
from tests.web.forms import form_data

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/gone?connect_timeout=2"


def test_database_down_mid_session(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id("Essex Police")
    url = f"/agency/returns/{rid}/duties/supervision"
    data = form_data(police_staff.get(url).get_data(as_text=True))
    data.update({"commentary-supervision-1": "Twenty minutes of careful writing", "action": "later"})
    good = app.config["DATABASE_URL"]
    db.bind(UNREACHABLE)
    try:
        page = police_staff.get(url)
        assert page.status_code == 503 and "Sorry, the service is unavailable" in page.get_data(as_text=True)
        assert page.headers["Retry-After"] == "30"
        posted = police_staff.post(url, data=data)
        html = posted.get_data(as_text=True)
        assert posted.status_code == 503
        assert "What you just sent was not saved" in html and "Twenty minutes of careful writing" in html
        assert police_staff.get("/healthz").status_code == 503
    finally:
        db.bind(good)
    assert police_staff.get(url).status_code == 200, "service resumes when the database is back"
