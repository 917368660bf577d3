"""One owner per transaction: a unit of work commits or rolls back a use case whole, files included.

An evidence upload is written under a temporary name, takes its real name only once its row has committed, and
is deleted if the transaction rolls back; a save that meets a concurrent one runs again, uploads included;
after a crash the server settles whatever was left between commit and rename."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from survey.answer_values import AnswerValues, SaveResult, StatementInput
from survey.db import after_commit, after_rollback, unit_of_work
from survey.extensions import db
from survey.models import Agency, Answer, EvidenceFile, Person, Return
from survey.services import evidence, returns
from survey.services.access import principal_for
from survey.services.returns import EvidenceFolder, Upload
from tests.fixtures_demo import Demo

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_after_commit_and_after_rollback_follow_the_outcome(app: Flask) -> None:
    ran: list[str] = []
    with app.app_context():
        session = db.session()
        with unit_of_work(session):
            after_commit(session, lambda: ran.append("committed"))
            after_rollback(session, lambda: ran.append("never"))
            session.add(Agency(name="Kept", kind="council"))
        with pytest.raises(RuntimeError), unit_of_work(session):
            after_commit(session, lambda: ran.append("never"))
            after_rollback(session, lambda: ran.append("rolled back"))
            session.add(Agency(name="Dropped", kind="council"))
            session.flush()
            raise RuntimeError("the use case failed")
        assert ran == ["committed", "rolled back"]
        names = set(session.scalars(select(Agency.name)))
        assert "Kept" in names and "Dropped" not in names


def test_an_inner_unit_of_work_joins_the_outer_one(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        with pytest.raises(RuntimeError), unit_of_work(session):
            with unit_of_work(session):
                session.add(Agency(name="Inner", kind="council"))
            assert session.in_transaction(), "the inner one did not commit on its own"
            raise RuntimeError("the outer use case failed")
        assert session.scalar(select(func.count()).select_from(Agency).where(Agency.name == "Inner")) == 0


def _staff(app: Flask, demo: Demo) -> tuple[Return, object]:
    rid = demo.return_id("Essex Police")  # in an app context of its own, which ends the session it used
    session = db.session()
    ret = session.get(Return, rid)
    person = session.scalar(select(Person).where(Person.email == "staff.police@demo.example"))
    return ret, principal_for(session, person)


def _save(app: Flask, ret: Return, principal: object, text: str) -> SaveResult:
    folder = EvidenceFolder(app.config["EVIDENCE_DIR"], 1024 * 1024)
    item = StatementInput("supervision-1", AnswerValues(commentary=text), 0, AnswerValues().digest())
    return returns.save_statements(db.session(), ret, principal, "supervision", [item],  # type: ignore[arg-type]
                                   [Upload("supervision-1", "policy.pdf", PDF)], folder)


def test_an_upload_is_kept_with_its_answer_when_the_save_runs_again(app: Flask, demo: Demo,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path(app.config["EVIDENCE_DIR"])
    with app.app_context():
        ret, principal = _staff(app, demo)
        real = returns._save_once
        calls = []

        def concurrent_save_first_time(*args: object, **kwargs: object) -> SaveResult:
            calls.append(1)
            result = real(*args, **kwargs)  # type: ignore[arg-type]
            if len(calls) == 1:
                raise StaleDataError("someone saved the same statement in between")
            return result

        monkeypatch.setattr(returns, "_save_once", concurrent_save_first_time)
        result = _save(app, ret, principal, "With its evidence")
        assert result.saved == ("supervision-1",) and len(calls) == 2
        rows = db.session.scalars(select(EvidenceFile).where(EvidenceFile.return_id == ret.id)).all()
        assert len(rows) == 1, "the upload was dropped by the retry, or stored twice"
        assert _files(folder) == [rows[0].storage_key], "the file is in place once, no temporary or orphan left"
        assert stat.S_IMODE(os.stat(folder / rows[0].storage_key).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_a_save_that_fails_keeps_neither_answer_nor_file(app: Flask, demo: Demo,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path(app.config["EVIDENCE_DIR"])
    with app.app_context():
        ret, principal = _staff(app, demo)

        def always_concurrent(*_args: object, **_kwargs: object) -> SaveResult:
            raise StaleDataError("someone saves it every time")

        monkeypatch.setattr(returns, "_save_once", always_concurrent)
        with pytest.raises(StaleDataError):
            _save(app, ret, principal, "Never saved")
        assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
        assert db.session.scalar(select(func.count()).select_from(Answer).where(
            Answer.return_id == ret.id, Answer.commentary == "Never saved")) == 0
        assert _files(folder) == [], "no orphaned bytes on disk"


def test_a_save_into_a_return_submitted_meanwhile_drops_its_upload(app: Flask, demo: Demo) -> None:
    folder = Path(app.config["EVIDENCE_DIR"])
    with app.app_context():
        ret, principal = _staff(app, demo)
        db.session.execute(Return.__table__.update().where(Return.id == ret.id).values(state="submitted"))
        db.session.commit()
        with pytest.raises(returns.ReadOnly):
            _save(app, ret, principal, "Too late")
        assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
        assert _files(folder) == []


def test_settle_finishes_committed_uploads_and_deletes_the_rest(app: Flask, demo: Demo) -> None:
    folder = Path(app.config["EVIDENCE_DIR"])
    with app.app_context():
        ret, principal = _staff(app, demo)
        _save(app, ret, principal, "Committed")
        row = db.session.scalar(select(EvidenceFile))
        # A crash on this server between the commit and the rename, and another before the commit.
        os.replace(folder / row.storage_key, folder / f".{row.storage_key}.{evidence.HOST}.part")
        (folder / f".0123456789abcdef.{evidence.HOST}.part").write_bytes(PDF)
        # Another server sharing the folder is storing a file right now; a third crashed long ago.
        (folder / ".fedcba9876543210.other-server.part").write_bytes(PDF)
        (folder / ".00000000deadbeef.third-server.part").write_bytes(PDF)
        os.utime(folder / ".00000000deadbeef.third-server.part", (time.time() - 7200, time.time() - 7200))
        (folder / "not-ours").write_bytes(b"left by hand")
        assert evidence.path_of(row, folder).exists(), "still downloadable before the settling"
        settled = evidence.settle(db.session(), folder)
        assert (settled.published, settled.discarded, settled.unreferenced) == (1, 2, ("not-ours",))
        assert _files(folder) == sorted([".fedcba9876543210.other-server.part", row.storage_key, "not-ours"])
        assert evidence.path_of(row, folder) == folder / row.storage_key
