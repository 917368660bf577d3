"""Answer once for several boards. An agency serving several partnerships (police, NHS trusts, probation) answers the
same questionnaire version for each; the person who works on its returns for those boards can copy one return's
answers and evidence into the others they choose, submit the copies with the same sign-off, or start a return as a
copy of another and change what differs.

Each board keeps a return of its own: its moderation, challenges, actions and figures (with the k rule) stay with
it, and nothing a board does is copied. Where a copy came from is told to the agency only; a board's audit log says
that answers were copied in, never from which board."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from survey.answer_values import AnswerValues
from survey.db import unit_of_work
from survey.definitions import Questionnaire
from survey.models import Answer, AuditEvent, EvidenceFile, Person, Return, ReturnState, Round, RoundState, utcnow
from survey.services import evidence, returns
from survey.services.access import Forbidden, Principal
from survey.services.definitions import questionnaire_of


class ShareError(Exception):
    """The answers cannot be copied as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Sibling:
    """The agency's return to another board for the same questionnaire version, as this person may see it."""

    ret: Return
    board: str
    round_title: str
    open_for_changes: bool  # its round is open and it is not submitted
    can_submit: bool  # this person signs off the agency's returns to that board
    copied_from_this: bool  # its answers were last copied from the return being looked at
    copied_into_this: bool  # the return being looked at was last copied from it
    differs: tuple[str, ...]  # statements whose answers differ between the two, in questionnaire order

    @property
    def why_not(self) -> str:
        """Why answers can no longer be copied into it ("" when they can)."""
        return "" if self.open_for_changes else why_not(self.ret)


def why_not(ret: Return) -> str:
    """Why a return that can no longer change cannot take copied answers."""
    if ret.state is ReturnState.SUBMITTED:
        return "it has been submitted (ask that board to reopen it to change it)"
    return "its round has closed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What copying did to one board's return."""

    board: str
    return_id: int
    changed: int  # statements whose answers were written
    files: int  # evidence files copied
    submitted: bool
    refused: str  # why nothing was done ("" when it was)


def _values(session: Session, return_id: int) -> dict[str, AnswerValues]:
    return {a.statement_id: AnswerValues.of(a) for a in session.scalars(
        select(Answer).where(Answer.return_id == return_id))}


def _others(session: Session, ret: Return, principal: Principal) -> list[Return]:
    """The agency's returns to its other boards for this questionnaire version that this person works on."""
    found = session.scalars(
        select(Return).join(Round, Round.id == Return.round_id)
        .where(Return.agency_id == ret.agency_id, Return.id != ret.id, Return.partnership_id != ret.partnership_id,
               Round.definition_version_id == ret.round.definition_version_id, Round.state != RoundState.DRAFT)
        .options(selectinload(Return.round), selectinload(Return.partnership))
        .order_by(Return.id)).all()
    return [other for other in found if principal.can_edit_return(other)]


def siblings(session: Session, ret: Return, principal: Principal) -> list[Sibling]:
    """Those returns as the page shows them: status, copies and which statements differ from this one."""
    mine = _others(session, ret, principal)
    if not mine:
        return []
    order = questionnaire_of(ret.round.definition_version).statement_ids()
    here = _values(session, ret.id)
    out = []
    for other in mine:
        there = _values(session, other.id)
        differs = tuple(sid for sid in order if here.get(sid, AnswerValues()) != there.get(sid, AnswerValues()))
        out.append(Sibling(other, other.partnership.name, other.round.title, returns.is_editable(other),
                           principal.can_submit_return(other), other.shared_from_id == ret.id,
                           ret.shared_from_id == other.id, differs))
    return out


def copy(session: Session, source: Return, target_ids: Collection[int], principal: Principal, *,
         submit_too: bool = False, folder: str | Path = "", max_bytes: int = 0) -> list[Outcome]:
    """Copy a return's answers (and evidence files) into the agency's returns to the chosen other boards, and
    submit each copy with the source's sign-off if asked (the source must be submitted, and this person the lead
    for each of those boards). A return that can no longer change is left as it is, with the reason."""
    if not principal.can_edit_return(source):
        raise Forbidden
    chosen = [other for other in _others(session, source, principal) if other.id in set(target_ids)]
    if not chosen:
        raise ShareError("Choose at least one of your other boards' returns")
    if submit_too and source.state is not ReturnState.SUBMITTED:
        raise ShareError("Submit this return first: its copies are submitted with the same sign-off")
    if submit_too and source.submitted_by_id != principal.person_id:
        # A sign-off is a person's own declaration: nobody else may put it on another board's return.
        raise ShareError(f"Only {source.declaration_name}, who signed this return off, can submit copies with "
                         "that sign-off: copy the answers, then submit each copy yourself")
    questionnaire = questionnaire_of(source.round.definition_version)
    person = session.get(Person, principal.person_id)
    try:
        return _copy(session, source, chosen, principal, questionnaire, person, submit_too, folder, max_bytes)
    except (StaleDataError, IntegrityError):
        # Someone saved an answer in one of those returns at the same moment: everything was rolled back.
        raise ShareError("Someone saved an answer in one of those returns at the same moment, so nothing was "
                         "copied: look at it, then copy again") from None


def _copy(session: Session, source: Return, chosen: list[Return], principal: Principal,
          questionnaire: Questionnaire, person: Person | None, submit_too: bool, folder: str | Path,
          max_bytes: int) -> list[Outcome]:
    outcomes = []
    with unit_of_work(session):
        answers = _values(session, source.id)
        files = list(session.scalars(select(EvidenceFile).where(
            EvidenceFile.return_id == source.id, EvidenceFile.deleted_at.is_(None)).order_by(EvidenceFile.id)))
        for target in chosen:
            board = target.partnership.name
            if not returns.is_editable(target):  # read again in this transaction: it may have closed since
                outcomes.append(Outcome(board, target.id, 0, 0, False, why_not(target)))
                continue
            if submit_too and not principal.can_submit_return(target):
                outcomes.append(Outcome(board, target.id, 0, 0, False,
                                        "only the agency's lead for that board can submit it"))
                continue
            current = {a.statement_id: a for a in session.scalars(select(Answer).where(Answer.return_id == target.id))}
            changed = 0
            for sid in questionnaire.statement_ids():
                values = answers.get(sid)
                if values is None or values.empty:
                    continue  # never blank out what someone wrote in the other return
                row = current.get(sid)
                if row is not None and AnswerValues.of(row) == values and not row.to_confirm:
                    continue
                returns.write_answer(session, target, row, sid, values, person)
                changed += 1
            copied = _copy_files(session, files, target, principal.person_id, folder, max_bytes)
            now = utcnow()
            target.shared_from_id, target.shared_at = source.id, now
            if target.state is ReturnState.NOT_STARTED:
                target.state = ReturnState.DRAFT
            session.add(AuditEvent(person_id=principal.person_id, action="return.copied_in",
                                   round_id=target.round_id, return_id=target.id, object_type="return",
                                   object_id=str(target.id), new={"statements": changed, "files": copied}))
            session.flush()
            submitted = False
            if submit_too:
                if returns.missing(target, questionnaire):
                    raise ShareError(f"The copy for {board} is not complete, so nothing was copied: "
                                     "answer every statement in this return first")
                submitted = returns.submit(session, target, principal, source.declaration_name,
                                           source.declaration_role)
            outcomes.append(Outcome(board, target.id, changed, copied, submitted, ""))
    return outcomes


def _copy_files(session: Session, files: list[EvidenceFile], target: Return, person_id: int,
                folder: str | Path, max_bytes: int) -> int:
    """Copies of the source's evidence files the target does not already hold (by content, per statement)."""
    held: set[tuple[str, str]] = {(sid, digest) for sid, digest in session.execute(
        select(EvidenceFile.statement_id, EvidenceFile.sha256).where(
        EvidenceFile.return_id == target.id, EvidenceFile.deleted_at.is_(None)))}
    copied = 0
    for row in files:
        if (row.statement_id, row.sha256) in held:
            continue
        try:
            data = evidence.path_of(row, folder).read_bytes()
        except OSError:
            raise ShareError(f"{row.filename} can no longer be read, so nothing was copied: remove it from this "
                             "return or upload it again") from None
        evidence.store(session, target, row.statement_id, row.filename, data, person_id, folder, max_bytes)
        held.add((row.statement_id, row.sha256))
        copied += 1
    return copied


__all__ = ["Outcome", "ShareError", "Sibling", "copy", "siblings", "why_not"]
