"""Offline Excel returns over HTTP: round trips, conflicts and a catalogue of bad workbooks that save nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, AuditEvent, Return
from tests.fixtures_demo import Demo, client_for
from tests.web.forms import errors, form_data

SHEET = "1. Section 11 arrangements"



def download(client: FlaskClient, url: str) -> bytes:
    with client.get(url) as response:
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return response.get_data()


def edit(data: bytes, change: Callable[[object], None]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: FlaskClient, rid: int, data: bytes, name: str = "return.xlsx", prefix: str = "agency") -> object:
    url = f"/{prefix}/returns/{rid}/import"
    token = form_data(client.get(url).get_data(as_text=True))["csrf_token"]
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def snapshot(app: Flask, rid: int) -> list[tuple[object, ...]]:
    with app.app_context():
        return [(a.statement_id, a.rating, a.not_applicable, a.commentary, a.revision, a.action_what)
                for a in db.session.scalars(select(Answer).where(Answer.return_id == rid).order_by(Answer.id))]


def first_sheet(book: object) -> object:
    return book.worksheets[1]  # type: ignore[attr-defined]


def test_round_trip_fill_in_excel_then_upload(app: Flask, demo: Demo) -> None:
    rid = demo.return_id("Essex Police")
    lead = client_for(app, "lead.police@demo.example")
    data = download(lead, f"/agency/returns/{rid}/workbook.xlsx")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "Instructions" and book.sheetnames[-1] == "Identity"
    assert book["Identity"].sheet_state == "veryHidden"
    sheet = first_sheet(book)
    assert sheet.protection.sheet and sheet["E2"].protection.locked is False and sheet["C2"].protection.locked
    assert any("E2" in str(v.sqref) for v in sheet.data_validations.dataValidation)
    due = dt.date.today() + dt.timedelta(days=100)
    written: dict[str, tuple[object, ...]] = {}
    for row in range(2, sheet.max_row + 1):
        sid = sheet.cell(row=row, column=1).value
        rating = 2 if row == 2 else 4
        sheet.cell(row=row, column=5).value = rating
        sheet.cell(row=row, column=6).value = f"Offline commentary for {sid}"
        if rating == 2:
            sheet.cell(row=row, column=9).value = "Refresh the policy"
            sheet.cell(row=row, column=10).value = "Head of safeguarding"
            sheet.cell(row=row, column=11).value = due
        written[sid] = (float(rating), f"Offline commentary for {sid}")
    out = io.BytesIO()
    book.save(out)
    response = upload(lead, rid, out.getvalue())
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    flashed = lead.get(response.location).get_data(as_text=True)
    assert f"return.xlsx imported: {len(written)} statements saved" in flashed
    with app.app_context():
        online = {a.statement_id: (a.rating, a.commentary) for a in db.session.scalars(
            select(Answer).where(Answer.return_id == rid, Answer.statement_id.in_(written)))}
        action = db.session.scalar(select(Answer).where(Answer.return_id == rid,
                                                        Answer.statement_id == sheet.cell(row=2, column=1).value))
    assert online == written and action.action_by == due and action.action_who == "Head of safeguarding"
    before = snapshot(app, rid)
    again = upload(lead, rid, out.getvalue())
    assert "changes nothing" in lead.get(again.location).get_data(as_text=True)
    assert snapshot(app, rid) == before, "re-importing the same file changes nothing"


def test_a_conflict_is_shown_before_anything_online_is_replaced(app: Flask, demo: Demo) -> None:
    rid = demo.return_id("Essex Police")
    lead = client_for(app, "lead.police@demo.example")
    data = download(lead, f"/agency/returns/{rid}/workbook.xlsx")
    sid = load_workbook(io.BytesIO(data)).worksheets[1]["A2"].value
    with app.app_context():  # a colleague changes the same answer online after the download
        answer = db.session.scalar(select(Answer).where(Answer.return_id == rid, Answer.statement_id == sid))
        if answer is None:
            answer = Answer(return_id=rid, statement_id=sid)
            db.session.add(answer)
        answer.rating, answer.not_applicable, answer.commentary = 3.0, False, "Changed online"
        db.session.commit()

    def change(book: object) -> None:
        first_sheet(book)["E2"] = 4
        first_sheet(book)["F2"] = "From the workbook"

    changed = edit(data, change)
    before = snapshot(app, rid)
    shown = upload(lead, rid, changed)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Answers changed online" in html and "Changed online" in html
    assert "From the workbook" in html and snapshot(app, rid) == before, "nothing saved before choosing"
    keep_online = lead.post(f"/agency/returns/{rid}/import", data=form_data(html))
    assert keep_online.status_code == 302
    assert "kept as they are online" in lead.get(keep_online.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Answer.commentary).where(Answer.return_id == rid,
                                                                 Answer.statement_id == sid)) == "Changed online"
    html = upload(lead, rid, changed).get_data(as_text=True)
    replace = lead.post(f"/agency/returns/{rid}/import", data={**form_data(html), "keep_file": sid})
    assert replace.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Answer.commentary).where(Answer.return_id == rid,
                                                                 Answer.statement_id == sid)) == "From the workbook"


def _zip_edit(data: bytes, extra: dict[str, bytes], replace: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if replace and item.filename in replace:
                content = replace[item.filename]
            target.writestr(item.filename, content)
        for name, content in extra.items():
            target.writestr(name, content)
    return out.getvalue()


def _bomb(data: bytes) -> bytes:
    return _zip_edit(data, {"xl/media/padding.xml": b"0" * (70 * 1024 * 1024)})


def _entity(data: bytes) -> bytes:
    workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    declaration, _, rest = workbook.partition(b"?>")
    poisoned = (declaration + b"?>" + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + rest if rest
                else b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + workbook)
    return _zip_edit(data, {}, {"xl/workbook.xml": poisoned})


# How error messages name the first statement: its text, cut to 60 characters.
FIRST = "Senior managers have a clear commitment to the importance..."
BAD: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("xls", lambda d: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "this is an old Excel (.xls) file"),
    ("csv renamed", lambda d: b"statement,rating\nleadership-1,3\n", "this is not an Excel .xlsx workbook"),
    ("zip bomb", _bomb, "the workbook expands to far more than a return needs"),
    ("external link", lambda d: _zip_edit(d, {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
     "the workbook links to other files"),
    ("macros", lambda d: _zip_edit(d, {"xl/vbaProject.bin": b"\0" * 100}), "the workbook contains macros"),
    ("xml entities", _entity, "the workbook contains XML declarations Excel never writes"),
    ("damaged", lambda d: d[: len(d) // 2], "the workbook is damaged and cannot be read"),
    ("renamed sheet", lambda d: edit(d, lambda b: setattr(first_sheet(b), "title", "Mine")),
     "the sheets have been renamed, added or removed"),
    ("identity changed", lambda d: edit(d, lambda b: b["Identity"].cell(row=1, column=2, value=999)),
     "does not match its signature"),
    ("identity removed", lambda d: edit(d, lambda b: b.remove(b["Identity"])),
     "was not downloaded from a return"),
    ("row inserted", lambda d: edit(d, lambda b: first_sheet(b).insert_rows(3)),
     "rows have been added, removed or moved"),
    ("unknown statement id", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=1, value="made-up-1")),
     "rows have been added, removed or moved"),
    ("column changed", lambda d: edit(d, lambda b: first_sheet(b).cell(row=1, column=6, value="Notes")),
     "the columns have been changed"),
    ("outside the scale", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=5, value=7)),
     f"!E2 ({FIRST}): 7 is not on the scale; use one of 1, 2, 3, 4"),
    ("text in a rating", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=5, value="good")),
     f"!E2 ({FIRST}): 'good' is not a rating"),
    ("over-long commentary", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=6, value="x" * 5001)),
     f"!F2 ({FIRST}): the commentary is 5001 characters; the most is 5000"),
    ("missing action", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=5, value=1)),
     f"!I2 ({FIRST}): a rating below 3 needs an action: what, who and by when"),
    ("bad date", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=11, value="soon")),
     f"!K2 ({FIRST}): 'soon' is not a date"),
    # openpyxl saves a formula with no cached result, as any program that does not calculate does: read with
    # data_only it is an empty cell, which would have erased the saved rating.
    ("formula in a rating", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=5, value="=1+1")),
     "!E2 (Senior managers"),
    ("formula in commentary", lambda d: edit(d, lambda b: first_sheet(b).cell(row=3, column=6, value="=A1")),
     "!F3 ("),
    ("javascript link", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=8, value="javascript:alert(1)")),
     f"!H2 ({FIRST}): Enter each link on its own line, starting with https:// (not 'javascript:alert(1)')"),
    ("ftp link", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=8, value="ftp://files.example/x")),
     f"!H2 ({FIRST}): Enter each link on its own line, starting with https://"),
    ("not a link", lambda d: edit(d, lambda b: first_sheet(b).cell(row=2, column=8,
                                                                   value="https://ok.example\nnot a link")),
     "(not 'not a link')"),
]


@pytest.mark.parametrize(("case", "damage", "message"), BAD, ids=[c[0] for c in BAD])
def test_bad_workbooks_each_get_a_clear_message_and_save_nothing(app: Flask, demo: Demo, case: str,
                                                                 damage: Callable[[bytes], bytes],
                                                                 message: str) -> None:
    rid = demo.return_id("Essex Police")
    lead = client_for(app, "lead.police@demo.example")
    data = download(lead, f"/agency/returns/{rid}/workbook.xlsx")
    before = snapshot(app, rid)
    with app.app_context():
        events = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    response = upload(lead, rid, damage(data))
    assert response.status_code == 400
    problems = errors(response.get_data(as_text=True))
    assert any(message in p for p in problems), (case, problems)
    assert "Nothing has been saved" in response.get_data(as_text=True)
    assert snapshot(app, rid) == before
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) == events


def test_a_formula_is_refused_and_named_and_the_saved_rating_stays(app: Flask, demo: Demo) -> None:
    rid = demo.return_id("Essex Police")
    lead = client_for(app, "lead.police@demo.example")
    data = download(lead, f"/agency/returns/{rid}/workbook.xlsx")
    sid = load_workbook(io.BytesIO(data)).worksheets[1].cell(row=2, column=1).value
    saved = upload(lead, rid, edit(data, lambda b: first_sheet(b).cell(row=2, column=5, value=3)))
    assert saved.status_code in (200, 302), errors(saved.get_data(as_text=True))  # type: ignore[attr-defined]
    confirm = form_data(saved.get_data(as_text=True)) if saved.status_code == 200 else None  # type: ignore[attr-defined]
    if confirm and "confirm" in confirm:
        lead.post(f"/agency/returns/{rid}/import", data={**confirm, "confirm": "yes"})
    with app.app_context():
        rating = db.session.scalar(select(Answer.rating).where(Answer.return_id == rid, Answer.statement_id == sid))
    assert rating == 3
    fresh = download(lead, f"/agency/returns/{rid}/workbook.xlsx")
    refused = upload(lead, rid, edit(fresh, lambda b: first_sheet(b).cell(row=2, column=5, value="=1+1")))
    page = refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert refused.status_code == 400 and "a formula is not an answer; type the value itself" in page  # type: ignore[attr-defined]
    with app.app_context():
        assert db.session.scalar(select(Answer.rating).where(Answer.return_id == rid,
                                                             Answer.statement_id == sid)) == rating


def test_every_cell_problem_is_listed_at_once(app: Flask, demo: Demo) -> None:
    rid = demo.return_id("Essex Police")
    lead = client_for(app, "lead.police@demo.example")

    def several(book: object) -> None:
        sheet = first_sheet(book)
        sheet["E2"], sheet["E3"], sheet["F4"] = "great", 9, "y" * 6000

    problems = errors(upload(lead, rid, edit(download(lead, f"/agency/returns/{rid}/workbook.xlsx"),
                                             several)).get_data(as_text=True))
    assert [p.split(" (")[0] for p in problems] == [f"{SHEET}!E2", f"{SHEET}!E3", f"{SHEET}!F4"]
    assert all(" (" in p and "): " in p for p in problems), "each names its statement's text"


def test_a_workbook_for_another_return_is_refused(app: Flask, demo: Demo) -> None:
    manager = client_for(app, "manager@demo.example")
    police, cafcass = demo.return_id("Essex Police"), demo.return_id("CAFCASS")
    data = download(manager, f"/manager/returns/{police}/workbook.xlsx")
    before = snapshot(app, cafcass)
    response = upload(manager, cafcass, data, prefix="manager")
    assert response.status_code == 400
    assert "this workbook is for Section 11 audit" in errors(response.get_data(as_text=True))[0]
    assert "Essex Police, not" in errors(response.get_data(as_text=True))[0]
    assert snapshot(app, cafcass) == before


def test_manager_uploads_for_an_agency_and_roles_are_checked(app: Flask, demo: Demo) -> None:
    rid = demo.return_id("Essex Police")
    manager = client_for(app, "manager@demo.example")
    data = edit(download(manager, f"/manager/returns/{rid}/workbook.xlsx"),
                lambda b: first_sheet(b).cell(row=2, column=5, value=4))
    response = upload(manager, rid, data, prefix="manager")
    assert response.status_code == 302
    sid = load_workbook(io.BytesIO(data)).worksheets[1]["A2"].value
    with app.app_context():
        assert db.session.scalar(select(Answer.rating).where(Answer.return_id == rid,
                                                             Answer.statement_id == sid)) == 4.0
    other = client_for(app, "lead.cafcass@demo.example")
    assert other.get(f"/agency/returns/{rid}/workbook.xlsx").status_code == 404
    assert other.get(f"/agency/returns/{rid}/import").status_code == 404
    assert client_for(app, "chair@demo.example").get(f"/manager/returns/{rid}/workbook.xlsx").status_code == 403


def test_a_submitted_return_takes_no_upload(app: Flask, demo: Demo) -> None:
    rid = demo.return_id("Essex Police")
    lead = client_for(app, "lead.police@demo.example")
    data = download(lead, f"/agency/returns/{rid}/workbook.xlsx")
    with app.app_context():
        ret = db.session.get(Return, rid)
        ret.state = ret.state.SUBMITTED
        db.session.commit()
    assert lead.get(f"/agency/returns/{rid}/import").status_code == 302
    token = form_data(lead.get("/agency/").get_data(as_text=True), contains="sign-out")["csrf_token"]
    response = lead.post(f"/agency/returns/{rid}/import", data={"csrf_token": token,
                                                                "file": (io.BytesIO(data), "r.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 302


def test_a_workbook_for_another_version_of_the_questionnaire_is_refused(app: Flask, demo: Demo) -> None:
    from survey.exports.return_workbook import Identity, write_return_workbook
    from survey.services.definitions import questionnaire_of

    rid = demo.return_id("Essex Police")
    with app.app_context():
        ret = db.session.get(Return, rid)
        questionnaire = questionnaire_of(ret.round.definition_version)
        identity = Identity(ret.round_id, ret.agency_id, ret.id, "0" * 64, "2026-01-01T00:00:00")
    out = io.BytesIO()  # properly signed, but made from another version of the definition
    write_return_workbook(questionnaire, identity, {}, "Old version", app.config["SECRET_KEY"], out)
    lead = client_for(app, "lead.police@demo.example")
    before = snapshot(app, rid)
    response = upload(lead, rid, out.getvalue())
    assert response.status_code == 400
    assert errors(response.get_data(as_text=True)) == [
        "return.xlsx: this workbook is for another version of the questionnaire"]
    assert snapshot(app, rid) == before
