"""Agency returns over HTTP: generated forms, drafts, bad values, conflicts, evidence, sign-off and submit."""

from __future__ import annotations

import datetime as dt
import gc
import io
import re
import warnings
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, AuditEvent, EmailMessage, EvidenceFile, MailState, Return, ReturnState
from survey.web import dates
from tests.fixtures_demo import Demo, sign_in

from .forms import errors, form_data

POLICE = "Essex Police"
SUPERVISION = "supervision"  # the last duty of the Section 11 audit: supervision-1, supervision-2


def duty_url(rid: int, duty: str = SUPERVISION) -> str:
    return f"/agency/returns/{rid}/duties/{duty}"


def page_data(client: FlaskClient, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return form_data(response.get_data(as_text=True))


def answer(app: Flask, rid: int, sid: str) -> Answer | None:
    with app.app_context():
        found = db.session.scalar(select(Answer).where(Answer.return_id == rid, Answer.statement_id == sid))
        if found is not None:
            db.session.expunge(found)
        return found


def test_form_is_generated_from_the_pinned_questionnaire(demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    html = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "Staff working with children receive regular safeguarding supervision" in html
    for value, label in (("1", "Inadequate"), ("2", "Requires improvement"), ("3", "Good"), ("4", "Outstanding")):
        assert f'value="{value}"' in html and label in html
    assert "Not applicable to our agency" in html
    assert 'value="2.5"' not in html, "the Section 11 audit allows no half points"
    assert 'name="what-supervision-1"' in html and 'name="by-supervision-1-day"' in html
    assert 'data-module="govuk-character-count" data-maxlength="5000"' in html
    assert 'enctype="multipart/form-data"' in html


def test_board_self_assessment_offers_half_points(demo: Demo, app: Flask) -> None:
    from survey.models import Person, Role, RoleAssignment, Round, RoundState
    from survey.services.definitions import ensure_version

    with app.app_context():
        police = db.session.scalar(select(Return).where(Return.id == demo.return_id(POLICE))).agency
        board = app.extensions["survey_catalogue"].get("board-self-assessment")
        partnership = db.session.scalar(select(Round)).partnership
        new_round = Round(partnership=partnership, definition_version=ensure_version(db.session(), board),
                          title="Board self-assessment 2027", opens_on=dt.date.today(),
                          deadline=dt.date.today() + dt.timedelta(days=30), state=RoundState.OPEN)
        db.session.add(new_round)
        ret = Return(round=new_round, agency=police, partnership=partnership)
        db.session.add(ret)
        db.session.commit()
        rid = ret.id
        assert db.session.scalar(select(func.count()).select_from(RoleAssignment)
                                 .join(Person).where(Person.email == "staff.police@demo.example",
                                                     RoleAssignment.role == Role.CONTRIBUTOR)) == 1
    client = app.test_client()
    sign_in(client, "staff.police@demo.example")
    html = client.get(duty_url(rid, "case-reviews")).get_data(as_text=True)
    assert 'value="2.5"' in html and "2 – Adequate" in html and "Not applicable" not in html
    assert 'name="what-case-reviews-1"' not in html, "no actions without requires_action_below"


def test_save_and_come_back_later_then_resume(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    data.update({"rating-supervision-1": "4", "commentary-supervision-1": "Monthly supervision for all staff.",
                 "links-supervision-1": "https://intranet.example/supervision-policy", "action": "later"})
    response = police_staff.post(duty_url(rid), data=data)
    assert response.status_code == 302 and response.location == f"/agency/returns/{rid}"
    saved = answer(app, rid, "supervision-1")
    assert saved is not None and saved.rating == 4 and saved.commentary == "Monthly supervision for all staff."
    tasks = police_staff.get(response.location).get_data(as_text=True)
    assert "Your answers have been saved" in tasks
    assert f'href="/agency/returns/{rid}/duties/{SUPERVISION}"' in tasks
    assert "last edited by Police Contributor" in tasks
    again = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert "Monthly supervision for all staff." in again and 'value="4" checked' in again


def test_save_and_continue_goes_to_the_next_duty(demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid, "senior-commitment"))
    data["action"] = "continue"
    response = police_staff.post(duty_url(rid, "senior-commitment"), data=data)
    assert response.location == duty_url(rid, "statement-of-responsibilities")
    data = page_data(police_staff, duty_url(rid))
    data["action"] = "continue"
    assert police_staff.post(duty_url(rid), data=data).location == f"/agency/returns/{rid}/check"


BAD_VALUES = [
    ({"rating-supervision-1": "7"}, "Select one of the ratings shown"),
    ({"rating-supervision-1": "2.5"}, "Select one of the ratings shown"),
    ({"commentary-supervision-1": "x" * 5001}, "Commentary must be 5000 characters or fewer"),
    ({"notes-supervision-1": "x" * 2001}, "Evidence notes must be 2000 characters or fewer"),
    ({"links-supervision-1": "javascript:alert(1)"}, "Enter each link on its own line, starting with https://"),
    ({"rating-supervision-1": "3", "by-supervision-1-day": "31", "by-supervision-1-month": "2",
      "by-supervision-1-year": "2030"}, dates.not_real()),
    ({"rating-supervision-1": "3", "by-supervision-1-day": "1", "by-supervision-1-month": "1",
      "by-supervision-1-year": "2020"}, "The date for the action must be today or in the future"),
    ({"rating-supervision-1": "2"}, "Enter the action you will take, because you rated this below Good"),
    ({"rating-supervision-1": "1", "what-supervision-1": "Train", "by-supervision-1-day": "1",
      "by-supervision-1-month": "1", "by-supervision-1-year": "2031"},
     "Enter who is responsible for the action, because you rated this below Good"),
    ({"who-supervision-2": "x" * 201}, "Who is responsible must be 200 characters or fewer"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_VALUES, ids=[m for _, m in BAD_VALUES])
def test_bad_values_are_refused_and_nothing_is_saved(app: Flask, demo: Demo, police_staff: FlaskClient,
                                                     changes: dict[str, str], message: str) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    data.update({"commentary-supervision-2": "This valid answer must not be saved either", "action": "continue"})
    data.update(changes)
    response = police_staff.post(duty_url(rid), data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert any(message in e for e in errors(html))
    assert 'class="govuk-error-message"' in html
    assert answer(app, rid, "supervision-1") is None and answer(app, rid, "supervision-2") is None
    assert "This valid answer must not be saved either" in html, "what was typed is shown again"


def test_post_without_csrf_is_refused(demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    del data["csrf_token"]
    assert police_staff.post(duty_url(rid), data=data).status_code == 400


def test_foreign_agency_return_is_404(app: Flask, demo: Demo, police_lead: FlaskClient) -> None:
    rid = demo.return_id("NHS Southend Clinical Commissioning Group")
    with app.app_context():
        file_id = 999
    for url in (f"/agency/returns/{rid}", duty_url(rid), f"/agency/returns/{rid}/check",
                f"/agency/returns/{rid}/print", f"/agency/returns/{rid}/submit",
                f"/agency/returns/{rid}/evidence/{file_id}"):
        assert police_lead.get(url).status_code == 404, url
    data = page_data(police_lead, duty_url(demo.return_id(POLICE)))
    assert police_lead.post(duty_url(rid), data=data).status_code == 404
    assert police_lead.post(f"{duty_url(rid)}/autosave", data=data).status_code == 404
    assert police_lead.get("/agency/returns/999999").status_code == 404
    assert police_lead.get(f"/agency/returns/{demo.return_id(POLICE)}/duties/no-such-duty").status_code == 404


def test_contributor_cannot_submit(demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id("Southend Borough Council – Children's Services")
    client = police_staff
    assert client.get(f"/agency/returns/{rid}/submit").status_code == 404  # not their agency
    rid = demo.return_id(POLICE)
    response = client.get(f"/agency/returns/{rid}/submit")
    assert response.status_code == 403
    assert "Only the agency lead can sign off" in response.get_data(as_text=True)
    assert client.post(f"/agency/returns/{rid}/submit", data=page_data(client, duty_url(rid))).status_code == 403


def complete_return(client: FlaskClient, rid: int) -> None:
    """Answer every statement of the Section 11 audit through the pages."""
    url = duty_url(rid, "senior-commitment")
    while url.startswith(f"/agency/returns/{rid}/duties/"):
        html = client.get(url).get_data(as_text=True)
        data = form_data(html)
        for sid in dict.fromkeys(re.findall(r'name="rating-([^"]+)"', html)):
            data.setdefault(f"rating-{sid}", "3")
        data["action"] = "continue"
        response = client.post(url, data=data)
        assert response.status_code == 302, errors(response.get_data(as_text=True))
        url = response.location


def test_check_answers_sign_off_submit_and_email(app: Flask, demo: Demo, police_lead: FlaskClient,
                                                 mailbox) -> None:  # type: ignore[no-untyped-def]
    rid = demo.return_id(POLICE)
    check = police_lead.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    assert "things to do before the return can be submitted" in check
    assert police_lead.get(f"/agency/returns/{rid}/submit").status_code == 302
    complete_return(police_lead, rid)
    with app.app_context():  # evidence for one statement, as the duty page saves it
        answer = db.session.scalar(select(Answer).where(Answer.return_id == rid,
                                                        Answer.statement_id == "supervision-1"))
        answer.evidence_notes = "Supervision audit, March"
        answer.evidence_links = "https://intranet.example/supervision https://intranet.example/audit"
        db.session.add(EvidenceFile(return_id=rid, statement_id="supervision-1", filename="supervision-policy.pdf",
                                    content_type="application/pdf", kind="pdf", size=10, sha256="0" * 64,
                                    storage_key="test-supervision-policy"))
        db.session.commit()
    check = police_lead.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    assert "Continue to sign off" in check and "Change" in check
    page = police_lead.get(f"/agency/returns/{rid}/submit")
    data = form_data(page.get_data(as_text=True))
    assert data["name"] == "Police Lead" and data["role"] == "Head of Safeguarding"
    refused = police_lead.post(f"/agency/returns/{rid}/submit", data={**data, "name": ""})
    assert refused.status_code == 400
    assert errors(refused.get_data(as_text=True)) == ["Enter your full name",
                                                      "Confirm that the return is accurate to submit it"]
    response = police_lead.post(f"/agency/returns/{rid}/submit", data={**data, "confirm": "y"})
    assert response.status_code == 302 and response.location == f"/agency/returns/{rid}/submitted"
    done = police_lead.get(response.location).get_data(as_text=True)
    assert "Return submitted" in done and "by Police Lead" in done and "We have emailed a copy" in done
    with app.app_context():
        ret = db.session.get(Return, rid)
        assert ret.state is ReturnState.SUBMITTED and ret.declaration_name == "Police Lead"
        assert db.session.scalar(select(func.count()).select_from(EmailMessage)
                                 .where(EmailMessage.return_id == rid, EmailMessage.sent_at.is_not(None))) == 3
    for address in ("lead.police@demo.example", "staff.police@demo.example", "officer.police@demo.example"):
        [message] = mailbox.to(address)
        assert message["Subject"] == "Submitted: Section 11 audit 2026 – Essex Police".replace(
            "2026", str(dt.date.today().year))
        body = mailbox.body(message)
        assert "Staff working with children receive regular safeguarding supervision" in body
        assert "Rating: 3 – Good" in body
        # The evidence is in the copy too: notes, links and the names of the files.
        assert "Evidence: Supervision audit, March" in body
        assert "Evidence links: https://intranet.example/supervision, https://intranet.example/audit" in body
        assert "Evidence files: supervision-policy.pdf" in body
    # A submitted return is read-only, and submitting again changes nothing.
    edit = police_lead.get(duty_url(rid))
    assert edit.status_code == 302 and edit.location == f"/agency/returns/{rid}/check"
    token = form_data(police_lead.get(f"/agency/returns/{rid}/check").get_data(as_text=True), "sign-out")
    stale = {**data, "confirm": "y", "csrf_token": token["csrf_token"]}
    assert police_lead.post(f"{duty_url(rid)}/autosave", data=stale).status_code == 409
    assert police_lead.post(f"/agency/returns/{rid}/submit", data=stale).location == f"/agency/returns/{rid}/check"
    assert len(mailbox.to("lead.police@demo.example")) == 1


def test_submit_with_smtp_down_still_submits_and_records_the_failure(app: Flask, demo: Demo,
                                                                     police_lead: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    complete_return(police_lead, rid)
    app.config["SMTP_PORT"] = 1
    data = form_data(police_lead.get(f"/agency/returns/{rid}/submit").get_data(as_text=True))
    response = police_lead.post(f"/agency/returns/{rid}/submit", data={**data, "confirm": "y"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "we could not send the confirmation email" in page
    assert "We have emailed a copy" not in page and "We could not email a copy of the answers yet" in page
    with app.app_context():
        assert db.session.get(Return, rid).state is ReturnState.SUBMITTED
        rows = db.session.scalars(select(EmailMessage).where(EmailMessage.return_id == rid)).all()
        assert rows and all(r.sent_at is None and "cannot send email" in r.error for r in rows)
        assert {(r.state, r.attempts) for r in rows} == {(MailState.QUEUED, 1)}, "kept, to be tried again"


def test_two_people_same_statement_conflict(app: Flask, demo: Demo, police_lead: FlaskClient,
                                            police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    lead_page = page_data(police_lead, duty_url(rid))
    staff_page = page_data(police_staff, duty_url(rid))
    lead_page.update({"rating-supervision-1": "4", "commentary-supervision-1": "Lead's view", "action": "later"})
    assert police_lead.post(duty_url(rid), data=lead_page).status_code == 302
    staff_page.update({"rating-supervision-1": "2", "commentary-supervision-1": "Contributor's view",
                       "what-supervision-1": "Audit supervision", "who-supervision-1": "Named nurse",
                       "by-supervision-1-day": "1", "by-supervision-1-month": "6", "by-supervision-1-year": "2031",
                       "commentary-supervision-2": "Different statement: no conflict", "action": "later"})
    response = police_staff.post(duty_url(rid), data=staff_page)
    assert response.status_code == 302 and response.location == f"{duty_url(rid)}/conflict"
    assert answer(app, rid, "supervision-1").commentary == "Lead's view", "never overwritten silently"
    assert answer(app, rid, "supervision-2").commentary == "Different statement: no conflict"
    page = police_staff.get(response.location)
    html = page.get_data(as_text=True)
    assert "Someone else changed this statement while you were editing" in html
    assert "Lead&#39;s view" in html and "Contributor&#39;s view" in html and "saved by Police Lead" in html
    choice = form_data(html)
    assert choice["keep-supervision-1"] == "theirs"
    choice["keep-supervision-1"] = "mine"
    done = police_staff.post(response.location, data=choice)
    assert done.status_code == 302
    saved = answer(app, rid, "supervision-1")
    assert saved.commentary == "Contributor's view" and saved.rating == 2 and saved.revision == 2
    assert police_staff.get(response.location).location == duty_url(rid), "a conflict is resolved once"


def test_stale_page_does_not_undo_someone_elses_change(app: Flask, demo: Demo, police_lead: FlaskClient,
                                                       police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    stale = page_data(police_staff, duty_url(rid))
    fresh = page_data(police_lead, duty_url(rid))
    fresh.update({"commentary-supervision-2": "Written by the lead", "action": "later"})
    police_lead.post(duty_url(rid), data=fresh)
    stale.update({"commentary-supervision-1": "Written by staff", "action": "later"})
    response = police_staff.post(duty_url(rid), data=stale)
    assert response.status_code == 302 and "conflict" not in response.location
    assert answer(app, rid, "supervision-2").commentary == "Written by the lead"
    assert answer(app, rid, "supervision-1").commentary == "Written by staff"


def test_every_change_is_audited(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    data.update({"rating-supervision-1": "3", "action": "later"})
    police_staff.post(duty_url(rid), data=data)
    data = page_data(police_staff, duty_url(rid))
    data.update({"rating-supervision-1": "4", "action": "later"})
    police_staff.post(duty_url(rid), data=data)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.return_id == rid,
                                                             AuditEvent.object_id == "supervision-1")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.old, e.new) for e in events] == [
            ({"rating": None}, {"rating": 3.0}), ({"rating": 3.0}, {"rating": 4.0})]
        assert all(e.action == "answer.saved" and e.person_id is not None for e in events)


def test_autosave(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    data = page_data(police_staff, duty_url(rid))
    data["commentary-supervision-2"] = "Saved in the background"
    response = police_staff.post(f"{duty_url(rid)}/autosave", data=data)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "saved" and body["saved"]["supervision-2"]["rev"] == 1
    assert answer(app, rid, "supervision-2").commentary == "Saved in the background"
    # The page carries the new revision on, so the person's next save is not a conflict with themselves.
    data["rev-supervision-2"] = str(body["saved"]["supervision-2"]["rev"])
    data["base-supervision-2"] = body["saved"]["supervision-2"]["base"]
    data.update({"commentary-supervision-2": "Then saved with the button", "action": "later"})
    assert "conflict" not in police_staff.post(duty_url(rid), data=data).location
    bad = police_staff.post(f"{duty_url(rid)}/autosave", data={**data, "rating-supervision-1": "9"})
    assert bad.status_code == 400 and bad.get_json()["status"] == "invalid"


# -- evidence ------------------------------------------------------------------------------------------------------
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(client: FlaskClient, rid: int, filename: str, content: bytes) -> object:
    data: dict[str, object] = dict(page_data(client, duty_url(rid)))
    data.update({"evidence-supervision-1": (io.BytesIO(content), filename), "action": "later"})
    response = client.post(duty_url(rid), data=data, content_type="multipart/form-data")
    # Werkzeug's test client spools bodies over 500 KB to a temporary file it never closes; collect it here so the
    # warning is not reported against a later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    return response


@pytest.mark.parametrize(("filename", "content"), [("policy.pdf", PDF), ("minutes.docx", docx()),
                                                   ("chart.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)])
def test_evidence_upload_and_download(app: Flask, demo: Demo, police_staff: FlaskClient, filename: str,
                                      content: bytes) -> None:
    rid = demo.return_id(POLICE)
    assert upload(police_staff, rid, filename, content).status_code == 302
    with app.app_context():
        row = db.session.scalar(select(EvidenceFile).where(EvidenceFile.return_id == rid))
        file_id, key = row.id, row.storage_key
    assert key not in filename and (app.config["EVIDENCE_DIR"] + "/" + key)
    page = police_staff.get(duty_url(rid)).get_data(as_text=True)
    assert filename in page
    with police_staff.get(f"/agency/returns/{rid}/evidence/{file_id}") as download:
        assert download.status_code == 200 and download.data == content
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    other = app.test_client()
    sign_in(other, "lead.ccg@demo.example")
    assert other.get(f"/agency/returns/{rid}/evidence/{file_id}").status_code == 404


def test_a_long_file_name_keeps_its_extension_and_files_are_private(app: Flask, demo: Demo,
                                                                  police_staff: FlaskClient) -> None:
    import os
    import stat

    rid = demo.return_id(POLICE)
    name = "Safeguarding supervision policy reviewed by the partnership " * 3 + ".pdf"
    assert upload(police_staff, rid, name, PDF).status_code == 302
    with app.app_context():
        row = db.session.scalar(select(EvidenceFile).where(EvidenceFile.return_id == rid))
        shown, key = row.filename, row.storage_key
    assert shown.endswith(".pdf") and len(shown) <= 120 and shown.startswith("Safeguarding supervision policy")
    folder = app.config["EVIDENCE_DIR"]
    assert stat.S_IMODE(os.stat(os.path.join(folder, key)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


BAD_UPLOADS = [
    ("report.pdf", b"<html><script>alert(1)</script></html>", "must be a PDF"),
    ("picture.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "must be a PDF"),
    ("policy.pdf.exe", PDF, "must be a PDF"),
    ("policy.png", PDF, "must be a PDF"),
    ("empty.pdf", b"", "The selected file is empty"),
    ("big.pdf", PDF + b"0" * (1024 * 1024), "must be smaller than 1 MB"),
    ("fake.docx", b"PK\x03\x04not really a zip", "must be a PDF"),
]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(("filename", "content", "message"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_uploads_are_refused(app: Flask, demo: Demo, police_staff: FlaskClient, filename: str,
                                 content: bytes, message: str) -> None:
    rid = demo.return_id(POLICE)
    response = upload(police_staff, rid, filename, content)
    assert response.status_code == 400
    assert any(message in e for e in errors(response.get_data(as_text=True)))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
        assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.return_id == rid,
                                 Answer.statement_id.like("supervision%"))) == 0


def test_path_in_filename_is_cleaned(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    assert upload(police_staff, rid, "../../etc/passwd.pdf", PDF).status_code == 302
    with app.app_context():
        row = db.session.scalar(select(EvidenceFile))
        assert row.filename == "passwd.pdf" and "/" not in row.storage_key


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_request_over_the_whole_request_limit(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    app.config["MAX_CONTENT_LENGTH"] = 3 * 1024 * 1024
    response = upload(police_staff, rid, "huge.pdf", PDF + b"0" * (4 * 1024 * 1024))
    assert response.status_code == 413 and "The file is too large" in response.get_data(as_text=True)


def test_remove_evidence(app: Flask, demo: Demo, police_staff: FlaskClient) -> None:
    rid = demo.return_id(POLICE)
    upload(police_staff, rid, "policy.pdf", PDF)
    with app.app_context():
        file_id = db.session.scalar(select(EvidenceFile.id))
    data = page_data(police_staff, duty_url(rid))
    data["duty_id"] = SUPERVISION
    response = police_staff.post(f"/agency/returns/{rid}/evidence/{file_id}/remove", data=data)
    assert response.status_code == 302
    assert police_staff.get(f"/agency/returns/{rid}/evidence/{file_id}").status_code == 404


def test_each_rating_says_what_it_means_where_the_questionnaire_does(app: Flask, demo: Demo,
                                                                     police_staff: FlaskClient) -> None:
    page = police_staff.get(duty_url(demo.return_id(POLICE), SUPERVISION)).get_data(as_text=True)
    meaning = "The arrangement is embedded, evidenced, reviewed and improving outcomes for children."
    hint = re.search(r'<div id="([\w-]+)-item-hint" class="govuk-hint govuk-radios__hint">\s*' + re.escape(meaning),
                     page)
    assert hint is not None, "the scale point's description is the radio's hint"
    assert f'id="{hint.group(1)}" name="rating-' in page and f'aria-describedby="{hint.group(1)}-item-hint"' in page
    # One hint for each of the four described points of each of the duty's two statements; none empty.
    assert page.count('class="govuk-hint govuk-radios__hint"') == 8
