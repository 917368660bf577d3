"""Agencies and people over HTTP: add, change, deactivate, people and roles, import with a preview."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Agency, AuditEvent, Partnership, PartnershipAgency, Person, Role, RoleAssignment
from tests.fixtures_demo import Demo, sign_in
from tests.web.forms import errors, form_data


def manager(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "manager@demo.example").status_code == 302
    return client


def agency_id(app: Flask, name: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Agency.id).where(Agency.name == name))
        assert found is not None
        return found


def post(client: FlaskClient, url: str, fields: dict[str, str], page: str = "") -> object:
    data = form_data(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": data["csrf_token"], **fields})


def counts(app: Flask) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (Agency, PartnershipAgency, Person, RoleAssignment))


def test_list_shows_every_agency_with_its_people(app: Flask, demo: Demo) -> None:
    html = manager(app).get("/manager/agencies").get_data(as_text=True)
    assert "10 agencies" in html and "Essex Police" in html and "Agencies and people" in html
    police = manager(app).get(f"/manager/agencies/{agency_id(app, 'Essex Police')}").get_data(as_text=True)
    assert "lead.police@demo.example" in police and "staff.police@demo.example" in police
    assert police.index("lead.police@demo.example") < police.index("staff.police@demo.example"), "lead first"


def test_add_change_and_deactivate_an_agency(app: Flask, demo: Demo) -> None:
    client = manager(app)
    response = post(client, "/manager/agencies/new", {"name": "  Youth   Offending Service ", "kind": "Youth justice"})
    assert response.status_code == 302
    new_id = int(re.search(r"/agencies/(\d+)", response.location).group(1))
    page = client.get(response.location).get_data(as_text=True)
    assert "Youth Offending Service" in page and "Nobody yet" in page
    duplicate = post(client, "/manager/agencies/new", {"name": "essex police", "kind": "Police"})
    assert duplicate.status_code == 400 and errors(duplicate.get_data(as_text=True)) == [
        "There is already an agency called Essex Police"]
    blank = post(client, "/manager/agencies/new", {"name": "", "kind": ""})
    assert errors(blank.get_data(as_text=True)) == ["Enter the agency's name"]
    renamed = post(client, f"/manager/agencies/{new_id}/change", {"name": "Youth Justice Service", "kind": "Council"})
    assert renamed.status_code == 302
    clash = post(client, f"/manager/agencies/{new_id}/change", {"name": "Essex Police", "kind": "Council"})
    assert clash.status_code == 400
    with app.app_context():
        assert db.session.get(Agency, new_id).name == "Youth Justice Service"
    deactivated = post(client, f"/manager/agencies/{new_id}/active", {"active": "no"},
                       page=f"/manager/agencies/{new_id}")
    assert deactivated.status_code == 302
    assert "it is not offered for new rounds" in client.get(deactivated.location).get_data(as_text=True)
    assert "Youth Justice Service" not in client.get("/manager/rounds/new").get_data(as_text=True), \
        "a deactivated agency is not offered for new rounds"
    assert "Deactivated" in client.get("/manager/agencies").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(new_id))).all()
    assert {"agency.created", "agency.changed", "agency.deactivated"} <= set(actions)


def test_deactivating_an_agency_keeps_its_returns(app: Flask, demo: Demo) -> None:
    client = manager(app)
    police = agency_id(app, "Essex Police")
    rid = demo.return_id("Essex Police")
    post(client, f"/manager/agencies/{police}/active", {"active": "no"}, page=f"/manager/agencies/{police}")
    rounds_page = client.get("/manager/").get_data(as_text=True)
    round_id = re.search(r"/manager/rounds/(\d+)\">Section 11", rounds_page).group(1)
    assert "Essex Police" in client.get(f"/manager/rounds/{round_id}").get_data(as_text=True)
    assert f"/manager/returns/{rid}/audit" in client.get(f"/manager/rounds/{round_id}").get_data(as_text=True)


def test_add_a_person_invites_them_to_the_open_round(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = manager(app)
    police = agency_id(app, "Essex Police")
    response = post(client, f"/manager/agencies/{police}/people/new",
                    {"name": "Pat Newman", "email": "Pat.Newman@Police.example", "role": "contributor"})
    assert response.status_code == 302
    flashed = client.get(response.location).get_data(as_text=True)
    assert "Pat Newman is now contributor for Essex Police. They have been emailed about" in flashed
    [message] = mailbox.to("pat.newman@police.example")
    assert "/set-password/invite/" in mailbox.body(message)
    again = post(client, f"/manager/agencies/{police}/people/new",
                 {"name": "Pat Newman", "email": "pat.newman@police.example", "role": "lead"})
    assert again.status_code == 400
    assert "already in Essex Police; change their role instead" in errors(again.get_data(as_text=True))[0]
    bad = post(client, f"/manager/agencies/{police}/people/new", {"name": "", "email": "not-an-email", "role": "boss"})
    assert bad.status_code == 400 and errors(bad.get_data(as_text=True)) == ["Choose lead or contributor"]
    bad = post(client, f"/manager/agencies/{police}/people/new", {"name": "X", "email": "not-an-email",
                                                                  "role": "lead"})
    assert errors(bad.get_data(as_text=True)) == [
        "Enter an email address in the correct format, like name@example.org"]


def test_a_new_lead_can_submit_and_a_demoted_lead_cannot(app: Flask, demo: Demo) -> None:
    client = manager(app)
    police = agency_id(app, "Essex Police")
    with app.app_context():
        staff = db.session.scalar(select(Person.id).where(Person.email == "staff.police@demo.example"))
        lead = db.session.scalar(select(Person.id).where(Person.email == "lead.police@demo.example"))
    url = f"/manager/agencies/{police}/people/{staff}"
    assert post(client, url, {"name": "Police Contributor", "email": "staff.police@demo.example", "role": "lead"}
                ).status_code == 302
    assert post(client, f"/manager/agencies/{police}/people/{lead}",
                {"name": "Police Lead", "email": "lead.police@demo.example", "role": "contributor"}).status_code == 302
    with app.app_context():
        roles = dict(db.session.execute(select(Person.email, func.count()).join(RoleAssignment).where(
            RoleAssignment.agency_id == police, RoleAssignment.role == Role.LEAD).group_by(Person.email)).all())
    assert roles == {"staff.police@demo.example": 1}
    rid = demo.return_id("Essex Police")
    new_lead = app.test_client()
    sign_in(new_lead, "staff.police@demo.example")
    assert new_lead.get(f"/agency/returns/{rid}/submit").status_code == 302, "a lead may reach sign-off"
    old_lead = app.test_client()
    sign_in(old_lead, "lead.police@demo.example")
    assert old_lead.get(f"/agency/returns/{rid}/submit").status_code == 403
    # The account is the person's own: a manager changes neither its name nor its email.
    taken = post(client, url, {"name": "Police Contributor", "email": "lead.police@demo.example", "role": "lead"})
    assert taken.status_code == 400
    assert errors(taken.get_data(as_text=True)) == ["Only Police Contributor or the administrator can change their "
                                                    "name or email address: the account is theirs"]


def test_remove_and_deactivate_a_person(app: Flask, demo: Demo) -> None:
    client = manager(app)
    police = agency_id(app, "Essex Police")
    with app.app_context():
        staff = db.session.scalar(select(Person.id).where(Person.email == "staff.police@demo.example"))
    person_page = f"/manager/agencies/{police}/people/{staff}"
    rid = demo.return_id("Essex Police")
    staff_client = app.test_client()
    assert sign_in(staff_client, "staff.police@demo.example").status_code == 302
    assert staff_client.get(f"/agency/returns/{rid}").status_code == 200
    assert post(client, f"{person_page}/deactivate", {}, page=person_page).status_code == 302
    # A deactivated membership: the account still signs in, but the agency's returns for this board are gone.
    assert staff_client.get(f"/agency/returns/{rid}").status_code == 403, "no agency role left to them"
    assert "Deactivated" in client.get(f"/manager/agencies/{police}").get_data(as_text=True)
    assert post(client, f"{person_page}/reactivate", {}, page=person_page).status_code == 302
    assert staff_client.get(f"/agency/returns/{rid}").status_code == 200
    assert post(client, f"{person_page}/remove", {}, page=person_page).status_code == 302
    assert "staff.police@demo.example" not in client.get(f"/manager/agencies/{police}").get_data(as_text=True)
    assert client.get(person_page).status_code == 404, "no longer in the agency"
    with app.app_context():
        assert db.session.get(Person, staff) is not None, "the account and what they wrote stay"


def test_manager_cannot_remove_themselves_or_reach_other_partnerships(app: Flask, demo: Demo) -> None:
    client = manager(app)
    with app.app_context():
        other = Partnership(name="Elsewhere Partnership", slug="elsewhere")
        agency = Agency(name="Elsewhere Police", kind="Police")
        db.session.add_all([other, agency, PartnershipAgency(partnership=other, agency=agency)])
        db.session.commit()
        foreign = agency.id
    assert "Elsewhere Police" not in client.get("/manager/agencies").get_data(as_text=True)
    assert client.get(f"/manager/agencies/{foreign}").status_code == 404
    assert client.get(f"/manager/agencies/{foreign}/people/new").status_code == 404
    police = agency_id(app, "Essex Police")
    assert client.get(f"/manager/agencies/{police}/people/999999").status_code == 404


def _csv(text: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode()), "people.csv"


def upload(client: FlaskClient, file: tuple[io.BytesIO, str]) -> object:
    data = form_data(client.get("/manager/agencies/import").get_data(as_text=True))
    return client.post("/manager/agencies/import", data={**data, "file": file}, content_type="multipart/form-data")


def test_import_previews_then_saves_on_confirm(app: Flask, demo: Demo) -> None:
    client = manager(app)
    before = counts(app)
    preview = upload(client, _csv("agency,type,name,email,role\n"
                                  "Hospice Trust,Health,Ann Hall,ann@hospice.example,lead\n"
                                  "Essex Police,,Bo Blue,bo@police.example,\n"))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "1 new agency, 2 new people, 2 new roles" in html and "Hospice Trust" in html
    assert counts(app) == before, "nothing saved by the preview"
    confirmed = client.post("/manager/agencies/import", data=form_data(html))
    assert confirmed.status_code == 302
    after = counts(app)
    assert after[0] == before[0] + 1 and after[2] == before[2] + 2
    page = client.get(f"/manager/agencies/{agency_id(app, 'Hospice Trust')}").get_data(as_text=True)
    assert "ann@hospice.example" in page and "Lead" in page


def test_import_xlsx(app: Flask, demo: Demo) -> None:
    book = Workbook()
    book.active.append(["Email", "Name", "Agency", "Role"])
    book.active.append(["cy@police.example", "Cy Green", "Essex Police", "Lead"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    preview = upload(manager(app), (buffer, "people.xlsx"))
    assert "0 new agencies, 1 new person, 1 new role" in preview.get_data(as_text=True)


def test_import_with_problems_lists_every_row_and_saves_nothing(app: Flask, demo: Demo) -> None:
    client = manager(app)
    before = counts(app)
    response = upload(client, _csv("agency,type,name,email,role\nNowhere Agency,,A,a@x.example,\n"
                                   "Essex Police,,B,not-email,\nEssex Police,,C,c@x.example,chief\n"
                                   "Essex Police,,D,d@x.example,\nEssex Police,,E,D@x.example,\n"
                                   "Essex Police,,F,f@example..org,\n"))
    assert response.status_code == 400
    problems = errors(response.get_data(as_text=True))
    assert problems == [
        "people.csv: row 2: unknown agency 'Nowhere Agency'; give its type to create it, or check the spelling "
        "against the partnership's agencies",
        "people.csv: row 3: 'not-email' is not an email address",
        "people.csv: row 4: role 'chief' is not lead or contributor",
        "people.csv: row 6: d@x.example appears twice with different names (first on row 5)",
        "people.csv: row 7: 'f@example..org' is not an email address"]
    assert "Nothing has been saved" in response.get_data(as_text=True)
    wrong_columns = upload(client, _csv("organisation,person\nA,B\n"))
    assert errors(wrong_columns.get_data(as_text=True)) == [
        "people.csv: row 1: the columns must be agency, type, name, email, role (agency is required); "
        "found: organisation, person"]
    assert errors(upload(client, _csv("")).get_data(as_text=True)) == ["people.csv is empty"]
    assert errors(upload(client, (io.BytesIO(b"PK\x03\x04broken"), "x.xlsx")).get_data(as_text=True)) == [
        "x.xlsx: the workbook is damaged and cannot be read"]
    assert counts(app) == before


def test_confirming_a_changed_file_checks_it_again(app: Flask, demo: Demo) -> None:
    client = manager(app)
    preview = upload(client, _csv("agency,type,name,email,role\nEssex Police,,Di,di@police.example,\n"))
    data = form_data(preview.get_data(as_text=True))
    import base64

    data["data"] = base64.b64encode(b"agency\nUnknown Agency\n").decode()
    response = client.post("/manager/agencies/import", data=data)
    assert response.status_code == 400 and "unknown agency 'Unknown Agency'" in errors(
        response.get_data(as_text=True))[0]
    data["data"] = "%%%not base64"
    assert client.post("/manager/agencies/import", data=data).status_code == 400


def test_a_zip_bomb_or_an_over_long_cell_is_refused_in_one_line(app: Flask, demo: Demo) -> None:
    from tests.cli.test_hostile_spreadsheets import _bomb, _xlsx

    client = manager(app)
    before = counts(app)
    bomb = _bomb(_xlsx([["agency", "type"], ["Essex Police", "police"]]))
    assert len(bomb) < 2 * 1024 * 1024, "small enough to pass the upload limit"
    response = upload(client, (io.BytesIO(bomb), "people.xlsx"))
    assert response.status_code == 400
    assert errors(response.get_data(as_text=True)) == [
        "people.xlsx: the workbook expands to far more than a list of agencies and people needs; it was not opened"]
    long_cell = upload(client, _csv('agency,type\n"' + "x" * 140_000 + '",police\n'))
    assert long_cell.status_code == 400
    assert "people.csv: row 2: this is not a readable CSV file" in errors(long_cell.get_data(as_text=True))[0]
    assert counts(app) == before
