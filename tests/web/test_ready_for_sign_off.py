"""A contributor tells the agency's leads that a complete return is ready to sign off: once an hour, only for a
complete return of their own agency."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, Person
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import csrf_token

CHILDRENS = "Southend Borough Council – Children's Services"


def tell(client, rid: int):  # type: ignore[no-untyped-def]
    page = client.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    return client.post(f"/agency/returns/{rid}/ready", data={"csrf_token": csrf_token(page)}, follow_redirects=True)


def test_a_contributor_tells_the_lead_once_an_hour(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    rid = demo.return_id(CHILDRENS)  # every statement answered in the demo
    staff = client_for(app, "staff.childrens-services@demo.example")
    page = staff.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    assert "Tell the lead it is ready" in page
    with app.app_context():
        names = dict(db.session.execute(select(Person.email, Person.name).where(Person.email.in_(
            ["lead.childrens-services@demo.example", "staff.childrens-services@demo.example"]))).all())
    mailbox.messages.clear()
    done = tell(staff, rid).get_data(as_text=True)
    assert f"{names['lead.childrens-services@demo.example']} has been told the return is ready to sign off" in done
    [email] = mailbox.to("lead.childrens-services@demo.example")
    assert email["Subject"].startswith("Ready to sign off: Section 11 audit")  # type: ignore[index]
    body = mailbox.body(email)
    assert f"{names['staff.childrens-services@demo.example']} says" in body
    assert f"/agency/returns/{rid}/check" in body
    assert len(mailbox.messages) == 1, "only the agency's lead is told"
    assert "leads were told it is ready on" in staff.get(f"/agency/returns/{rid}/check").get_data(as_text=True)
    again = tell(client_for(app, "officer.childrens-services@demo.example"), rid).get_data(as_text=True)
    assert "were told less than an hour ago" in again and len(mailbox.messages) == 1
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.return_id == rid,
                                                                 AuditEvent.action == "return.ready_for_sign_off"))
    lead_page = client_for(app, "lead.childrens-services@demo.example").get(f"/agency/returns/{rid}/check")
    assert "Tell the lead it is ready" not in lead_page.get_data(as_text=True), "the lead signs off instead"


def test_an_incomplete_or_someone_elses_return_tells_nobody(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    police = demo.return_id("Essex Police")
    staff = client_for(app, "staff.police@demo.example")
    assert "Tell the lead it is ready" not in staff.get(f"/agency/returns/{police}/check").get_data(as_text=True)
    mailbox.messages.clear()
    refused = tell(staff, police).get_data(as_text=True)
    assert "The return is not complete yet" in refused and mailbox.messages == []
    other = demo.return_id(CHILDRENS)
    page = staff.get(f"/agency/returns/{police}/check").get_data(as_text=True)
    response = staff.post(f"/agency/returns/{other}/ready", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 404 and mailbox.messages == []
