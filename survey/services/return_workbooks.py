"""Offline Excel returns: a return's workbook to download, and importing one back safely.

An import is checked completely before anything is saved. Only statements changed in the file since it was
downloaded are saved; one changed online since then too, differently, is a conflict shown to the person first.
Everything saves in one transaction (the same path as the duty pages), so re-importing a file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.answer_values import AnswerValues, Conflict, SaveResult, StatementInput
from survey.exports.return_workbook import Identity, WorkbookError, write_return_workbook
from survey.exports.return_workbook_reader import read_return_workbook
from survey.models import Answer, Return, utcnow
from survey.services import returns
from survey.services.access import Principal
from survey.text import possessive


@dataclass(frozen=True, slots=True)
class Planned:
    """What an import would do."""

    ret: Return
    inputs: tuple[StatementInput, ...]
    changes: tuple[str, ...]
    conflicts: tuple[Conflict, ...]


def _values(answer: Answer | None) -> AnswerValues:
    return AnswerValues.of(answer)


def write(session: Session, ret: Return, secret: str, out: str | Path | IO[bytes]) -> None:
    """Write a return's workbook with its current answers."""
    questionnaire = returns.questionnaire_for(ret)
    answers = {a.statement_id: a for a in session.scalars(select(Answer).where(Answer.return_id == ret.id))}
    identity = Identity(ret.round_id, ret.agency_id, ret.id, ret.round.definition_version.content_hash,
                        utcnow().isoformat(timespec="seconds"),
                        {sid: a.revision for sid, a in answers.items()},
                        {sid: _values(a).digest() for sid, a in answers.items()})
    # The workbook holds the same fields as an answer (exports cannot import services, hence two classes).
    cells = {sid: _values(a) for sid, a in answers.items()}
    title = f"{ret.round.title} – {ret.agency.name}"
    write_return_workbook(questionnaire, identity, cells, title, secret, out)


def plan(session: Session, data: bytes, name: str, secret: str, expected: Return | None = None) -> Planned:
    """Check a workbook (against the return it is uploaded to, if given); raise WorkbookError with every problem."""
    from survey.models import Return as ReturnModel

    if expected is not None:
        questionnaire = returns.questionnaire_for(expected)
        result = read_return_workbook(data, name, questionnaire, secret)
        ret = expected
        if result.identity.return_id != ret.id:
            other = session.get(ReturnModel, result.identity.return_id)
            what = f"{other.round.title}, {other.agency.name}" if other is not None else "another return"
            raise WorkbookError([f"{name}: this workbook is for {what}, not {ret.round.title}, {ret.agency.name}"])
    else:
        # Without a return to check against, the identity names one; the signature is then checked against it.
        ret = _return_named_in(session, data, name)
        result = read_return_workbook(data, name, returns.questionnaire_for(ret), secret)
    identity = result.identity
    if identity.round_id != ret.round_id or identity.agency_id != ret.agency_id:
        raise WorkbookError([f"{name}: this workbook is for another round or agency"])
    if identity.definition_hash != ret.round.definition_version.content_hash:
        raise WorkbookError([f"{name}: this workbook is for another version of the questionnaire"])
    if not returns.is_editable(ret):
        state = "closed" if ret.round.state.value == "closed" else ret.state.value
        raise WorkbookError([f"{name}: {possessive(ret.agency.name)} return is {state} and cannot be changed"])
    answers = {a.statement_id: a for a in session.scalars(select(Answer).where(Answer.return_id == ret.id))}
    inputs, changes, conflicts = [], [], []
    for statement_id, values in result.values.items():
        base_digest = identity.digests.get(statement_id, AnswerValues().digest())
        base_revision = identity.revisions.get(statement_id, 0)
        item = StatementInput(statement_id, values, base_revision, base_digest)
        inputs.append(item)
        current = answers.get(statement_id)
        theirs = _values(current)
        if values.digest() == base_digest or values == theirs:
            continue
        their_revision = current.revision if current is not None else 0
        if their_revision != base_revision:
            conflicts.append(Conflict(statement_id, values, theirs, their_revision,
                                              current.updated_by.name if current is not None
                                              and current.updated_by is not None else "someone",
                                              current.updated_at if current is not None else None))
        else:
            changes.append(statement_id)
    return Planned(ret, tuple(inputs), tuple(changes), tuple(conflicts))


def _return_named_in(session: Session, data: bytes, name: str) -> Return:
    import io

    from openpyxl import load_workbook

    from survey.exports.return_workbook import IDENTITY_SHEET
    from survey.exports.return_workbook_reader import check_archive

    check_archive(data, name)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        raw = ({str(r[0]): r[1] for r in wb[IDENTITY_SHEET].iter_rows(values_only=True) if r and r[0]}
               if IDENTITY_SHEET in wb.sheetnames else {})
        wb.close()
        return_id = int(str(raw.get("return") or 0))
    except (ValueError, TypeError):
        return_id = 0
    except Exception:  # noqa: BLE001 - any damage means the same to the person
        raise WorkbookError([f"{name}: the workbook is damaged and cannot be read"]) from None
    found = session.get(Return, return_id) if return_id else None
    if found is None:
        raise WorkbookError([f"{name}: this workbook was not downloaded from a return (its identity is missing "
                             "or changed); download the return's workbook and enter the answers there"])
    return found


def apply(session: Session, planned: Planned, principal: Principal, overwrite: frozenset[str] = frozenset()
          ) -> SaveResult:
    """Save a checked import in one transaction; conflicting statements only where the person chose the file's."""
    answers = {a.statement_id: a for a in session.scalars(select(Answer).where(
        Answer.return_id == planned.ret.id))}
    inputs = []
    for item in planned.inputs:
        if item.statement_id in overwrite:
            current = answers.get(item.statement_id)
            item = StatementInput(item.statement_id, item.values, current.revision if current else 0,
                                  item.base_digest)
        inputs.append(item)
    duty = planned.ret.resume_duty_id or next(d.id for _, d in returns.questionnaire_for(planned.ret).duties())
    # The workbook is the person's own copy of anything it loses to a change made online meanwhile.
    return returns.save_statements(session, planned.ret, principal, duty, inputs, keep_losing=False)


def system_principal(ret: Return) -> Principal:
    """Who the command line acts as: a manager of the return's partnership, with no person."""
    return Principal(0, "survey import-return", "", frozenset(), frozenset(), frozenset({ret.round.partnership_id}),
                     frozenset(), False)


__all__ = ["Planned", "apply", "plan", "system_principal", "write"]
