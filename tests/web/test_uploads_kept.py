"""Uploads never cost what was typed: a file too large for the page re-renders it with everything typed and a
GOV.UK error, and a good file posted with another error waits, for its chooser only, for the next save."""

from __future__ import annotations

import gc
import io
import warnings

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import EvidenceFile, StashedPost
from tests.fixtures_demo import Demo

from .forms import errors, form_data
from .test_agency_returns import PDF, POLICE, answer, duty_url, page_data

S1, S2 = "supervision-1", "supervision-2"


def _post(client: FlaskClient, rid: int, data: dict[str, object]) -> object:
    response = client.post(duty_url(rid), data=data, content_type="multipart/form-data")
    with warnings.catch_warnings():  # the test client's spooled body (see test_agency_returns.upload)
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    return response


def _files(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EvidenceFile)) or 0


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_70_mb_file_keeps_everything_typed(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data: dict[str, object] = dict(page_data(police_staff, duty_url(rid)))
    data.update({f"commentary-{S1}": "Forty minutes of careful commentary", f"rating-{S1}": "3",
                 f"evidence-{S1}": (io.BytesIO(PDF + b"0" * (70 * 1024 * 1024)), "scan.pdf"), "action": "later"})
    response = _post(police_staff, rid, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any("must be smaller than 1 MB" in e for e in errors(html)), errors(html)
    assert "Forty minutes of careful commentary" in html and form_data(html)[f"rating-{S1}"] == "3"
    assert _files(app) == 0
    saved = answer(app, rid, S1)
    assert saved is None or saved.commentary == "", "a page with an error saves nothing"


def test_a_good_file_waits_while_another_field_is_corrected(app: Flask, demo: Demo,
                                                            police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data: dict[str, object] = dict(page_data(police_staff, duty_url(rid)))
    data.update({f"evidence-{S1}": (io.BytesIO(PDF), "policy.pdf"), f"links-{S2}": "javascript:alert(1)",
                 "action": "later"})
    response = _post(police_staff, rid, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and errors(html)
    assert "policy.pdf" in html and "it will be attached when you save this page" in html
    assert _files(app) == 0, "nothing saved while the page has an error"
    again = form_data(html)
    assert again.get(f"pending-{S1}"), "the page carries the kept file"
    again.update({f"links-{S2}": "https://example.org/policy", "action": "later"})
    assert _post(police_staff, rid, again).status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(EvidenceFile)).all()
        assert [(r.statement_id, r.filename) for r in rows] == [(S1, "policy.pdf")]
        assert db.session.scalar(select(func.count()).select_from(StashedPost).where(
            StashedPost.kind == "upload")) == 0, "claimed once"
    # The same page posted again (a retry) attaches nothing more.
    assert _post(police_staff, rid, again).status_code == 302
    assert _files(app) == 1


def test_a_kept_file_is_claimed_only_by_its_chooser(app: Flask, demo: Demo, police_staff: FlaskClient,
                                                    police_lead: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data: dict[str, object] = dict(page_data(police_staff, duty_url(rid)))
    data.update({f"evidence-{S1}": (io.BytesIO(PDF), "policy.pdf"), f"links-{S2}": "not a link", "action": "later"})
    token = form_data(_post(police_staff, rid, data).get_data(as_text=True))[f"pending-{S1}"]
    lead = page_data(police_lead, duty_url(rid))
    lead.update({f"pending-{S1}": token, f"pending-{S2}": token, "action": "later"})
    assert _post(police_lead, rid, lead).status_code == 302
    assert _files(app) == 0, "another person's token claims nothing"
    html = police_lead.get(duty_url(rid)).get_data(as_text=True)
    assert "policy.pdf" not in html and token not in html


def test_a_file_posted_after_the_session_timed_out_is_kept_for_its_chooser(app: Flask, demo: Demo,
                                                                         police_staff: FlaskClient) -> None:
    import datetime as dt

    from sqlalchemy import update

    from survey.models import SignInSession
    from tests.fixtures_demo import PASSWORD

    from .forms import csrf_token

    rid = demo.return_id(POLICE)
    data: dict[str, object] = dict(page_data(police_staff, duty_url(rid)))
    data.update({f"commentary-{S1}": "Typed before the timeout", f"evidence-{S1}": (io.BytesIO(PDF), "policy.pdf"),
                 f"evidence-{S2}": (io.BytesIO(b"not a pdf"), "notes.pdf"), "action": "later"})
    with app.app_context():
        db.session.execute(update(SignInSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)))
        db.session.commit()
    response = _post(police_staff, rid, data)
    assert response.status_code == 302 and "restore=" in response.location
    login = police_staff.get(response.location).get_data(as_text=True)
    assert "Some files you chose could not be kept" in login, "the bad one is named as not kept"
    signed_in = police_staff.post(response.location, data={"csrf_token": csrf_token(login),
                                                           "email": "staff.police@demo.example", "password": PASSWORD})
    restored = police_staff.get(signed_in.location).get_data(as_text=True)
    assert "Typed before the timeout" in restored and "policy.pdf" in restored
    assert "it will be attached when you save this page" in restored
    assert _post(police_staff, rid, {**form_data(restored), "action": "later"}).status_code == 302
    with app.app_context():
        assert [r.filename for r in db.session.scalars(select(EvidenceFile))] == ["policy.pdf"]
