"""A board's own questionnaires over HTTP: uploaded (YAML or spreadsheet) with every problem told by its line or
cell, previewed, published and offered for new rounds at once, by every worker, without a restart."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from survey import create_app
from survey.extensions import db
from survey.models import AuditEvent, BoardQuestionnaire, DefinitionVersion, Round
from survey.services.definitions import questionnaire_of
from tests.fixtures_demo import Demo, client_for
from tests.spreadsheets import xlsx_bytes as xlsx
from tests.web.forms import csrf_token, date_fields, errors, form_data

PAGE = "/manager/questionnaires/"
GOOD_ROWS = [["Section", "Duty", "Statement id", "Text", "Guidance"],
             ["Leadership", "Senior lead", "lead-1", "A named senior lead is accountable for safeguarding.", ""],
             ["", "", "lead-2", "The lead reports to the board each year.", "The report itself"],
             ["Staff", "Training", "", "Staff are trained for their role.", ""]]


def upload(client: FlaskClient, name: str, data: bytes, title: str = "", partnership: str = "") -> object:
    page = client.get(PAGE).get_data(as_text=True)
    fields = form_data(page)
    if partnership:
        fields["partnership"] = partnership
    # A body over 500 KB is spooled to a temporary file, which the test client never closes: close it here.
    environ = EnvironBuilder(PAGE, method="POST", data={**fields, "title": title, "file": (io.BytesIO(data), name)},
                             content_type="multipart/form-data").get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()


def saved(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(BoardQuestionnaire)),
                db.session.scalar(select(func.count()).select_from(DefinitionVersion)))


def press(client: FlaskClient, preview: str, action: str) -> object:
    token = csrf_token(client.get(preview).get_data(as_text=True))
    return client.post(f"{preview}/{action}", data={"csrf_token": token})


def new_round(client: FlaskClient, questionnaire: str, title: str) -> object:
    data = form_data(client.get("/manager/rounds/new").get_data(as_text=True))
    return client.post("/manager/rounds/new", data={
        "csrf_token": data["csrf_token"], "partnership": data["partnership"], "questionnaire": questionnaire,
        "title": title, **date_fields("opens_on", dt.date.today()),
        **date_fields("deadline", dt.date.today() + dt.timedelta(days=60)), "agencies": data["agencies"]})


def offered(client: FlaskClient) -> dict[str, str]:
    """The questionnaires the round form offers, value -> label."""
    page = client.get("/manager/rounds/new").get_data(as_text=True)
    return dict(re.findall(r'name="questionnaire" type="radio" value="([^"]+)"[^>]*>\s*<label[^>]*>([^<]+)<', page))


def test_a_spreadsheet_with_errors_is_refused_by_cell_then_fixed_previewed_published_and_used(
        app: Flask, demo: Demo) -> None:
    manager = client_for(app, "manager@demo.example")
    before = saved(app)
    broken = [GOOD_ROWS[0], ["Leadership", "Senior lead", "lead-1", "", ""],
              ["Leadership", "Senior lead", "bad id!", "Text", ""], ["Staff", "Training", "lead-1", "Again", ""]]
    refused = upload(manager, "ours.xlsx", xlsx(broken), "Our audit")
    assert refused.status_code == 400
    assert errors(refused.get_data(as_text=True)) == [
        "ours.xlsx: cell D2: the statement text is blank",
    ], "problems found while reading are listed together"
    refused = upload(manager, "ours.xlsx", xlsx([GOOD_ROWS[0], ["S", "D", "bad id!", "Text", ""],
                                                 ["S", "D", "x", "Text", ""], ["S", "D", "x", "Again", ""]]),
                     "Our audit")
    assert errors(refused.get_data(as_text=True)) == ["ours.xlsx: cell C4: statement id 'x' is also on row 3"]
    refused = upload(manager, "ours.xlsx", xlsx([GOOD_ROWS[0], ["S", "D", "bad id!", "Text", ""]]), "Our audit")
    [message] = errors(refused.get_data(as_text=True))
    assert message.startswith("ours.xlsx: cell C2: id 'bad id!' is not a valid id"), message
    untitled = upload(manager, "ours.xlsx", xlsx(GOOD_ROWS))
    assert errors(untitled.get_data(as_text=True)) == [
        "Enter the questionnaire's title: a spreadsheet holds only its statements"]
    untitled = upload(manager, "ours.xlsx", xlsx(broken))
    assert errors(untitled.get_data(as_text=True)) == [
        "Enter the questionnaire's title: a spreadsheet holds only its statements",
        "ours.xlsx: cell D2: the statement text is blank"], "one upload tells every problem"
    assert 'value="Our audit"' in refused.get_data(as_text=True), "what was typed is kept"
    assert saved(app) == before, "nothing is saved from a refused file"

    made = upload(manager, "ours.xlsx", xlsx(GOOD_ROWS), "Our audit")
    assert made.status_code == 302
    preview = made.location
    page = manager.get(preview).get_data(as_text=True)
    assert "This is a draft" in page and "Our audit" in page and "Staff are trained for their role." in page
    assert 'name="preview-lead-1" type="radio" value="3"' in page and "1 – Poor" in page
    assert "The report itself" in page, "guidance is shown as the agency sees it"
    assert not [v for v in offered(manager) if v.startswith("own:")], "a draft is offered for no round"

    assert press(manager, preview, "publish").status_code == 302
    assert "Published" in manager.get(preview).get_data(as_text=True)
    choices = offered(manager)
    [value] = [v for v in choices if v.startswith("own:")]
    assert choices[value] == "Our audit (version 1, uploaded by your board)"
    created = new_round(manager, value, "Our audit 2027")
    assert created.status_code == 302, errors(created.get_data(as_text=True))

    # A second version: the first round keeps the first.
    changed = [*GOOD_ROWS, ["Staff", "Supervision", "sup-1", "Supervision is regular.", ""]]
    second = upload(manager, "ours-2027.xlsx", xlsx(changed), "Our audit")
    assert press(manager, second.location, "publish").status_code == 302
    labels = offered(manager).values()
    assert {"Our audit (version 2, uploaded by your board)", "Our audit (version 1, uploaded by your board)"} <= set(
        labels)
    with app.app_context():
        first_round = db.session.scalar(select(Round).where(Round.title == "Our audit 2027"))
        kept = questionnaire_of(first_round.definition_version)
        assert (kept.version, len(kept.statement_ids())) == ("1", 3)
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "questionnaire"))
        assert sorted(actions) == ["questionnaire.published"] * 2 + ["questionnaire.uploaded"] * 2


def test_another_worker_offers_a_published_questionnaire_without_a_restart(app: Flask, demo: Demo) -> None:
    other = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY", "EXPORTS_DIR", "EVIDENCE_DIR",
                                                       "SMTP_HOST", "SMTP_PORT")}, "TESTING": True})
    other.test_client_class = app.test_client_class
    elsewhere = client_for(other, "manager@demo.example")
    assert not [v for v in offered(elsewhere) if v.startswith("own:")]
    manager = client_for(app, "manager@demo.example")
    made = upload(manager, "ours.csv", b"section,duty,text\nS,D,A statement\n", "Our audit")
    press(manager, made.location, "publish")
    assert "Our audit (version 1, uploaded by your board)" in offered(elsewhere).values()


def test_yaml_problems_are_told_by_line_and_hostile_files_refused(app: Flask, demo: Demo) -> None:
    manager = client_for(app, "manager@demo.example")
    text = (Path(app.config["QUESTIONNAIRES_DIR"]) / "board-self-assessment.yaml").read_text(encoding="utf-8")
    broken = text.replace("id: strategic-plan-2", "id: 'bad id!'", 1).replace("version:", "versions:", 1)
    refused = upload(manager, "ours.yaml", broken.encode())
    found = errors(refused.get_data(as_text=True))
    assert refused.status_code == 400 and len(found) == 3, found
    assert all(re.match(r"Line \d+: ", f) for f in found), found
    bad_id_line = 1 + text[: text.index("id: strategic-plan-2")].count("\n")
    assert any(f.startswith(f"Line {bad_id_line}: id 'bad id!' is not a valid id") for f in found), found
    # The shipped version with other content may not pass itself off as it.
    altered = text.replace("title: ", "title: Altered ", 1)
    refused = upload(manager, "ours.yaml", altered.encode())
    assert [e for e in errors(refused.get_data(as_text=True))
            if "already exists with different statements or settings" in e]
    # A new version of a shipped questionnaire, with its own version label, is a draft to preview.
    audit = (Path(app.config["QUESTIONNAIRES_DIR"]) / "section-11-audit.yaml").read_text(encoding="utf-8")
    newer = re.sub(r"(?m)^version: .*$", "version: '2027.1'", audit, count=1)
    made = upload(manager, "section-11-audit.yaml", newer.encode())
    assert made.status_code == 302, errors(made.get_data(as_text=True))
    preview = manager.get(made.location).get_data(as_text=True)
    assert "2027.1" in preview and "Required if rated below Good." in preview
    hostile = {
        "nul.yaml": (b"id: x\x00\n", "not text"),
        "tool.exe": (b"MZ\x90\x00" + b"\x00" * 64, "is not a questionnaire file"),
        "laughs.yaml": (b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "alias"),
        "big.csv": (b"section,duty,text\n" + b"S,D," + b"x" * (6 * 1024 * 1024) + b"\n", "larger than 5 MB"),
        "empty.yaml": (b"", "is empty"),
        "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel (.xls) file"),
        "fake.xlsx": (b"PK\x03\x04not really a zip", "xlsx"),
    }
    before = saved(app)
    for name, (data, message) in hostile.items():
        response = upload(manager, name, data, "Title")
        assert response.status_code == 400, name
        text_of = " ".join(errors(response.get_data(as_text=True))).lower()
        assert message.lower() in text_of, (name, text_of)
    assert saved(app) == before


def test_publishing_twice_and_uploading_twice_change_nothing_more(app: Flask, demo: Demo) -> None:
    manager = client_for(app, "manager@demo.example")
    sheet = b"section,duty,text\nS,D,A statement\n"
    first = upload(manager, "ours.csv", sheet, "Our audit")
    again = upload(manager, "ours.csv", sheet, "Our audit")
    assert first.location == again.location, "the same content is the same draft"
    token = csrf_token(manager.get(first.location).get_data(as_text=True))
    for _ in range(2):  # a replayed form
        assert manager.post(f"{first.location}/publish", data={"csrf_token": token}).status_code == 302
    discarded = manager.post(f"{first.location}/discard", data={"csrf_token": token}, follow_redirects=True)
    assert "has been published, so it stays" in discarded.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "questionnaire.published")) == 1
    draft = upload(manager, "other.csv", b"section,duty,text\nS,D,Another\n", "Another")
    assert press(manager, draft.location, "discard").status_code == 302
    assert manager.get(draft.location).status_code == 404
    assert "Another" not in manager.get(PAGE).get_data(as_text=True)


def test_the_administrator_uploads_for_any_board_and_a_forged_choice_is_refused(app: Flask, demo: Demo) -> None:
    admin = client_for(app, "admin@demo.example")
    made = upload(admin, "ours.csv", b"section,duty,text\nS,D,A statement\n", "From the administrator")
    assert made.status_code == 302
    assert "The board's manager can now create a round" not in admin.get(made.location).get_data(as_text=True)
    press(admin, made.location, "publish")
    assert "The board's manager can now create a round" in admin.get(made.location).get_data(as_text=True)
    manager = client_for(app, "manager@demo.example")
    assert "From the administrator (version 1, uploaded by your board)" in offered(manager).values()
    forged = new_round(manager, "own:999999", "Forged")
    assert forged.status_code == 400 and "Not a valid choice" in " ".join(errors(forged.get_data(as_text=True)))
    for who in ("lead.police@demo.example", "chair@demo.example"):
        assert client_for(app, who).get(PAGE).status_code == 403


def test_the_command_line_creates_a_round_with_the_boards_newest_published_version(
        app: Flask, demo: Demo, runner: CliRunner) -> None:
    from survey.cli import main

    env = {"SURVEY_DATABASE_URL": app.config["DATABASE_URL"], "SURVEY_SMTP_HOST": app.config["SMTP_HOST"],
           "SURVEY_SMTP_PORT": str(app.config["SMTP_PORT"])}
    create = ["round", "create", "--partnership", "southend", "--title", "From a script", "--opens",
              dt.date.today().isoformat(), "--deadline", (dt.date.today() + dt.timedelta(days=30)).isoformat(),
              "--agency", "Essex Police", "--questionnaire"]
    unknown = runner.invoke(main, [*create, "our-audit"], env=env)
    assert unknown.exit_code == 1 and "no questionnaire 'our-audit'" in unknown.output
    manager = client_for(app, "manager@demo.example")
    made = upload(manager, "ours.csv", b"section,duty,text\nS,D,A statement\n", "Our audit")
    assert runner.invoke(main, [*create, "our-audit"], env=env).exit_code == 1, "a draft is not offered"
    press(manager, made.location, "publish")
    done = runner.invoke(main, [*create, "our-audit"], env=env)
    assert done.exit_code == 0 and "questionnaire: Our audit, version 1" in done.output, done.output
    shipped = runner.invoke(main, [*create, "section-11-audit"], env=env)
    assert "questionnaire: Section 11 audit, version 2023.1" in shipped.output, shipped.output


def test_two_people_uploading_the_same_file_at_once_make_one_draft(app: Flask, demo: Demo) -> None:
    import threading

    clients = [client_for(app, "manager@demo.example"), client_for(app, "admin@demo.example")]
    sheet = xlsx(GOOD_ROWS)
    gate = threading.Barrier(2)
    locations: list[str] = []

    def send(client: FlaskClient) -> None:
        gate.wait()
        response = upload(client, "ours.xlsx", sheet, "Our audit")
        locations.append(response.location if response.status_code == 302 else str(response.status_code))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(locations)) == 1 and locations[0].startswith(PAGE), locations
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BoardQuestionnaire)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "questionnaire.uploaded")) == 1
