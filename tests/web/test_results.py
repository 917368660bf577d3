"""Collated results over HTTP for managers and chairs: figures, anonymity, publishing, year on year, grading."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import Agency, Answer, Person, Return, ReturnState, Round, RoundState
from tests.fixtures_demo import Demo, client_for, round_in_state
from tests.web.forms import form_data


def closed_round(app: Flask) -> int:
    return round_in_state(app, RoundState.CLOSED)


def open_round(app: Flask) -> int:
    return round_in_state(app, RoundState.OPEN)


def row(html: str, level: str, ident: str) -> str:
    found = re.search(rf'<tr class="govuk-table__row app-row-{level}" id="{level}-{re.escape(ident)}">(.*?)</tr>',
                      html, re.S)
    assert found, f"no row for {level} {ident}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", "", found.group(1), flags=re.S)))


def cells(html: str, level: str, ident: str) -> list[str]:
    found = re.search(rf'id="{level}-{re.escape(ident)}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {level} {ident}"
    return [re.sub(r"<[^>]+>", " ", c).split()[0] if re.sub(r"<[^>]+>", " ", c).split() else ""
            for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def expected(app: Flask, round_id: int, statement_id: str) -> tuple[str, str, str, str]:
    """Mode, mean, range and n worked out here by hand from the stored answers."""
    with app.app_context():
        ratings = db.session.scalars(select(Answer.rating).join(Return).where(
            Return.round_id == round_id, Return.state == ReturnState.SUBMITTED, Answer.statement_id == statement_id,
            Answer.rating.is_not(None), Answer.not_applicable.is_(False))).all()
    counts = Counter(ratings)
    top = max(counts.values())
    mode = "/".join(f"{v:g}" for v in sorted(v for v, c in counts.items() if c == top))
    mean = sum(ratings) / len(ratings)
    from decimal import ROUND_HALF_UP, Decimal

    return (mode, str(Decimal(repr(mean)).quantize(Decimal("0.1"), ROUND_HALF_UP)),
            f"{max(ratings) - min(ratings):g}", str(len(ratings)))


def test_manager_sees_the_appendix_3_table(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    page = client_for(app, "manager@demo.example").get(f"/manager/rounds/{rid}/results").get_data(as_text=True)
    assert "Results from 6 of 6 returns" in page
    for statement_id in ("strategic-plan-1", "strategic-plan-2"):
        mode, mean, spread, n = expected(app, rid, statement_id)
        assert cells(page, "statement", statement_id)[1:5] == [mode, mean, spread, n]
    assert 'role="img" aria-label="' in page, "each distribution has a text equivalent"
    assert re.search(r'app-heat-\d">\s*\d\.\d<span class="app-heat-label">(Poor|Adequate|Good|Outstanding)', page), \
        "the heat colour has its text equivalent"
    assert "Partner commentary" in page and "Board members are involved in the creation of the strategic plan" in page


def test_chair_page_never_reveals_agencies_or_people(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    chair = client_for(app, "chair@demo.example")
    assert chair.get("/chair/").status_code == 200
    page = chair.get(f"/chair/rounds/{rid}/results").get_data(as_text=True)
    assert "Results from 6 of 6 returns" in page
    with app.app_context():
        agencies = db.session.scalars(select(Agency.name)).all()
        people = db.session.scalars(select(Person.name).where(Person.email.like("%.%@demo.example"))).all()
        return_ids = db.session.scalars(select(Return.id).where(Return.round_id == rid)).all()
    source = html_lib.unescape(page)
    with app.app_context():
        from survey.services.definitions import questionnaire_of

        questionnaire = questionnaire_of(db.session.get(Round, rid).definition_version)
    for _, duty, statement in questionnaire.statements():  # the questionnaire itself may name an agency
        source = source.replace(statement.text, "").replace(duty.title, "")
    for name in [*agencies, *people]:
        assert name not in source, f"{name} appears in the chair's page source"
    assert "/returns/" not in source and "grading" not in source
    for return_id in return_ids:
        assert f"return-{return_id}" not in source and f"returns/{return_id}" not in source
    assert chair.get(f"/manager/rounds/{rid}/grading").status_code == 403


def test_names_in_commentary_are_removed(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    with app.app_context():
        answer = db.session.scalar(select(Answer).join(Return).where(Return.round_id == rid,
                                                                     Answer.statement_id == "strategic-plan-1"))
        answer.commentary = "ESSEX POLICE led this; ask =cmd| for details"
        db.session.commit()
    page = client_for(app, "chair@demo.example").get(f"/chair/rounds/{rid}/results").get_data(as_text=True)
    assert "[name removed] led this" in page and "ESSEX POLICE" not in page


def test_only_whole_names_are_removed(app: Flask, demo: Demo) -> None:
    from survey.models import Person

    rid = closed_round(app)
    with app.app_context():
        lead = db.session.scalar(select(Person).where(Person.email == "lead.police@demo.example"))
        lead.name = "Ali"
        answer = db.session.scalar(select(Answer).join(Return).where(Return.round_id == rid,
                                                                     Answer.statement_id == "strategic-plan-1"))
        answer.commentary = "Quality assurance was led by Ali, with Alison's team (ali@x.example)"
        db.session.commit()
    page = client_for(app, "chair@demo.example").get(f"/chair/rounds/{rid}/results").get_data(as_text=True)
    assert "Quality assurance was led by [name removed], with Alison&#39;s team" in page
    assert "Qu[name removed]ty" not in page


def test_below_k_nothing_collated_then_publish_for_the_chair(app: Flask, demo: Demo) -> None:
    rid = open_round(app)
    with app.app_context():
        for ret in db.session.scalars(select(Return).where(Return.round_id == rid).limit(2)):
            ret.state = ReturnState.SUBMITTED
        db.session.commit()
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{rid}/results").get_data(as_text=True)
    assert "Interim results: 2 of 9 returns counted" in page
    assert "Results are shown once at least 3 returns are counted. 2 returns have been counted so far." in page
    assert "app-row-statement" not in page and "app-distribution" not in page and "Partner commentary" not in page
    chair = client_for(app, "chair@demo.example")
    assert chair.get(f"/chair/rounds/{rid}/results").status_code == 404, "not published yet"
    assert chair.get(f"/chair/rounds/{rid}/workbook.xlsx").status_code == 404
    assert chair.get(f"/chair/rounds/{rid}/board-paper.pdf").status_code == 404
    published = manager.post(f"/manager/rounds/{rid}/publish", data=form_data(page, contains="publish"))
    assert published.status_code == 302
    chair_page = chair.get(f"/chair/rounds/{rid}/results").get_data(as_text=True)
    assert "Results are shown once at least 3 returns are counted" in chair_page
    assert "app-row-statement" not in chair_page


def test_a_hidden_statement_hides_its_duty_and_section(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    with app.app_context():
        answers = db.session.scalars(select(Answer).join(Return).where(
            Return.round_id == rid, Answer.statement_id == "strategic-plan-2").order_by(Answer.id)).all()
        for answer in answers[:4]:  # only two returns keep a rating
            answer.rating, answer.not_applicable = None, True
        db.session.commit()
    page = client_for(app, "chair@demo.example").get(f"/chair/rounds/{rid}/results").get_data(as_text=True)
    assert "Not shown: fewer than 3 ratings" in row(page, "statement", "strategic-plan-2")
    assert "Not shown: a statement in it has fewer than 3 ratings" in row(page, "duty", "strategic-plan")
    assert "Not shown: a statement in it has fewer than 3 ratings" in row(page, "section", "statutory-duties")
    assert cells(page, "statement", "strategic-plan-1")[4] == "6", "the other statements are still shown"


def copy_round(app: Flask, source: int, title: str, bump: dict[str, float]) -> int:
    """A later closed round of the same questionnaire: every answer copied, some ratings moved."""
    with app.app_context():
        old = db.session.get(Round, source)
        new = Round(partnership=old.partnership, definition_version=old.definition_version, title=title,
                    opens_on=old.opens_on + dt.timedelta(days=365), deadline=old.deadline + dt.timedelta(days=365),
                    state=RoundState.CLOSED)
        db.session.add(new)
        for ret in old.returns:
            copy = Return(round=new, agency_id=ret.agency_id, partnership_id=ret.partnership_id, state=ret.state)
            db.session.add(copy)
            for answer in ret.answers:
                rating = answer.rating
                if rating is not None and answer.statement_id in bump:
                    rating = min(4.0, max(1.0, rating + bump[answer.statement_id]))
                db.session.add(Answer(return_=copy, statement_id=answer.statement_id, rating=rating,
                                      not_applicable=answer.not_applicable, commentary=answer.commentary))
        db.session.commit()
        return new.id


def test_year_on_year(app: Flask, demo: Demo) -> None:
    first = closed_round(app)
    second = copy_round(app, first, "Board self-assessment 2026", {"strategic-plan-1": -1, "strategic-plan-2": 1})
    page = client_for(app, "chair@demo.example").get(f"/chair/rounds/{second}/results").get_data(as_text=True)
    assert "Compared with Board self-assessment 2025" in page
    assert "Declining (was 3.0)" in row(page, "statement", "strategic-plan-1")
    assert "Improving (was 2.8)" in row(page, "statement", "strategic-plan-2")
    with app.app_context():
        other = db.session.scalar(select(Answer.statement_id).join(Return).where(
            Return.round_id == first, Answer.statement_id.not_like("strategic-plan-%"),
            Answer.rating.is_not(None)).limit(1))
    assert "Maintaining" in row(page, "statement", other)
    found = re.search(r"<strong>(\d+) of (\d+) agencies \((\d+)%\)</strong>", page)
    assert found and found.group(2) == "6"


@pytest.mark.parametrize("sort", ["overall", "agency", "strategic-plan", "nonsense"])
def test_grading_for_managers(app: Flask, demo: Demo, sort: str) -> None:
    rid = closed_round(app)
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{rid}/grading?sort={sort}").get_data(as_text=True)
    names = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', page)
    assert len(names) == 6
    if sort == "agency":
        assert names == sorted(names, key=str.lower)
    with manager.get(f"/manager/rounds/{rid}/grading.csv") as response:
        lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("agency,overall mean,section statutory-duties") and len(lines) == 7


def test_workbook_downloads_for_manager_and_chair(app: Flask, demo: Demo) -> None:
    import io

    from openpyxl import load_workbook

    rid = closed_round(app)
    for client, url in ((client_for(app, "manager@demo.example"), f"/manager/rounds/{rid}/workbook.xlsx"),
                        (client_for(app, "chair@demo.example"), f"/chair/rounds/{rid}/workbook.xlsx")):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            assert "attachment" in response.headers["Content-Disposition"]
            assert response.headers["Cache-Control"].startswith("no-store")
            book = load_workbook(io.BytesIO(response.get_data()))
        assert book.sheetnames[0] == "Summary" and book["About"]["B2"].value == "Board self-assessment 2025"


def test_board_paper_downloads_for_manager_and_chair(app: Flask, demo: Demo) -> None:
    import io

    from pypdf import PdfReader

    rid = closed_round(app)
    for who, prefix in (("manager@demo.example", "/manager"), ("chair@demo.example", "/chair")):
        client = client_for(app, who)
        page = client.get(f"{prefix}/rounds/{rid}/results").get_data(as_text=True)
        assert f'href="{prefix}/rounds/{rid}/board-paper.pdf"' in page, "the button"
        with client.get(f"{prefix}/rounds/{rid}/board-paper.pdf?ratings=moderated") as response:
            assert response.status_code == 200 and response.mimetype == "application/pdf"
            assert response.headers["Content-Disposition"] == \
                "attachment; filename=board-self-assessment-2025-board-paper-moderated.pdf"
            assert response.headers["Cache-Control"].startswith("no-store")
            reader = PdfReader(io.BytesIO(response.get_data()))
        first = reader.pages[0].extract_text()
        assert "Board self-assessment 2025" in first and "moderated ratings" in first


def test_chair_sees_agencies_only_when_the_questionnaire_is_not_anonymous(app: Flask, demo: Demo) -> None:
    chair = client_for(app, "chair@demo.example")
    board = closed_round(app)
    assert chair.get(f"/chair/rounds/{board}/grading").status_code == 404, "the board self-assessment is anonymous"
    assert "Results by agency" not in chair.get(f"/chair/rounds/{board}/results").get_data(as_text=True)
    audit = open_round(app)  # the Section 11 audit: anonymous_results is false
    with app.app_context():
        for ret in db.session.scalars(select(Return).where(Return.round_id == audit)):
            ret.state = ReturnState.SUBMITTED
        db.session.get(Round, audit).published_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    assert "Results by agency" in chair.get(f"/chair/rounds/{audit}/results").get_data(as_text=True)
    page = chair.get(f"/chair/rounds/{audit}/grading").get_data(as_text=True)
    assert "Essex Police" in page and "Download as CSV" not in page


def test_commentary_is_shown_inert(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with app.app_context():
        answer = db.session.scalar(select(Answer).join(Return).where(Return.round_id == rid,
                                                                     Answer.statement_id == "strategic-plan-1"))
        answer.commentary = payload
        db.session.commit()
    for client, url in ((client_for(app, "chair@demo.example"), f"/chair/rounds/{rid}/results"),
                        (client_for(app, "manager@demo.example"), f"/manager/rounds/{rid}/results")):
        page = client.get(url).get_data(as_text=True)
        assert payload not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_year_on_year_in_the_workbook(app: Flask, demo: Demo) -> None:
    import io

    from openpyxl import load_workbook

    first = closed_round(app)
    second = copy_round(app, first, "Board self-assessment 2026", {"strategic-plan-1": -1})
    with client_for(app, "chair@demo.example").get(f"/chair/rounds/{second}/workbook.xlsx") as response:
        book = load_workbook(io.BytesIO(response.get_data()))
    summary = book["Summary"]
    header = [c.value for c in summary[5]]
    assert header[8:10] == ["Mean in Board self-assessment 2025", "Change"]
    chart = summary._charts[0]
    assert len(chart.series) == 2, "this round's means by duty beside last round's"
    assert "Mean in Board self-assessment 2025" in [c.value for row in summary.iter_rows() for c in row
                                                    if c.column == 3]
    for values in summary.iter_rows(min_row=6, values_only=True):
        if values[3] == "strategic-plan-1":
            assert values[9] == "declining" and values[8] == pytest.approx(3.0)
            break
    else:
        raise AssertionError("no strategic-plan-1 row")


def test_short_names_emails_and_phone_numbers_are_removed_too(app: Flask, demo: Demo) -> None:
    rid = closed_round(app)
    manager = client_for(app, "manager@demo.example")
    with app.app_context():
        trust = db.session.scalar(select(Agency).where(Agency.name.like("Essex Partnership%")))
        trust_id = trust.id
        answer = db.session.scalar(select(Answer).join(Return).where(Return.round_id == rid,
                                                                     Answer.statement_id == "strategic-plan-1"))
        answer.commentary = ("EPUT has offered analyst time; ask the CCG deputy (jo.bloggs@nhs.net, 01702 123456 or "
                             "+44 7700 900123). The Trustees agreed.")
        db.session.commit()
    page = manager.get(f"/manager/agencies/{trust_id}/change").get_data(as_text=True)
    data = form_data(page)
    data["short_names"] = "EPUT, CCG,  the Trust ,EPUT"
    assert manager.post(f"/manager/agencies/{trust_id}/change", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Agency, trust_id).short_names == "EPUT, CCG, the Trust"
    chair = client_for(app, "chair@demo.example").get(f"/chair/rounds/{rid}/results").get_data(as_text=True)
    assert ("[name removed] has offered analyst time; ask the [name removed] deputy ([email removed], "
            "[phone removed] or [phone removed]). The Trustees agreed.") in chair
    assert "jo.bloggs" not in chair and "EPUT" not in chair and "900123" not in chair


def test_a_short_name_that_is_too_long_is_refused(app: Flask, demo: Demo) -> None:
    manager = client_for(app, "manager@demo.example")
    with app.app_context():
        agency_id = db.session.scalar(select(Agency.id).where(Agency.name == "Essex Police"))
    data = form_data(manager.get(f"/manager/agencies/{agency_id}/change").get_data(as_text=True))
    data["short_names"] = "x" * 61
    response = manager.post(f"/manager/agencies/{agency_id}/change", data=data)
    assert response.status_code == 400 and "must be 2 to 60 characters long" in response.get_data(as_text=True)


def test_commentary_shows_its_agency_when_results_are_not_anonymous(app: Flask, demo: Demo) -> None:
    audit = open_round(app)  # the Section 11 audit: anonymous_results is false
    with app.app_context():
        for ret in db.session.scalars(select(Return).where(Return.round_id == audit)):
            ret.state = ReturnState.SUBMITTED
        police = db.session.scalar(select(Return).join(Agency).where(Return.round_id == audit,
                                                                     Agency.name == "Essex Police"))
        sid = db.session.scalar(select(Answer.statement_id).where(Answer.return_id == police.id).limit(1))
        db.session.execute(Answer.__table__.update().where(Answer.return_id == police.id,
                                                           Answer.statement_id == sid)
                           .values(commentary="Essex Police audits supervision monthly"))
        db.session.commit()
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{audit}/results").get_data(as_text=True)
    assert "Essex Police audits supervision monthly" in page and "– Essex Police" in page
    assert "each comment is shown as written, with its agency" in page
