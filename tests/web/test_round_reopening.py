"""Reopening a closed round: with a reason, audited, by the round's own manager only; the chair keeps seeing the
final results they read, so nothing can be worked out by comparing them with what comes later."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, Publication, Return, ReturnState, Round, RoundState
from tests.fixtures_demo import Demo, client_for, round_in_state
from tests.web.forms import csrf_token, errors


def figures(page: str) -> list[str]:
    """The results table's cells, as the chair reads them."""
    table = re.search(r'<table class="govuk-table app-results-table.*?</table>', page, re.S)
    assert table, page[:1000]
    return [re.sub(r"\s+", " ", re.sub("<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>",
                                                                                   table.group(0), re.S)]


def test_a_closed_round_reopens_with_a_reason_and_the_chair_keeps_its_final_results(app: Flask, demo: Demo) -> None:
    rid = round_in_state(app, RoundState.CLOSED)
    chair = client_for(app, "chair@demo.example")
    before = figures(chair.get(f"/chair/rounds/{rid}/results").get_data(as_text=True))
    manager = client_for(app, "manager@demo.example")
    dashboard = manager.get(f"/manager/rounds/{rid}").get_data(as_text=True)
    assert "Reopen the round" in dashboard
    page = manager.get(f"/manager/rounds/{rid}/reopen").get_data(as_text=True)
    blank = manager.post(f"/manager/rounds/{rid}/reopen", data={"csrf_token": csrf_token(page), "reason": "  "})
    assert blank.status_code == 400
    assert errors(blank.get_data(as_text=True)) == [
        "Enter the reason for reopening the round; it is kept in the audit log"]
    done = manager.post(f"/manager/rounds/{rid}/reopen", data={"csrf_token": csrf_token(page),
                                                              "reason": "The police return arrived a day late"})
    assert done.status_code == 302
    with app.app_context():
        found = db.session.get_one(Round, rid)
        assert found.state is RoundState.OPEN and found.closed_at is None
        submitted = sorted(r.id for r in found.returns if r.state is ReturnState.SUBMITTED)
        [kept] = db.session.scalars(select(Publication).where(Publication.round_id == rid)).all()
        assert sorted(kept.return_ids) == submitted and kept.final
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.reopened"))
        assert event is not None and event.new == {"reason": "The police return arrived a day late"}
    assert figures(chair.get(f"/chair/rounds/{rid}/results").get_data(as_text=True)) == before
    again = manager.post(f"/manager/rounds/{rid}/reopen", data={"csrf_token": csrf_token(page), "reason": "x"})
    assert again.status_code == 400 and "is not closed" in again.get_data(as_text=True)
    # Open again, its submitted returns can be reopened one by one.
    one = submitted[0]
    reopen = manager.get(f"/manager/returns/{one}/reopen").get_data(as_text=True)
    reopened = manager.post(f"/manager/returns/{one}/reopen", data={"csrf_token": csrf_token(reopen),
                                                                    "reason": "Check the training figures"})
    assert reopened.status_code == 302
    with app.app_context():
        assert db.session.get_one(Return, one).state is ReturnState.REOPENED


def test_only_the_rounds_own_manager_reopens_it(app: Flask, demo: Demo) -> None:
    rid = round_in_state(app, RoundState.CLOSED)
    for email in ("chair@demo.example", "lead.police@demo.example"):
        client = client_for(app, email)
        page = client.get("/account").get_data(as_text=True)
        response = client.post(f"/manager/rounds/{rid}/reopen", data={"csrf_token": csrf_token(page), "reason": "x"})
        assert response.status_code == 403, email
    with app.app_context():
        assert db.session.get_one(Round, rid).state is RoundState.CLOSED


def test_the_command_line_reopens_a_round(app: Flask, demo: Demo, runner, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from survey.cli import main

    rid = round_in_state(app, RoundState.CLOSED)
    env = {"SURVEY_DATABASE_URL": db_url}
    missing = runner.invoke(main, ["round", "reopen", str(rid)], env=env)
    assert missing.exit_code == 2 and "--reason" in missing.output
    done = runner.invoke(main, ["round", "reopen", str(rid), "--reason", "Closed a week early"], env=env)
    assert done.exit_code == 0 and f"reopened round {rid}" in done.output
    twice = runner.invoke(main, ["round", "reopen", str(rid), "--reason", "again"], env=env)
    assert twice.exit_code == 1 and "is not closed" in twice.output


def test_a_publication_is_withdrawn_with_a_reason_and_still_compared_with(app: Flask, demo: Demo) -> None:
    from survey.services import results

    rid = round_in_state(app, RoundState.CLOSED)
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{rid}/reopen").get_data(as_text=True)
    manager.post(f"/manager/rounds/{rid}/reopen", data={"csrf_token": csrf_token(page), "reason": "Late return"})
    chair = client_for(app, "chair@demo.example")
    assert chair.get(f"/chair/rounds/{rid}/results").status_code == 200, "the kept final results"
    page = manager.get(f"/manager/rounds/{rid}/results").get_data(as_text=True)
    assert "Withdraw the publication the chair sees" in page
    blank = manager.post(f"/manager/rounds/{rid}/withdraw", data={"csrf_token": csrf_token(page), "reason": ""},
                         follow_redirects=True)
    assert "Enter the reason for withdrawing the publication" in blank.get_data(as_text=True)
    assert chair.get(f"/chair/rounds/{rid}/results").status_code == 200
    done = manager.post(f"/manager/rounds/{rid}/withdraw", follow_redirects=True,
                        data={"csrf_token": csrf_token(page), "reason": "Published before moderation"})
    text = done.get_data(as_text=True)
    assert "The publication is withdrawn" in text and "Published before moderation" in text
    assert "The chair sees no interim results until you publish again" in text
    assert chair.get(f"/chair/rounds/{rid}/results").status_code == 404
    with app.app_context():
        found = db.session.get_one(Round, rid)
        [withdrawn] = results.publications(db.session(), rid)
        assert withdrawn.withdrawn_at is not None and found.published_at is None
        assert db.session.scalar(select(AuditEvent.new).where(AuditEvent.action == "round.results_withdrawn")) == {
            "reason": "Published before moderation"}
        # The chair has read it: a later release is still compared with it.
        later = results.publish(db.session(), found, None)  # the same returns again: nothing new, no reason needed
        db.session.commit()
        release = results.release_for(db.session(), found, "chair")
        assert release.published is not None and release.published.id == later.id
        assert [p.id for p in release.earlier] == [withdrawn.id]
    again = manager.post(f"/manager/rounds/{rid}/withdraw", follow_redirects=True,
                         data={"csrf_token": csrf_token(page), "reason": "twice"})
    assert "The publication is withdrawn" in again.get_data(as_text=True), "the newer one, this time"
