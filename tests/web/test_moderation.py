"""Moderation and challenges over HTTP, for every role, and self vs moderated figures in page, workbook and CLI."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey.cli import main
from survey.extensions import db
from survey.models import Answer, Challenge, ChallengeState, Moderation, Return, ReturnState, RoundState
from survey.services.definitions import questionnaire_of
from tests.fixtures_demo import Demo, client_for, round_in_state
from tests.web.forms import errors, form_data


def submitted_police_return(app: Flask, demo: Demo) -> int:
    """Essex Police's return in the open Section 11 round, rated and submitted."""
    rid = demo.return_id("Essex Police")
    with app.app_context():
        ret = db.session.get(Return, rid)
        for answer in ret.answers:
            answer.rating, answer.not_applicable = 3.0, False
        ret.state = ReturnState.SUBMITTED
        db.session.commit()
    return rid


def moderate(client: FlaskClient, rid: int, statement_id: str, rating: str, note: str) -> object:
    page = client.get(f"/manager/returns/{rid}/moderate").get_data(as_text=True)
    data = form_data(page, contains=f"/moderate/{statement_id}")
    return client.post(f"/manager/returns/{rid}/moderate/{statement_id}",
                       data={"csrf_token": data["csrf_token"], "rating": rating, "note": note})


def first_answered(app: Flask, rid: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Answer.statement_id).where(Answer.return_id == rid).order_by(Answer.id))


def test_moderation_is_kept_beside_the_agency_rating(app: Flask, demo: Demo) -> None:
    rid = submitted_police_return(app, demo)
    statement = first_answered(app, rid)
    manager = client_for(app, "manager@demo.example")
    assert moderate(manager, rid, statement, "1", "Evidence did not support a good rating").status_code == 302
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.return_id == rid, Answer.statement_id == statement))
        assert answer.rating == 3.0, "the agency's own rating is kept"
        assert db.session.scalar(select(Moderation.rating).where(Moderation.return_id == rid)) == 1.0
    for email in ("lead.police@demo.example", "staff.police@demo.example"):
        page = client_for(app, email).get(f"/agency/returns/{rid}").get_data(as_text=True)
        assert "From the board" in page and "Evidence did not support a good rating" in page
        assert "1 – Inadequate" in page or "1 – " in page
    assert "From the board" not in client_for(app, "lead.cafcass@demo.example").get("/agency/").get_data(
        as_text=True)
    cleared = moderate(manager, rid, statement, "", "")
    assert cleared.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Moderation)) == 0


@pytest.mark.parametrize(("rating", "note", "message"), [
    ("7", "x", "7 is not on the scale"),
    ("abc", "x", "Choose a rating on the scale"),
    ("2", "", "Give a note saying why the board's rating differs or agrees"),
    ("2", "x" * 2001, "The note must be 2000 characters or fewer"),
])
def test_bad_moderation_saves_nothing(app: Flask, demo: Demo, rating: str, note: str, message: str) -> None:
    rid = submitted_police_return(app, demo)
    statement = first_answered(app, rid)
    response = moderate(client_for(app, "manager@demo.example"), rid, statement, rating, note)
    assert response.status_code == 400
    assert any(message in e for e in errors(response.get_data(as_text=True)))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Moderation)) == 0


def test_moderating_an_unsubmitted_return_or_a_closed_round_is_refused(app: Flask, demo: Demo) -> None:
    manager = client_for(app, "manager@demo.example")
    draft = demo.return_id("CAFCASS")
    statement = first_answered(app, draft) or "supervision-1"
    page = manager.get(f"/manager/returns/{draft}/moderate").get_data(as_text=True)
    assert "has not been submitted, so it cannot be moderated" in page and "Save moderation" not in page
    csrf = form_data(manager.get("/manager/").get_data(as_text=True), contains="sign-out")["csrf_token"]
    refused = manager.post(f"/manager/returns/{draft}/moderate/{statement}",
                           data={"csrf_token": csrf, "rating": "2", "note": "x"})
    assert refused.status_code == 400 and "has not been submitted" in errors(refused.get_data(as_text=True))[0]
    closed = demo.return_id("Essex Police", RoundState.CLOSED)
    refused = manager.post(f"/manager/returns/{closed}/moderate/strategic-plan-1",
                           data={"csrf_token": csrf, "rating": "2", "note": "x"})
    assert refused.status_code == 400 and "is closed" in errors(refused.get_data(as_text=True))[0]
    challenge = manager.post(f"/manager/returns/{closed}/challenges",
                             data={"csrf_token": csrf, "statement_id": "strategic-plan-1", "question": "Why?"})
    assert challenge.status_code == 400 and "is closed" in errors(challenge.get_data(as_text=True))[0]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Moderation)) == 0
        assert db.session.scalar(select(func.count()).select_from(Challenge)) == 0


def test_a_challenge_thread(app: Flask, demo: Demo, mailbox) -> None:  # type: ignore[no-untyped-def]
    rid = submitted_police_return(app, demo)
    statement = first_answered(app, rid)
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/returns/{rid}/moderate").get_data(as_text=True)
    data = form_data(page, contains="/challenges")
    blank = manager.post(f"/manager/returns/{rid}/challenges", data={**data, "statement_id": statement,
                                                                     "question": "  "})
    assert blank.status_code == 400 and "Write the message" in errors(blank.get_data(as_text=True))[0]
    raised = manager.post(f"/manager/returns/{rid}/challenges",
                          data={**data, "statement_id": statement, "question": "What audit supports this?"})
    assert raised.status_code == 302
    challenge_id = int(re.search(r"/challenges/(\d+)", raised.location).group(1))
    [email] = mailbox.to("lead.police@demo.example")
    assert "What audit supports this?" in mailbox.body(email)
    with app.app_context():
        text = questionnaire_of(db.session.get(Return, rid).round.definition_version).statement_text(statement)
    assert f'on the statement "{text}"' in " ".join(mailbox.body(email).split()), "named by its text, not its id"
    assert f"/agency/returns/{rid}/challenges/{challenge_id}" in mailbox.body(email)
    assert not mailbox.to("staff.police@demo.example"), "the lead answers challenges"

    url = f"/agency/returns/{rid}/challenges/{challenge_id}"
    staff = client_for(app, "staff.police@demo.example")
    assert "What audit supports this?" in staff.get(url).get_data(as_text=True)
    token = form_data(staff.get(url).get_data(as_text=True), contains="sign-out")["csrf_token"]
    assert staff.post(url, data={"csrf_token": token, "body": "x"}).status_code == 403
    other = client_for(app, "lead.cafcass@demo.example")
    assert other.get(url).status_code == 404
    lead = client_for(app, "lead.police@demo.example")
    answer_form = form_data(lead.get(url).get_data(as_text=True))
    assert lead.post(url, data={**answer_form, "body": "The March 2026 audit."}).status_code == 302
    with app.app_context():
        assert db.session.get(Challenge, challenge_id).state is ChallengeState.ANSWERED
    [answered] = mailbox.to("manager@demo.example")
    assert answered["Subject"].startswith("Answered: ") and "The March 2026 audit." in mailbox.body(answered)
    assert f"/manager/challenges/{challenge_id}" in mailbox.body(answered)
    assert not mailbox.to("manager@essex.example") and not mailbox.to("chair@demo.example"), "its own managers only"

    thread = f"/manager/challenges/{challenge_id}"
    html = manager.get(thread).get_data(as_text=True)
    assert "The March 2026 audit." in html and "Answered" in html
    follow = manager.post(thread, data={**form_data(html), "body": "Please send it."})
    assert follow.status_code == 302 and len(mailbox.to("lead.police@demo.example")) == 2
    close = manager.post(thread, data={**form_data(manager.get(thread).get_data(as_text=True)), "action": "close"})
    assert close.status_code == 302
    listing = manager.get(f"/manager/rounds/{open_round_id(app)}/challenges").get_data(as_text=True)
    assert "Essex Police" in listing and "What audit supports this?" in listing and "Closed" in listing
    with manager.get(f"/manager/rounds/{open_round_id(app)}/challenges.csv") as response:
        lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("challenge,agency,statement,status,message") and len(lines) == 4
    assert "The March 2026 audit." in lines[2] and ",agency," in lines[2]
    late = lead.post(url, data={**answer_form, "body": "More"})
    assert late.status_code == 400 and "This challenge is closed" in errors(late.get_data(as_text=True))


def open_round_id(app: Flask) -> int:
    return round_in_state(app, RoundState.OPEN)


def test_moderation_pages_by_role(app: Flask, demo: Demo) -> None:
    rid = submitted_police_return(app, demo)
    for email, expected in (("lead.police@demo.example", 403), ("chair@demo.example", 403),
                            ("admin@demo.example", 403), ("manager@demo.example", 200)):
        assert client_for(app, email).get(f"/manager/returns/{rid}/moderate").status_code == expected
    assert app.test_client().get(f"/manager/returns/{rid}/moderate").status_code == 302


def test_self_and_moderated_figures_differ_in_page_workbook_and_cli(app: Flask, demo: Demo, db_url: str) -> None:
    # Three submitted returns in the open round, all rated 3; the board moderates one statement of one down to 1.
    rids = [submitted_police_return(app, demo)]
    statement = first_answered(app, rids[0])
    round_id = open_round_id(app)
    with app.app_context():
        others = db.session.scalars(select(Return).where(Return.round_id == round_id,
                                                         Return.id != rids[0]).limit(2)).all()
        for ret in others:
            ret.state = ReturnState.SUBMITTED
            answer = next((a for a in ret.answers if a.statement_id == statement), None)
            if answer is None:
                ret.answers.append(Answer(statement_id=statement, rating=3.0))
            else:
                answer.rating, answer.not_applicable = 3.0, False
        db.session.commit()
    manager = client_for(app, "manager@demo.example")
    assert moderate(manager, rids[0], statement, "1", "Not evidenced").status_code == 302

    def mean_in_page(query: str) -> str:
        page = manager.get(f"/manager/rounds/{round_id}/results{query}").get_data(as_text=True)
        row = re.search(rf'id="statement-{statement}">(.*?)</tr>', page, re.S).group(1)
        return re.findall(r"govuk-table__cell--numeric[^>]*>\s*([\d.]+)", row)[0]

    self_page = html.unescape(manager.get(f"/manager/rounds/{round_id}/results").get_data(as_text=True))
    assert "Figures from the agencies' own ratings." in self_page and "Show moderated ratings" in self_page
    assert mean_in_page("") == "3.0" and mean_in_page("?ratings=moderated") == "2.3"
    assert "Figures from moderated ratings where the board has moderated" in html.unescape(manager.get(
        f"/manager/rounds/{round_id}/results?ratings=moderated").get_data(as_text=True))

    def workbook_mean(query: str) -> tuple[float, str]:
        with manager.get(f"/manager/rounds/{round_id}/workbook.xlsx{query}") as response:
            book = load_workbook(io.BytesIO(response.get_data()))
        about = dict(book["About"].iter_rows(min_row=2, values_only=True))
        for values in book["Summary"].iter_rows(min_row=2, values_only=True):
            if values[3] == statement:
                return values[5], about["Figures"]
        raise AssertionError("statement not in the Summary")

    assert workbook_mean("") == (pytest.approx(3.0), "Collated from the agencies' own ratings")
    mean, kind = workbook_mean("?ratings=moderated")
    assert mean == pytest.approx(7 / 3) and kind.startswith("Collated from moderated ratings")

    runner = CliRunner()
    env = {"SURVEY_DATABASE_URL": db_url}

    def cli_mean(ratings: str) -> float:
        result = runner.invoke(main, ["round", "results", str(round_id), "--ratings", ratings, "--format", "json"],
                               env=env)
        assert result.exit_code == 0, result.output
        return next(r["mean"] for r in json.loads(result.stdout) if r["id"] == statement)

    assert cli_mean("self") == pytest.approx(3.0) and cli_mean("moderated") == pytest.approx(7 / 3)
