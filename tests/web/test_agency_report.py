"""An agency's report on a round: statements by their text, the return's true state, and the partnership's figures
beside the agency's own only where the other agencies' ratings meet k by themselves."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from survey.cli import main
from survey.extensions import db
from survey.models import Agency, Answer, Return, ReturnState, Round, RoundState
from tests.fixtures_demo import Demo, client_for

from .test_action_plans import submit_with_actions

LEAD = "lead.police@demo.example"


def police_in_closed_round(app: Flask) -> tuple[int, int]:
    with app.app_context():
        found = db.session.execute(select(Return.id, Return.round_id).join(Agency).join(Round).where(
            Round.state == RoundState.CLOSED, Agency.name == "Essex Police")).one()
        return found[0], found[1]


def row_of(page: str, statement_text: str) -> str:
    start = page.index(str(escape(statement_text))[:60])
    return page[start:page.index("</tr>", start)]


def test_the_partnership_beside_the_agency_only_where_the_others_meet_k(app: Flask, demo: Demo) -> None:
    rid, round_id = police_in_closed_round(app)
    done = CliRunner().invoke(main, ["round", "results", str(round_id), "--format", "json"],
                              env={"SURVEY_DATABASE_URL": app.config["DATABASE_URL"]})
    figures = {r["id"]: r for r in json.loads(done.stdout)}
    lead = client_for(app, LEAD)
    page = lead.get(f"/agency/returns/{rid}/report").get_data(as_text=True)
    assert "Partnership mean (range)" in page and "from the final results, where at least 3 other agencies" in page
    with app.app_context():
        from survey.services.definitions import questionnaire_of

        questionnaire = questionnaire_of(db.session.get(Round, round_id).definition_version)
        text = {st.id: st.text for _, _, st in questionnaire.statements()}
    six = figures["strategic-plan-1"]
    assert six["n"] == 6 and f">{six['mean_label']} (" in row_of(page, text["strategic-plan-1"])
    # Leave strategic-plan-1 rated by three agencies, Essex Police among them: the chair may see its figures
    # (three ratings), but Essex Police, taking its own away, would learn about two.
    with app.app_context():
        others = db.session.scalars(select(Answer).join(Return).where(
            Return.round_id == round_id, Return.id != rid, Answer.statement_id == "strategic-plan-1",
            Answer.rating.is_not(None)).order_by(Answer.id)).all()
        for answer in others[2:]:
            answer.rating, answer.not_applicable = None, True
        db.session.commit()
    chair = client_for(app, "chair@demo.example").get(f"/chair/rounds/{round_id}/results").get_data(as_text=True)
    assert 'id="statement-strategic-plan-1"' in chair
    page = lead.get(f"/agency/returns/{rid}/report").get_data(as_text=True)
    assert f">{six['mean_label']} (" not in row_of(page, text["strategic-plan-1"])
    assert '<td class="govuk-table__cell">–</td>' in row_of(page, text["strategic-plan-1"])
    other = figures["strategic-plan-2"]
    assert f">{other['mean_label']} (" in row_of(page, text["strategic-plan-2"]), "other statements keep theirs"


def test_statements_by_their_text_and_a_reopened_return_says_so(app: Flask, demo: Demo) -> None:
    rid = submit_with_actions(app, demo)
    lead = client_for(app, LEAD)
    page = lead.get(f"/agency/returns/{rid}/report").get_data(as_text=True)
    assert re.search(r"Submitted on \d+ \w+ \d{4} by Lee Lead \(Head of safeguarding\)", page)
    with app.app_context():
        from survey.services.definitions import questionnaire_of

        ret = db.session.get(Return, rid)
        first = next(st for _, _, st in questionnaire_of(ret.round.definition_version).statements())
    # The statement's text labels its row and its action; its id is only the small print beneath.
    assert re.search(rf'app-report-statement">{re.escape(str(escape(first.text)))}<span', page)
    actions = page[page.index("<h2 class=\"govuk-heading-m\">Actions</h2>"):]
    assert str(escape(first.text)) in actions
    assert "No partnership figures" not in page and "Partnership mean" not in page, "nothing published yet"
    with app.app_context():
        ret = db.session.get(Return, rid)
        ret.state, ret.reopened_reason = ReturnState.REOPENED, "Please add the audit evidence"
        db.session.commit()
    page = lead.get(f"/agency/returns/{rid}/report").get_data(as_text=True)
    assert "Reopened by the board: Please add the audit evidence; it was last submitted on" in page
    assert "has not been submitted again" in page and "Return reopened" not in page
    printed = lead.get(f"/agency/returns/{rid}/print").get_data(as_text=True)
    assert "Reopened by the board" in printed and ">Draft<" not in printed
