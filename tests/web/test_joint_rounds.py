"""A joint round: two boards run one Section 11 audit for the agencies serving both areas, as Southwark and
Lambeth did (seed 003). Both boards' managers and chairs see it as their own; a third board sees nothing."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Agency, Role
from survey.services import accounts, agencies, boards
from tests.fixtures_demo import PASSWORD, Demo, client_for
from tests.web.forms import errors, form_data

LAMBETH = "Lambeth Safeguarding Children Partnership"
SOUTHEND = "Southend Safeguarding Children Partnership"


@pytest.fixture
def boards_world(app: Flask, demo: Demo) -> dict[str, int]:
    """Lambeth with one agency of its own, a manager and a chair; Croydon with a manager; the demo's Southend."""
    with app.app_context():
        session = db.session()
        lambeth = boards.create_partnership(session, LAMBETH, "lambeth")
        croydon = boards.create_partnership(session, "Croydon Safeguarding Children Partnership", "croydon")
        youth = agencies.create_agency(session, lambeth.id, "Lambeth Youth Service", "youth service")
        people = [agencies.add_person(session, youth, "Yan Youth", "lead@youth.example", Role.LEAD)]
        for email, role, board in (("manager@lambeth.example", Role.MANAGER, lambeth),
                                   ("chair@lambeth.example", Role.CHAIR, lambeth),
                                   ("manager@croydon.example", Role.MANAGER, croydon)):
            people.append(boards.add_board_person(session, email.split("@")[0].title(), email, role, board))
        for person in people:
            accounts.set_password(session, person, PASSWORD)
        session.commit()
        police = session.scalar(select(Agency.id).where(Agency.name == "Essex Police"))
        return {"lambeth": lambeth.id, "croydon": croydon.id, "youth": youth.id, "police": police}


def fields(page: str, **extra: object) -> dict[str, object]:
    given = form_data(page)
    data: dict[str, object] = {"csrf_token": given["csrf_token"], "partnership": given["partnership"],
                               "questionnaire": "section-11-audit", "title": "Joint Section 11 audit 2027",
                               "opens_on-day": "1", "opens_on-month": "2", "opens_on-year": "2027",
                               "deadline-day": "31", "deadline-month": "3", "deadline-year": "2027"}
    data.update(extra)
    return data


def create_joint_round(client: FlaskClient, world: dict[str, int]) -> int:
    page = client.get("/manager/rounds/new").get_data(as_text=True)
    response = client.post("/manager/rounds/new", data=fields(
        page, joint=str(world["lambeth"]), agencies=[str(world["police"]), str(world["youth"])]))
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    return int(re.search(r"/manager/rounds/(\d+)", response.location).group(1))  # type: ignore[union-attr]


def test_a_manager_sets_up_a_joint_round(app: Flask, boards_world: dict[str, int], mailbox) -> None:  # type: ignore[no-untyped-def]
    southend = client_for(app, "manager@demo.example")
    page = southend.get("/manager/rounds/new").get_data(as_text=True)
    assert "Run jointly with (optional)" in page and LAMBETH in page and "Lambeth Youth Service" not in page

    # Without Lambeth ticked, Lambeth's agency cannot take part.
    refused = southend.post("/manager/rounds/new", data=fields(page, agencies=[str(boards_world["youth"])]))
    assert refused.status_code == 400
    # Ticking Lambeth and asking for the list shows its agencies, ticked, and creates nothing.
    listed = southend.post("/manager/rounds/new", data=fields(page, joint=str(boards_world["lambeth"]),
                                                              refresh="agencies"))
    html = listed.get_data(as_text=True)
    assert listed.status_code == 200 and "Lambeth Youth Service" in html and "Essex Police" in html
    assert f'name="agencies" type="checkbox" value="{boards_world["youth"]}" checked' in html, "ticked"
    assert "Joint Section 11 audit 2027" in html, "what was typed is kept"
    assert "Joint Section 11 audit 2027" not in southend.get("/manager/").get_data(as_text=True)

    round_id = create_joint_round(southend, boards_world)
    dashboard = southend.get(f"/manager/rounds/{round_id}").get_data(as_text=True)
    assert f"{SOUTHEND} and {LAMBETH}" in dashboard and "Lambeth Youth Service" in dashboard

    lambeth = client_for(app, "manager@lambeth.example")
    assert f"{SOUTHEND} (jointly with {LAMBETH})" in lambeth.get("/manager/").get_data(as_text=True)
    assert lambeth.get(f"/manager/rounds/{round_id}").status_code == 200
    croydon = client_for(app, "manager@croydon.example")
    assert "Joint Section 11 audit" not in croydon.get("/manager/").get_data(as_text=True)
    assert croydon.get(f"/manager/rounds/{round_id}").status_code == 404

    # Lambeth's manager opens it; Lambeth's agency is invited, in the names of both boards.
    confirm = lambeth.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    assert lambeth.post(f"/manager/rounds/{round_id}/open", data=form_data(confirm)).status_code == 302
    (invitation,) = mailbox.to("lead@youth.example")
    assert f"{SOUTHEND} and {LAMBETH} have opened" in mailbox.body(invitation)
    youth = client_for(app, "lead@youth.example")
    assert "Joint Section 11 audit 2027" in youth.get("/agency/").get_data(as_text=True)

    # Closed, the results belong to both boards' chairs; the areas' actions may be owned by any of their agencies.
    confirm = southend.get(f"/manager/rounds/{round_id}/close").get_data(as_text=True)
    assert southend.post(f"/manager/rounds/{round_id}/close", data=form_data(confirm)).status_code == 302
    chair = client_for(app, "chair@lambeth.example")
    assert "Joint Section 11 audit 2027" in chair.get("/chair/").get_data(as_text=True)
    results = chair.get(f"/chair/rounds/{round_id}/results")
    assert results.status_code == 200 and f"{SOUTHEND} and {LAMBETH}" in results.get_data(as_text=True)
    assert croydon.get(f"/manager/rounds/{round_id}/results").status_code == 404


def test_joint_rounds_from_the_command_line(app: Flask, boards_world: dict[str, int], runner, db_url: str) -> None:  # type: ignore[no-untyped-def]
    import json

    from survey.cli import main

    env = {"SURVEY_DATABASE_URL": db_url}
    base = ["round", "create", "--partnership", "southend", "--questionnaire", "section-11-audit", "--title",
            "Joint audit", "--opens", "2027-02-01", "--deadline", "2027-03-31", "--agency", "Lambeth Youth Service"]
    alone = runner.invoke(main, base, env=env)
    assert alone.exit_code != 0 and "unknown agencies for Southend" in alone.output
    nowhere = runner.invoke(main, [*base, "--joint-with", "nowhere"], env=env)
    assert nowhere.exit_code != 0 and "--joint-with: no partnership 'nowhere'" in nowhere.output
    made = runner.invoke(main, [*base, "--joint-with", "lambeth", "--agency", "Essex Police"], env=env)
    assert made.exit_code == 0 and f"(2 agencies, jointly with {LAMBETH}, draft)" in made.output
    listed = json.loads(runner.invoke(main, ["round", "list", "--format", "json"], env=env).output)
    joint = next(r for r in listed if r["title"] == "Joint audit")
    assert joint["partnership"] == SOUTHEND and joint["joint_with"] == [LAMBETH] and joint["returns"] == 2
    assert all("joint_with" not in r for r in listed if r["title"] != "Joint audit")
    table = runner.invoke(main, ["round", "list"], env=env).output
    assert f"{SOUTHEND} + {LAMBETH}" in table
