"""Questionnaires a board brings in the browser: uploaded as YAML or as a spreadsheet (the `from-xlsx` columns),
checked with every problem told by its line or cell, kept as a draft to preview, then published for the board's
new rounds. They are read from the database on every request, so no restart is needed and every worker offers
them at once. A round pins the version it was created with, so publishing a newer one never changes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from pathlib import PurePath

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.db import unit_of_work
from survey.definitions import Problem, Questionnaire, check_bytes
from survey.definitions.from_sheet import SheetError, definition_from_sheet, slug
from survey.models import AuditEvent, BoardQuestionnaire, DefinitionVersion, utcnow
from survey.services.definitions import ensure_version, questionnaire_of
from survey.spreadsheets import OLE_SIGNATURE, XLSX_SIGNATURE

MAX_BYTES = 5 * 1024 * 1024
SHEETS = (".xlsx", ".xlsm", ".csv", ".xls")
DEFINITIONS = (".yaml", ".yml")
CHOICE_PREFIX = "own:"  # a round form value for a board's own questionnaire: ":" is in no questionnaire id


class UploadRefused(Exception):
    """The file cannot become a questionnaire; `problems` says every reason, each with its line or cell."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class NotADraft(Exception):
    """The questionnaire was published or discarded meanwhile; the message says which."""


def _line(problem: Problem) -> str:
    where = f", at {problem.where}" if problem.where else ""
    return f"Line {problem.line}: {problem.message} — {problem.fix} ({problem.code.value}{where})"


def _kind(filename: str, data: bytes) -> str:
    suffix = PurePath(filename).suffix.lower()
    if data.startswith((XLSX_SIGNATURE, OLE_SIGNATURE)) or suffix in SHEETS:
        return "sheet"
    if suffix in DEFINITIONS or not suffix:
        return "yaml"
    raise UploadRefused([f"{filename} is not a questionnaire file: upload a YAML definition (.yaml) or a "
                         "spreadsheet (.xlsx or .csv) with the columns section, duty, statement id, text and "
                         "guidance"])


def read_upload(session: Session, partnership_id: int, filename: str, data: bytes, title: str,
                shipped: Iterable[Questionnaire]) -> Questionnaire:
    """The questionnaire in an uploaded file, or UploadRefused listing every problem with its line or cell.

    A spreadsheet holds statements only: its title comes from the form, its id from the title, and its version
    is the next number after those the board (or the shipped questionnaires) already have for that id."""
    if not data:
        raise UploadRefused([f"{filename} is empty"])
    if len(data) > MAX_BYTES:
        raise UploadRefused([f"{filename} is larger than {MAX_BYTES // (1024 * 1024)} MB"])
    shipped = list(shipped)
    if _kind(filename, data) == "sheet":
        title = " ".join(title.split())
        wrong = ("Enter the questionnaire's title: a spreadsheet holds only its statements" if not title else
                 "The title must be 200 characters or fewer" if len(title) > 200 else "")
        if wrong:
            try:  # the sheet's own problems are told with the title's, so that one upload finds them all
                definition_from_sheet(data, filename, "untitled", "Untitled")
            except SheetError as exc:
                raise UploadRefused([wrong, *exc.problems]) from None
            raise UploadRefused([wrong])
        return _from_sheet(session, partnership_id, filename, data, title, shipped)
    found, problems = check_bytes(data, filename)
    if found is None:
        raise UploadRefused([_line(p) for p in problems])
    clash = _same_version(session, partnership_id, found, shipped)
    if clash:
        raise UploadRefused([clash])
    return found


def _from_sheet(session: Session, partnership_id: int, filename: str, data: bytes, title: str,
                shipped: list[Questionnaire]) -> Questionnaire:
    questionnaire_id = slug(title)
    known = _known(session, partnership_id, questionnaire_id, shipped)
    numbers = [int(v) for v, _ in known if v.isdigit()]
    if numbers:  # the same sheet uploaded again is the version it made then
        again = _sheet_version(filename, data, questionnaire_id, title, str(max(numbers)))
        if (again.version, again.content_hash) in known:
            return again
    return _sheet_version(filename, data, questionnaire_id, title, str(max(numbers, default=0) + 1))


def _sheet_version(filename: str, data: bytes, questionnaire_id: str, title: str, version: str) -> Questionnaire:
    try:
        text = definition_from_sheet(data, filename, questionnaire_id, title, version)
    except SheetError as exc:
        raise UploadRefused(exc.problems) from None
    found, problems = check_bytes(text.encode(), f"{questionnaire_id}.yaml")
    if found is None:  # definition_from_sheet has checked it: a defect of ours, told plainly
        raise UploadRefused([_line(p) for p in problems])
    return found


def _known(session: Session, partnership_id: int, questionnaire_id: str,
           shipped: list[Questionnaire]) -> list[tuple[str, str]]:
    """(version, content hash) of every version of this questionnaire the board can already choose or has drafted."""
    mine = session.execute(select(DefinitionVersion.version, DefinitionVersion.content_hash)
                           .join(BoardQuestionnaire, BoardQuestionnaire.version_id == DefinitionVersion.id)
                           .where(BoardQuestionnaire.partnership_id == partnership_id,
                                  DefinitionVersion.questionnaire_id == questionnaire_id)).all()
    return [(v, h) for v, h in mine] + [(q.version, q.content_hash) for q in shipped if q.id == questionnaire_id]


def _same_version(session: Session, partnership_id: int, questionnaire: Questionnaire,
                  shipped: list[Questionnaire]) -> str:
    """Why this version label is taken by different content (two different "version 2"s would mislead), or ""."""
    for version, digest in _known(session, partnership_id, questionnaire.id, shipped):
        if version == questionnaire.version and digest != questionnaire.content_hash:
            return (f"Version {version} of '{questionnaire.id}' already exists with different statements or "
                    "settings: give this file a new version (its version: line) and upload it again")
    return ""


def upload(session: Session, partnership_id: int, filename: str, data: bytes, title: str,
           shipped: Iterable[Questionnaire], by_person_id: int | None) -> BoardQuestionnaire:
    """Check an uploaded file and keep it as the board's draft (the same content uploaded again is the same draft,
    or the version already published); UploadRefused lists every problem and nothing is saved."""
    shipped = list(shipped)
    try:
        return _keep(session, partnership_id, filename, data, title, shipped, by_person_id)
    except IntegrityError:
        # Someone uploaded the same content at the same moment: theirs is the draft, found this time.
        return _keep(session, partnership_id, filename, data, title, shipped, by_person_id)


def _keep(session: Session, partnership_id: int, filename: str, data: bytes, title: str,
          shipped: list[Questionnaire], by_person_id: int | None) -> BoardQuestionnaire:
    with unit_of_work(session):
        questionnaire = read_upload(session, partnership_id, filename, data, title, shipped)
        version = ensure_version(session, questionnaire)
        found = session.scalar(select(BoardQuestionnaire).where(
            BoardQuestionnaire.partnership_id == partnership_id, BoardQuestionnaire.version_id == version.id))
        if found is not None:
            return found
        draft = BoardQuestionnaire(partnership_id=partnership_id, version_id=version.id, uploaded_by_id=by_person_id)
        session.add(draft)
        session.flush()
        session.add(AuditEvent(person_id=by_person_id, action="questionnaire.uploaded", partnership_id=partnership_id,
                               object_type="questionnaire", object_id=str(draft.id),
                               new={"questionnaire": questionnaire.id, "version": questionnaire.version,
                                    "file": filename[:200]}))
        return draft


def of_boards(session: Session, partnership_ids: Collection[int]) -> list[BoardQuestionnaire]:
    """The boards' uploaded questionnaires, drafts first, then the newest published."""
    rows = session.scalars(select(BoardQuestionnaire).where(
        BoardQuestionnaire.partnership_id.in_(list(partnership_ids))).order_by(
        BoardQuestionnaire.published_at.is_not(None), BoardQuestionnaire.published_at.desc(),
        BoardQuestionnaire.uploaded_at.desc(), BoardQuestionnaire.id.desc()))
    return list(rows)


def find(session: Session, partnership_ids: Collection[int], board_questionnaire_id: int) -> BoardQuestionnaire | None:
    """One of these boards' uploaded questionnaires (None for another board's, so its existence is not told)."""
    found = session.get(BoardQuestionnaire, board_questionnaire_id)
    return found if found is not None and found.partnership_id in partnership_ids else None


def publish(session: Session, draft: BoardQuestionnaire, by_person_id: int | None,
            now: dt.datetime | None = None) -> None:
    """Offer a draft for the board's new rounds. Publishing twice (a replayed form) changes nothing."""
    with unit_of_work(session):
        done = session.execute(update(BoardQuestionnaire).where(
            BoardQuestionnaire.id == draft.id, BoardQuestionnaire.published_at.is_(None)).values(
            published_at=now or utcnow(), published_by_id=by_person_id))
        if done.rowcount:  # type: ignore[attr-defined]
            q = questionnaire_of(draft.definition_version)
            session.add(AuditEvent(person_id=by_person_id, action="questionnaire.published",
                                   partnership_id=draft.partnership_id, object_type="questionnaire",
                                   object_id=str(draft.id), new={"questionnaire": q.id, "version": q.version}))
    session.refresh(draft)


def discard(session: Session, draft: BoardQuestionnaire, by_person_id: int | None) -> None:
    """Throw away a draft; a published questionnaire is never taken back (NotADraft), as rounds may use it."""
    with unit_of_work(session):
        q = questionnaire_of(draft.definition_version)
        gone = session.execute(delete(BoardQuestionnaire).where(
            BoardQuestionnaire.id == draft.id, BoardQuestionnaire.published_at.is_(None)))
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise NotADraft(f"{q.title} (version {q.version}) has been published, so it stays: rounds may use it")
        session.add(AuditEvent(person_id=by_person_id, action="questionnaire.discarded",
                               partnership_id=draft.partnership_id, object_type="questionnaire",
                               object_id=str(draft.id), old={"questionnaire": q.id, "version": q.version}))
    session.expunge(draft)


def offered(session: Session, partnership_id: int) -> list[tuple[str, Questionnaire]]:
    """The board's published questionnaires as (round form value, questionnaire), newest first."""
    rows = session.scalars(select(BoardQuestionnaire).where(
        BoardQuestionnaire.partnership_id == partnership_id, BoardQuestionnaire.published_at.is_not(None))
        .order_by(BoardQuestionnaire.published_at.desc(), BoardQuestionnaire.id.desc()))
    return [(f"{CHOICE_PREFIX}{row.id}", questionnaire_of(row.definition_version)) for row in rows]


def newest(session: Session, partnership_id: int, questionnaire_id: str) -> Questionnaire | None:
    """The board's most recently published version of a questionnaire, or None (for `survey round create`)."""
    return next((q for _, q in offered(session, partnership_id) if q.id == questionnaire_id), None)
