"""The agency's evidence library: a file given before attached to another statement without uploading it again, as
a copy of its own; another agency's or a removed file is never attached."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import EvidenceFile
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import errors, form_data
from tests.web.test_agency_returns import PDF, POLICE, duty_url, page_data, upload


def _files(app: Flask, rid: int) -> list[EvidenceFile]:
    with app.app_context():
        rows = list(db.session.scalars(select(EvidenceFile).where(EvidenceFile.return_id == rid)
                                       .order_by(EvidenceFile.id)))
        db.session.expunge_all()
        return rows


def _reuse(client: FlaskClient, rid: int, file_id: str, **changes: str) -> object:
    data = page_data(client, duty_url(rid))
    data.update({"reuse-supervision-2": file_id, "action": "later", **changes})
    return client.post(duty_url(rid), data=data)


def test_a_file_given_before_is_attached_again_as_a_copy(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    assert upload(police_staff, rid, "safeguarding-policy.pdf", PDF).status_code == 302
    [original] = _files(app, rid)
    page = police_staff.get(duty_url(rid)).get_data(as_text=True)
    listed = re.search(r'<select class="govuk-select" id="reuse-supervision-2".*?</select>', page, re.S).group(0)
    assert f'value="{original.id}"' in listed and "safeguarding-policy.pdf" in listed
    assert _reuse(police_staff, rid, str(original.id)).status_code == 302
    first, copy = _files(app, rid)
    assert (copy.statement_id, copy.filename, copy.sha256) == ("supervision-2", original.filename, original.sha256)
    assert copy.storage_key != original.storage_key
    assert police_staff.get(f"/agency/returns/{rid}/evidence/{copy.id}").data == PDF
    # Removing the original leaves the copy where it was attached.
    page = police_staff.get(duty_url(rid)).get_data(as_text=True)
    token = page_data(police_staff, duty_url(rid))["csrf_token"]
    assert police_staff.post(f"/agency/returns/{rid}/evidence/{original.id}/remove",
                             data={"csrf_token": token, "duty_id": "supervision"}).status_code == 302
    assert police_staff.get(f"/agency/returns/{rid}/evidence/{copy.id}").data == PDF
    # The library offers each content once, and a removed file is not offered (nor attached if posted).
    page = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert page.count(">safeguarding-policy.pdf (") == 2, "one option per statement, the copy's"
    refused = _reuse(police_staff, rid, str(original.id))
    assert refused.status_code == 400 and "Choose one of your agency's files" in errors(refused.get_data(as_text=True))


def test_another_agencys_file_or_a_made_up_id_attaches_nothing(app: Flask, demo: Demo,
                                                               police_staff: FlaskClient) -> None:
    hospital_rid = demo.return_id("Southend University Hospital NHS Foundation Trust")
    hospital = client_for(app, "staff.hospital@demo.example")
    assert upload(hospital, hospital_rid, "hospital-audit.pdf", PDF).status_code == 302
    [theirs] = _files(app, hospital_rid)
    rid = demo.return_id(POLICE)
    assert "hospital-audit.pdf" not in police_staff.get(duty_url(rid)).get_data(as_text=True)
    for raw in (str(theirs.id), "999999", "1; DROP TABLE evidence_file", "-1", "9" * 40):
        refused = _reuse(police_staff, rid, raw, **{"commentary-supervision-1": "Kept while refused"})
        assert refused.status_code == 400, raw
        assert "Choose one of your agency's files" in errors(refused.get_data(as_text=True))
        assert "Kept while refused" in refused.get_data(as_text=True), "what was typed comes back"
    assert _files(app, rid) == []


def test_a_choice_waits_for_a_page_that_saves_and_is_attached_once(app: Flask, demo: Demo,
                                                                   police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    assert upload(police_staff, rid, "minutes.pdf", PDF).status_code == 302
    [original] = _files(app, rid)
    refused = _reuse(police_staff, rid, str(original.id), **{"links-supervision-2": "javascript:alert(1)"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert f'<option value="{original.id}" selected>' in page, "the choice stays chosen"
    assert len(_files(app, rid)) == 1, "nothing attached by a page that did not save"
    data = form_data(page)  # reads inputs and text areas: the select's chosen option is posted as a browser would
    data.update({"links-supervision-2": "", "action": "later", "reuse-supervision-2": str(original.id)})
    assert police_staff.post(duty_url(rid), data=data).status_code == 302
    assert [f.statement_id for f in _files(app, rid)] == ["supervision-1", "supervision-2"]
