"""A joint round: two boards run one Section 11 audit for the agencies serving both areas, as Southwark and
Lambeth did (seed 003). One board proposes; the other takes part only once its manager agrees, with agencies of
its own choosing. Then both boards' managers and chairs see it as their own; a third board sees nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Agency, Role
from survey.services import accounts, agencies, boards
from tests.authenticator import give_second_factor
from tests.fixtures_demo import PASSWORD, Demo, client_for
from tests.web.forms import date_fields, errors, form_data

OPENS = dt.date.today() + dt.timedelta(days=40)  # always to come
DEADLINE = OPENS + dt.timedelta(days=80)

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
        people = [agencies.add_person(session, youth, lambeth.id, "Yan Youth", "lead@youth.example", Role.LEAD).person]
        for email, role, board in (("manager@lambeth.example", Role.MANAGER, lambeth),
                                   ("chair@lambeth.example", Role.CHAIR, lambeth),
                                   ("manager@croydon.example", Role.MANAGER, croydon)):
            people.append(boards.add_board_person(session, email.split("@")[0].title(), email, role, board))
            give_second_factor(people[-1])
        for person in people:
            accounts.set_password(session, person, PASSWORD)
        session.commit()
        police = session.scalar(select(Agency.id).where(Agency.name == "Essex Police"))
        return {"lambeth": lambeth.id, "croydon": croydon.id, "youth": youth.id, "police": police}


def fields(page: str, **extra: object) -> dict[str, object]:
    given = form_data(page)
    data: dict[str, object] = {"csrf_token": given["csrf_token"], "partnership": given["partnership"],
                               "questionnaire": "section-11-audit", "title": "Joint Section 11 audit 2027",
                               **date_fields("opens_on", OPENS), **date_fields("deadline", DEADLINE)}
    data.update(extra)
    return data


def create_joint_round(client: FlaskClient, world: dict[str, int]) -> int:
    page = client.get("/manager/rounds/new").get_data(as_text=True)
    response = client.post("/manager/rounds/new", data=fields(
        page, joint=str(world["lambeth"]), agencies=[str(world["police"])]))
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    return int(re.search(r"/manager/rounds/(\d+)", response.location).group(1))  # type: ignore[union-attr]


def proposal_url(client: FlaskClient, round_title: str) -> str:
    home = client.get("/manager/").get_data(as_text=True)
    found = re.search(r'href="(/manager/joint/\d+)">' + re.escape(round_title), home)
    assert found, "the proposal is listed on the manager's home page"
    return found.group(1)


def test_a_joint_round_runs_only_once_the_other_board_agrees(app: Flask, boards_world: dict[str, int],
                                                             mailbox) -> None:  # type: ignore[no-untyped-def]
    southend = client_for(app, "manager@demo.example")
    page = southend.get("/manager/rounds/new").get_data(as_text=True)
    assert "Run jointly with (optional)" in page and LAMBETH in page and "Lambeth Youth Service" not in page

    # Another board's agency cannot be put in the round, even by asking for the list with its id.
    refused = southend.post("/manager/rounds/new", data=fields(page, joint=str(boards_world["lambeth"]),
                                                               agencies=[str(boards_world["youth"])]))
    assert refused.status_code == 400
    forged = southend.post("/manager/rounds/new", data=fields(page, partnership=str(boards_world["lambeth"]),
                                                              joint=str(boards_world["lambeth"]), refresh="agencies"))
    html = forged.get_data(as_text=True)
    assert forged.status_code == 200 and "Lambeth Youth Service" not in html and "Essex Police" in html
    assert "Joint Section 11 audit 2027" in html, "what was typed is kept"
    assert "Joint Section 11 audit 2027" not in southend.get("/manager/").get_data(as_text=True)

    round_id = create_joint_round(southend, boards_world)
    dashboard = southend.get(f"/manager/rounds/{round_id}").get_data(as_text=True)
    assert f"{LAMBETH}: waiting for their answer" in dashboard
    assert f"{SOUTHEND} and {LAMBETH}" not in dashboard and "Lambeth Youth Service" not in dashboard

    # Until Lambeth agrees it sees the request only, and its people hear nothing even when the round opens.
    lambeth = client_for(app, "manager@lambeth.example")
    assert lambeth.get(f"/manager/rounds/{round_id}").status_code == 404
    url = proposal_url(lambeth, "Joint Section 11 audit 2027")
    croydon = client_for(app, "manager@croydon.example")
    assert "Joint Section 11 audit" not in croydon.get("/manager/").get_data(as_text=True)
    assert croydon.get(url).status_code == 404 and croydon.post(url, data={}).status_code in (400, 404)
    assert croydon.get(f"/manager/rounds/{round_id}").status_code == 404
    confirm = southend.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    opened = southend.post(f"/manager/rounds/{round_id}/open", data={**form_data(confirm), "when": "now"})
    assert opened.status_code == 302
    assert mailbox.to("lead@youth.example") == []
    youth = client_for(app, "lead@youth.example")
    assert "Joint Section 11 audit 2027" not in youth.get("/agency/").get_data(as_text=True)

    # Lambeth agrees with its own agency, which is invited at once, in the names of both boards.
    proposal = lambeth.get(url).get_data(as_text=True)
    assert "Lambeth Youth Service" in proposal and "Essex Police" not in proposal
    none_chosen = lambeth.post(url, data={"csrf_token": form_data(proposal)["csrf_token"], "decision": "accept"})
    assert none_chosen.status_code == 400
    assert errors(none_chosen.get_data(as_text=True)) == ["Choose at least one of your agencies to take part"]
    agreed = lambeth.post(url, data={"csrf_token": form_data(proposal)["csrf_token"], "decision": "accept",
                                     "agencies": str(boards_world["youth"])})
    assert agreed.status_code == 302 and agreed.location == f"/manager/rounds/{round_id}"
    (invitation,) = mailbox.to("lead@youth.example")
    assert f"{SOUTHEND} and {LAMBETH} have opened" in mailbox.body(invitation)
    assert "Joint Section 11 audit 2027" in youth.get("/agency/").get_data(as_text=True)
    again = lambeth.post(url, data={"csrf_token": form_data(proposal)["csrf_token"], "decision": "decline"})
    assert again.status_code == 400 and "already been accepted" in again.get_data(as_text=True)
    assert f"{SOUTHEND} (jointly with {LAMBETH})" in lambeth.get("/manager/").get_data(as_text=True)
    dashboard = southend.get(f"/manager/rounds/{round_id}").get_data(as_text=True)
    assert f"{SOUTHEND} and {LAMBETH}" in dashboard and "Lambeth Youth Service" in dashboard
    with app.app_context():
        from survey.models import AuditEvent

        agreed_by = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.joint_accepted"))
        assert agreed_by is not None and agreed_by.round_id == round_id

    # Closed, the results belong to both boards' chairs.
    confirm = southend.get(f"/manager/rounds/{round_id}/close").get_data(as_text=True)
    assert southend.post(f"/manager/rounds/{round_id}/close", data=form_data(confirm)).status_code == 302
    chair = client_for(app, "chair@lambeth.example")
    assert "Joint Section 11 audit 2027" in chair.get("/chair/").get_data(as_text=True)
    results = chair.get(f"/chair/rounds/{round_id}/results")
    assert results.status_code == 200 and f"{SOUTHEND} and {LAMBETH}" in results.get_data(as_text=True)
    assert croydon.get(f"/manager/rounds/{round_id}/results").status_code == 404


def test_a_declined_joint_round_shares_nothing(app: Flask, boards_world: dict[str, int]) -> None:
    southend = client_for(app, "manager@demo.example")
    round_id = create_joint_round(southend, boards_world)
    lambeth = client_for(app, "manager@lambeth.example")
    url = proposal_url(lambeth, "Joint Section 11 audit 2027")
    page = lambeth.get(url).get_data(as_text=True)
    assert lambeth.post(url, data={"csrf_token": form_data(page)["csrf_token"], "decision": "decline"}
                        ).status_code == 302
    assert lambeth.get(f"/manager/rounds/{round_id}").status_code == 404
    assert "Joint Section 11 audit 2027" not in lambeth.get("/manager/").get_data(as_text=True)
    assert f"{LAMBETH}: declined" in southend.get(f"/manager/rounds/{round_id}").get_data(as_text=True)
    chair = client_for(app, "chair@lambeth.example")
    assert chair.get(f"/chair/rounds/{round_id}/results").status_code == 404


def test_joint_rounds_from_the_command_line(app: Flask, boards_world: dict[str, int], runner, db_url: str) -> None:  # type: ignore[no-untyped-def]
    import json

    from survey.cli import main

    env = {"SURVEY_DATABASE_URL": db_url}
    base = ["round", "create", "--partnership", "southend", "--questionnaire", "section-11-audit", "--title",
            "Joint audit", "--opens", OPENS.isoformat(), "--deadline", DEADLINE.isoformat()]
    alone = runner.invoke(main, [*base, "--agency", "Lambeth Youth Service", "--joint-with", "lambeth"], env=env)
    assert alone.exit_code != 0 and "unknown agencies for Southend" in alone.output
    nowhere = runner.invoke(main, [*base, "--joint-with", "nowhere"], env=env)
    assert nowhere.exit_code != 0 and "--joint-with: no partnership 'nowhere'" in nowhere.output
    made = runner.invoke(main, [*base, "--joint-with", "lambeth", "--agency", "Essex Police"], env=env)
    assert made.exit_code == 0 and f"(1 agencies, {LAMBETH} asked to run it jointly, draft)" in made.output
    round_id = re.search(r"created round (\d+)", made.output).group(1)  # type: ignore[union-attr]
    listed = json.loads(runner.invoke(main, ["round", "list", "--format", "json"], env=env).output)
    joint = next(r for r in listed if r["title"] == "Joint audit")
    assert "joint_with" not in joint and joint["returns"] == 1, "not joint until Lambeth agrees"
    wrong = runner.invoke(main, ["round", "joint", round_id, "accept", "--partnership", "lambeth",
                                 "--agency", "Essex Police"], env=env)
    assert wrong.exit_code != 0 and "unknown: Essex Police" in wrong.output
    stranger = runner.invoke(main, ["round", "joint", round_id, "accept", "--partnership", "croydon"], env=env)
    assert stranger.exit_code != 0 and "has not asked Croydon" in stranger.output
    agreed = runner.invoke(main, ["round", "joint", round_id, "accept", "--partnership", "lambeth",
                                  "--agency", "Lambeth Youth Service"], env=env)
    assert agreed.exit_code == 0, agreed.output
    listed = json.loads(runner.invoke(main, ["round", "list", "--format", "json"], env=env).output)
    joint = next(r for r in listed if r["title"] == "Joint audit")
    assert joint["partnership"] == SOUTHEND and joint["joint_with"] == [LAMBETH] and joint["returns"] == 2
    assert all("joint_with" not in r for r in listed if r["title"] != "Joint audit")
    table = runner.invoke(main, ["round", "list"], env=env).output
    assert f"{SOUTHEND} + {LAMBETH}" in table
    twice = runner.invoke(main, ["round", "joint", round_id, "decline", "--partnership", "lambeth"], env=env)
    assert twice.exit_code != 0 and "already been accepted" in twice.output
    other = runner.invoke(main, [*base, "--title", "Declined audit", "--joint-with", "lambeth"], env=env)
    other_id = re.search(r"created round (\d+)", other.output).group(1)  # type: ignore[union-attr]
    declined = runner.invoke(main, ["round", "joint", other_id, "decline", "--partnership", "lambeth"], env=env)
    assert declined.exit_code == 0 and f"{LAMBETH} declined round {other_id}" in declined.output
    listed = json.loads(runner.invoke(main, ["round", "list", "--format", "json"], env=env).output)
    assert "joint_with" not in next(r for r in listed if r["title"] == "Declined audit")


def test_a_proposal_decided_twice_at_once_is_decided_once(app: Flask, boards_world: dict[str, int]) -> None:
    """Two Lambeth managers open the proposal; both decide. The second is told it is taken, never a 500."""
    from survey.models import RoundPartnership
    from survey.services import joint_rounds
    from survey.services.rounds import RoundError

    round_id = create_joint_round(client_for(app, "manager@demo.example"), boards_world)
    with app.app_context():
        session = db.session()
        seen_by_second = session.scalar(select(RoundPartnership).where(RoundPartnership.round_id == round_id))
        session.expunge(seen_by_second)  # as the second manager's request loaded it, before the first decided
    lambeth = client_for(app, "manager@lambeth.example")
    url = proposal_url(lambeth, "Joint Section 11 audit 2027")
    page = lambeth.get(url).get_data(as_text=True)
    assert lambeth.post(url, data={"csrf_token": form_data(page)["csrf_token"], "decision": "decline"}
                        ).status_code == 302
    with app.app_context():
        session = db.session()
        stale = session.merge(seen_by_second, load=False)
        with pytest.raises(RoundError, match="already been declined"):
            joint_rounds.decline(session, stale, None)
        with pytest.raises(RoundError, match="already been declined"):
            joint_rounds.accept(session, session.merge(seen_by_second, load=False), [boards_world["youth"]], None,
                                None, None)  # type: ignore[arg-type]
        assert session.get(RoundPartnership, seen_by_second.id).state.value == "declined"
