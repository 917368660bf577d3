"""The administrator's page for how a partnership's people sign in (no provider is configured here)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, Partnership
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import csrf_token

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def partnership_id(app: Flask) -> int:
    with app.app_context():
        found = db.session.scalar(select(Partnership))
        assert found is not None
        return found.id


def post_settings(client, pid: int, **data: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/admin/partnerships/{pid}/sign-in")
    token = csrf_token(page.get_data(as_text=True))
    return client.post(f"/admin/partnerships/{pid}/sign-in", data={"csrf_token": token, **data})


def test_the_administrator_lists_tenants_and_nothing_bad_is_saved(app: Flask, demo: Demo) -> None:
    admin, pid = client_for(app, "admin@demo.example"), partnership_id(app)
    page = admin.get(f"/admin/partnerships/{pid}/sign-in").get_data(as_text=True)
    assert "No single sign-on provider is set up" in page
    refused = post_settings(admin, pid, tenants=f"{TENANT}\ncontoso.onmicrosoft.com")
    assert refused.status_code == 400 and "&#39;contoso.onmicrosoft.com&#39; is not a tenant id" in refused.get_data(
        as_text=True)
    # Requiring single sign-on with no provider would lock everyone out: refused, with the tenants unsaved too.
    refused = post_settings(admin, pid, tenants=TENANT, required="y")
    assert refused.status_code == 400 and "cannot be required yet" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Partnership, pid).sso_tenants == ""  # type: ignore[union-attr]
    saved = post_settings(admin, pid, tenants=f"{TENANT.upper()}, {TENANT}")
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Partnership, pid).sso_tenants == TENANT  # type: ignore[union-attr]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partnership.sso_changed"))
        assert event is not None and event.new == {"tenants": [TENANT], "required": False}


def test_only_the_administrator_changes_how_people_sign_in(app: Flask, demo: Demo) -> None:
    pid = partnership_id(app)
    manager = client_for(app, "manager@demo.example")
    assert manager.get(f"/admin/partnerships/{pid}/sign-in").status_code == 403
    assert manager.post(f"/admin/partnerships/{pid}/sign-in", data={"tenants": TENANT}).status_code in (400, 403)
    with app.app_context():
        assert db.session.get(Partnership, pid).sso_tenants == ""  # type: ignore[union-attr]
