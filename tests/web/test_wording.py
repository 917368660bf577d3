"""Words people read: possessives that read right, counts that agree, statements named by their text, times in
Europe/London, and no heading left empty."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Challenge, ChallengeMessage, Return, ReturnState
from survey.services.definitions import questionnaire_of
from survey.text import plural, possessive
from tests.fixtures_demo import Demo, client_for

SERVICES = "Southend Borough Council – Children's Services"


def test_the_rules() -> None:
    assert possessive("Essex Police") == "Essex Police's" and possessive(SERVICES) == f"{SERVICES}'"
    assert possessive("CAFCASS") == "CAFCASS'"
    assert (plural(1, "challenge"), plural(2, "challenge"), plural(0, "reply", "replies")) == (
        "1 challenge", "2 challenges", "0 replies")


def _submitted(app: Flask, demo: Demo, agency: str, at: dt.datetime) -> int:
    rid = demo.return_id(agency)
    with app.app_context():
        ret = db.session.get(Return, rid)
        for answer in ret.answers:
            answer.rating, answer.not_applicable = 3.0, False
        ret.state, ret.submitted_at, ret.declaration_name = ReturnState.SUBMITTED, at, "Sam Signer"
        db.session.commit()
    return rid


def test_a_name_ending_in_s_takes_an_apostrophe_alone(app: Flask, demo: Demo) -> None:
    rid = _submitted(app, demo, SERVICES, dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC))
    page = client_for(app, "manager@demo.example").get(f"/manager/returns/{rid}/moderate").get_data(as_text=True)
    assert f"Moderate {SERVICES}' return" in page.replace("&#39;", "'") and "Services's" not in page


def test_times_are_shown_in_london_time(app: Flask, demo: Demo) -> None:
    summer = _submitted(app, demo, "Essex Police", dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC))
    lead = client_for(app, "lead.police@demo.example")
    assert "Submitted on 1 July 2026 at 13:00" in lead.get(f"/agency/returns/{summer}/check").get_data(as_text=True)
    with app.app_context():
        db.session.get(Return, summer).submitted_at = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
        db.session.commit()
    assert "Submitted on 15 January 2026 at 12:00" in lead.get(f"/agency/returns/{summer}/check").get_data(
        as_text=True), "GMT in winter"


def test_a_challenge_names_its_statement_by_text_and_counts_agree(app: Flask, demo: Demo) -> None:
    rid = _submitted(app, demo, "Essex Police", dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC))
    with app.app_context():
        ret = db.session.get(Return, rid)
        statement_id = ret.answers[0].statement_id
        text = questionnaire_of(ret.round.definition_version).statement_text(statement_id)
        challenge = Challenge(return_id=rid, statement_id=statement_id)
        challenge.messages.append(ChallengeMessage(body="Which audit?", from_board=True))
        db.session.add(challenge)
        db.session.commit()
        challenge_id, round_id = challenge.id, ret.round_id
    manager = client_for(app, "manager@demo.example")
    thread = manager.get(f"/manager/challenges/{challenge_id}").get_data(as_text=True)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", thread, re.S).group(1)
    assert statement_id not in heading and text in thread.replace("&#39;", "'")
    listing = manager.get(f"/manager/rounds/{round_id}/challenges").get_data(as_text=True)
    assert "1 challenge, 1 waiting for an answer" in listing and "1 challenges" not in listing


def test_no_empty_commentary_heading(app: Flask, demo: Demo) -> None:
    with app.app_context():
        from survey.models import Answer, Round, RoundState

        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.CLOSED))
        for answer in db.session.scalars(select(Answer).join(Return).where(Return.round_id == round_id)):
            answer.commentary = ""
        db.session.commit()
    page = client_for(app, "manager@demo.example").get(f"/manager/rounds/{round_id}/results").get_data(as_text=True)
    assert "Partner commentary" in page and "No partner has written commentary yet." in page


def test_the_start_page_says_what_the_demo_cannot_reproduce(app: Flask, demo: Demo) -> None:
    page = app.test_client().get("/").get_data(as_text=True)
    assert "About the demo" in page
    for row in ("membership-1 (mode 4, mean 3.5, range 1)", "risk-1 (mode 3, mean 3.4, range 1.5)",
                "leadership-3 (mode 4, mean 3.5, range 1)"):
        assert row in page
    assert "means are 3.6, 3.2 and 3.6" in page


def test_without_the_demo_the_start_page_says_nothing_of_it(app: Flask) -> None:
    assert "About the demo" not in app.test_client().get("/").get_data(as_text=True)


def test_file_names_say_what_a_download_holds() -> None:
    from survey.text import file_name

    assert file_name("Section 11 audit 2026", "Southend Borough Council – Children's Services", ext="xlsx") == \
        "section-11-audit-2026-southend-borough-council-children-s-services.xlsx"
    assert file_name('"; evil\r\nSet-Cookie: x', ext="csv") == "evil-set-cookie-x.csv", "nothing a header could trip on"
    assert file_name("Ærø ‘Ωmega’", ext="pdf") == "r-mega.pdf" and file_name("", ext="csv") == "download.csv"
    assert len(file_name("x" * 500, ext="xlsx")) <= 125


def test_downloads_are_named_for_their_round_and_agency(app: Flask, demo: Demo) -> None:
    from survey.models import Round, RoundState

    rid = demo.return_id("Essex Police")
    with app.app_context():
        title = db.session.get(Return, rid).round.title
        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    manager = client_for(app, "manager@demo.example")
    with manager.get(f"/manager/returns/{rid}/workbook.xlsx") as workbook:
        assert f"filename={stem}-essex-police.xlsx" in workbook.headers["Content-Disposition"]
    with manager.get(f"/manager/rounds/{round_id}/status.csv") as status:
        assert f'filename="{stem}-status.csv"' in status.headers["Content-Disposition"]
