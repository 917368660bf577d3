"""Agency returns: progress, saving a duty's answers (with edit conflicts), completeness and submission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from survey.answer_values import AnswerValues, Conflict, SaveResult, StatementInput
from survey.db import in_unit_of_work, unit_of_work
from survey.definitions import Duty, Questionnaire, Statement
from survey.models import Answer, AuditEvent, Person, Return, ReturnState, Round, RoundState, as_utc, utcnow
from survey.services import evidence, pending_uploads, unsaved
from survey.services.access import Forbidden, Principal, agency_people
from survey.services.definitions import questionnaire_of

EDITABLE = (ReturnState.NOT_STARTED, ReturnState.DRAFT, ReturnState.REOPENED)
MAX_COMMENTARY = 5000
MAX_NOTES = 2000


class ReadOnly(Exception):
    """The return cannot change: submitted, or the round is not open."""


DutyStatus = Literal["not started", "in progress", "completed"]


@dataclass(frozen=True, slots=True)
class DutyProgress:
    """A task-list row: a duty's status and who last edited it."""

    section_title: str
    duty: Duty
    status: DutyStatus
    answered: int
    last_edited_by: str
    last_edited_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Missing:
    """Something that must be done before the return can be submitted."""

    duty_id: str
    statement_id: str
    message: str


def questionnaire_for(ret: Return) -> Questionnaire:
    """The questionnaire version the return's round pinned."""
    return questionnaire_of(ret.round.definition_version)


def answers_by_statement(ret: Return) -> dict[str, Answer]:
    """The return's answers keyed by statement id."""
    return {a.statement_id: a for a in ret.answers}


def needs_action(questionnaire: Questionnaire, values: AnswerValues) -> bool:
    """A rating below the questionnaire's threshold needs an action."""
    below = questionnaire.requires_action_below
    return below is not None and values.rating is not None and values.rating < below


def missing_for(questionnaire: Questionnaire, statement: Statement, values: AnswerValues) -> list[str]:
    """What is still missing for one statement."""
    if not values.answered:
        return ["Not rated yet"]
    if needs_action(questionnaire, values) and not (values.action_what and values.action_who and values.action_by):
        return ["Needs an action (what, who and by when) because it is rated below "
                f"{questionnaire.scale.label_for(questionnaire.requires_action_below or 0)}"]
    return []


def progress(ret: Return, questionnaire: Questionnaire) -> list[DutyProgress]:
    """Status of every duty, for the task list."""
    answers = answers_by_statement(ret)
    rows: list[DutyProgress] = []
    for section, duty in questionnaire.duties():
        own = [answers.get(st.id) for st in duty.statements]
        values = [AnswerValues.of(a) for a in own]
        complete = all(not _missing_answer(questionnaire, st, a) for st, a in zip(duty.statements, own, strict=True))
        touched = [a for a in own if a is not None and not AnswerValues.of(a).empty]
        status: DutyStatus = "completed" if complete else ("in progress" if touched else "not started")
        last = max(touched, key=lambda a: as_utc(a.updated_at), default=None)
        rows.append(DutyProgress(
            section.title, duty, status, sum(v.answered for v in values),
            last.updated_by.name if last is not None and last.updated_by is not None else "",
            as_utc(last.updated_at) if last is not None else None,
        ))
    return rows


TO_CONFIRM = "Carried from your last return: check it, then confirm it or change it"


def _missing_answer(questionnaire: Questionnaire, statement: Statement, answer: Answer | None) -> list[str]:
    found = missing_for(questionnaire, statement, AnswerValues.of(answer))
    return found or ([TO_CONFIRM] if answer is not None and answer.to_confirm else [])


def missing(ret: Return, questionnaire: Questionnaire) -> list[Missing]:
    """Everything that stops the return being submitted, in questionnaire order."""
    answers = answers_by_statement(ret)
    out = []
    for _, duty, statement in questionnaire.statements():
        for message in _missing_answer(questionnaire, statement, answers.get(statement.id)):
            out.append(Missing(duty.id, statement.id, message))
    return out


def is_editable(ret: Return) -> bool:
    """Open round and not submitted."""
    return ret.round.state is RoundState.OPEN and ret.state in EDITABLE


def _check_editable(ret: Return) -> None:
    if ret.round.state is not RoundState.OPEN:
        raise ReadOnly("This round is closed: its returns can no longer be changed.")
    if ret.state not in EDITABLE:
        raise ReadOnly("This return has been submitted and can no longer be changed. Ask your board manager to "
                       "reopen it if something needs correcting.")


@dataclass(frozen=True, slots=True)
class Upload:
    """An evidence file posted with a duty page, already checked by `evidence.check`."""

    statement_id: str
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class EvidenceFolder:
    """Where evidence files are kept, and how large one may be."""

    path: str
    max_bytes: int


def save_statements(session: Session, ret: Return, principal: Principal, duty_id: str,
                    inputs: Iterable[StatementInput], uploads: Iterable[Upload] = (),
                    folder: EvidenceFolder | None = None, then: str = "continue",
                    pending: dict[str, str] | None = None, keep_losing: bool = True) -> SaveResult:
    """Save what this person changed on a duty page, and its uploads, in one unit of work.

    `pending` claims files kept from an earlier post of the page that had another error (tokens by statement).
    `keep_losing=False` where the person's version lives on elsewhere (an uploaded workbook is their copy).

    Statements someone else changed meanwhile are not saved: they come back as conflicts, and this person's
    versions are kept (`survey.services.unsaved`) until they choose. A save that meets a concurrent one is run
    again from the start, uploads included, so answers and files are kept or dropped together."""
    inputs, uploads = list(inputs), list(uploads)
    if (uploads or pending) and folder is None:
        raise ValueError("uploads need an evidence folder")
    for attempt in range(3):
        try:
            with unit_of_work(session):
                claimed = pending_uploads.take(session, principal.person_id, ret.id, pending or {})
                for upload in [*(Upload(c.statement_id, c.filename, c.data) for c in claimed), *uploads]:
                    assert folder is not None  # noqa: S101 - checked above; for the type checker
                    evidence.store(session, ret, upload.statement_id, upload.filename, upload.data,
                                   principal.person_id, folder.path, folder.max_bytes)
                result = _save_once(session, ret, principal, duty_id, inputs)
                if result.conflicts and keep_losing:
                    _keep_conflicts(session, principal.person_id, ret.id, duty_id, result.conflicts, then)
            return result
        except (StaleDataError, IntegrityError):
            # Someone saved the same statement between our read and our write: reload and decide again,
            # which turns their save into a conflict for this person (or a no-op if it was identical).
            if in_unit_of_work(session) or attempt == 2:
                raise
            session.refresh(ret)
    raise AssertionError("unreachable")  # pragma: no cover


def _conflict_json(conflict: Conflict, mine: AnswerValues | None = None) -> dict[str, Any]:
    return {"mine": (mine or conflict.mine).to_json(), "theirs": conflict.theirs.to_json(),
            "their_revision": conflict.their_revision, "their_name": conflict.their_name,
            "their_time": conflict.their_time.isoformat() if conflict.their_time else None}


def _keep_conflicts(session: Session, person_id: int, return_id: int, duty_id: str,
                    conflicts: Iterable[Conflict], then: str) -> None:
    kept = unsaved.entries(session, person_id, return_id, duty_id)
    for conflict in conflicts:
        kept[conflict.statement_id] = _conflict_json(conflict)  # the person's newest version of it
    unsaved.put(session, person_id, return_id, duty_id, kept, then)


def kept_versions(session: Session, person_id: int, return_id: int, duty_id: str) -> list[Conflict]:
    """This person's versions of a duty's statements that lost a conflict and wait for a choice."""
    return [Conflict(sid, AnswerValues.from_json(e["mine"]), AnswerValues.from_json(e["theirs"]),
                        int(e["their_revision"]), str(e["their_name"]),
                        dt.datetime.fromisoformat(e["their_time"]) if e.get("their_time") else None)
            for sid, e in unsaved.entries(session, person_id, return_id, duty_id).items()]


Choice = Literal["theirs", "mine", "both"]


def combined(mine: AnswerValues, theirs: AnswerValues) -> AnswerValues:
    """Their version with this person's texts added below theirs (their rating and dates stand)."""
    def both(a: str, b: str) -> str:
        return a if not b or b == a or b in a else (f"{a}\n\n{b}" if a else b)

    return AnswerValues(
        rating=theirs.rating, not_applicable=theirs.not_applicable,
        commentary=both(theirs.commentary, mine.commentary),
        evidence_notes=both(theirs.evidence_notes, mine.evidence_notes),
        evidence_links=both(theirs.evidence_links, mine.evidence_links),
        action_what=both(theirs.action_what, mine.action_what),
        action_who=theirs.action_who or mine.action_who,
        action_by=theirs.action_by or mine.action_by,
    )


def resolve_conflicts(session: Session, ret: Return, principal: Principal, duty_id: str,
                      choices: dict[str, Choice]) -> SaveResult:
    """Save this person's choice for each kept statement in one unit of work.

    A statement someone changed yet again while they chose stays waiting, with their version still kept and
    the newest other version beside it; every other statement is saved or let go, and no longer waits."""
    for attempt in range(3):
        try:
            with unit_of_work(session):
                kept = unsaved.entries(session, principal.person_id, ret.id, duty_id)
                inputs = []
                for sid, choice in choices.items():
                    entry = kept.get(sid)
                    if entry is None:
                        continue
                    mine, theirs = AnswerValues.from_json(entry["mine"]), AnswerValues.from_json(entry["theirs"])
                    if choice == "theirs":
                        kept.pop(sid)
                        continue
                    chosen = mine if choice == "mine" else combined(mine, theirs)
                    inputs.append(StatementInput(sid, chosen, int(entry["their_revision"]), theirs.digest()))
                result = _save_once(session, ret, principal, duty_id, inputs)
                again = {c.statement_id: c for c in result.conflicts}
                for item in inputs:
                    if item.statement_id in again:
                        # Keep what the person typed (not the combination), now against the newest version.
                        mine = AnswerValues.from_json(kept[item.statement_id]["mine"])
                        kept[item.statement_id] = _conflict_json(again[item.statement_id], mine)
                    else:
                        kept.pop(item.statement_id, None)
                unsaved.put(session, principal.person_id, ret.id, duty_id, kept)
            return result
        except (StaleDataError, IntegrityError):
            if attempt == 2:
                raise
            session.refresh(ret)
    raise AssertionError("unreachable")  # pragma: no cover


def _save_once(session: Session, ret: Return, principal: Principal, duty_id: str,
               inputs: list[StatementInput]) -> SaveResult:
    # The return was read before this transaction began (see survey.db.unit_of_work): check its state again now
    # that this transaction holds the write lock, so a save never lands in a return submitted or closed meanwhile.
    states = session.execute(select(Return.state, Round.state).join(Round, Round.id == Return.round_id)
                             .where(Return.id == ret.id)).one()
    if (ret.state, ret.round.state) != tuple(states):
        session.refresh(ret, ["state"])
        session.refresh(ret.round, ["state"])
    _check_editable(ret)
    # The agency's people, or a manager of the partnership (who may upload an agency's offline workbook).
    if not principal.can_edit_return(ret) and not ret.round.run_by(principal.manager_partnerships):
        raise Forbidden
    # Only the statements being saved: a duty's worth, however long the questionnaire.
    answers = {a.statement_id: a for a in session.scalars(
        select(Answer).where(Answer.return_id == ret.id, Answer.statement_id.in_([i.statement_id for i in inputs]))
        .options(joinedload(Answer.updated_by)))}
    person = session.get(Person, principal.person_id)
    saved: list[str] = []
    revisions: dict[str, int] = {}
    written: list[Answer] = []
    conflicts: list[Conflict] = []
    for item in inputs:
        current = answers.get(item.statement_id)
        theirs = AnswerValues.of(current)
        their_revision = current.revision if current is not None else 0
        if current is not None and current.to_confirm and item.confirm and item.values == theirs:
            # Checked and still right: confirmed as it is (a change confirms it too, in write_answer).
            written.append(_confirm(session, ret, current, person))
            saved.append(item.statement_id)
            continue
        if item.values == theirs:
            # Already so: a retried save, or two people typing the same thing. Acknowledged, not a conflict.
            if current is not None:
                revisions[item.statement_id] = their_revision
            continue
        if item.values.digest() == item.base_digest:
            continue  # this person changed nothing here
        own_page = (current is not None and bool(item.page) and current.saved_from == item.page
                    and current.updated_by_id == principal.person_id)
        if their_revision != item.base_revision and not own_page:
            conflicts.append(Conflict(
                item.statement_id, item.values, theirs, their_revision,
                current.updated_by.name if current is not None and current.updated_by is not None else "someone",
                as_utc(current.updated_at) if current is not None else None,
            ))
            continue
        written.append(write_answer(session, ret, current, item.statement_id, item.values, person, item.page))
        saved.append(item.statement_id)
    if saved:
        if ret.state is ReturnState.NOT_STARTED:
            ret.state = ReturnState.DRAFT
        ret.updated_at = utcnow()
    ret.resume_duty_id = duty_id
    session.flush()
    revisions.update({a.statement_id: a.revision for a in written})
    return SaveResult(tuple(saved), tuple(conflicts), revisions)


def write_answer(session: Session, ret: Return, current: Answer | None, statement_id: str, values: AnswerValues,
                 person: Person | None, page: str = "") -> Answer:
    """Write one statement's values into a return (a new answer, or the current one changed), audited."""
    old = AnswerValues.of(current)
    if current is None:
        current = Answer(return_=ret, statement_id=statement_id)
        session.add(current)
    for name, value in values.fields().items():
        setattr(current, name, value)
    current.updated_by = person
    current.updated_at = utcnow()
    current.saved_from = page or None
    current.to_confirm = False  # a carried answer someone changed is theirs now
    before = old.to_json()
    changed = {k: v for k, v in values.to_json().items() if before[k] != v}
    session.add(AuditEvent(
        person_id=person.id if person else None, action="answer.saved", round_id=ret.round_id, return_id=ret.id,
        object_type="statement", object_id=statement_id,
        old={k: before[k] for k in changed}, new=changed,
    ))
    return current


def _confirm(session: Session, ret: Return, current: Answer, person: Person | None) -> Answer:
    current.to_confirm = False
    current.updated_by = person
    current.updated_at = utcnow()
    session.add(AuditEvent(person_id=person.id if person else None, action="answer.confirmed",
                           round_id=ret.round_id, return_id=ret.id, object_type="statement",
                           object_id=current.statement_id))
    return current


def submit(session: Session, ret: Return, principal: Principal, name: str, role: str) -> bool:
    """Sign off and submit (agency lead only, complete returns only). False if it was already submitted."""
    if not principal.can_submit_return(ret):
        raise Forbidden
    if ret.state is ReturnState.SUBMITTED:
        return False
    _check_editable(ret)
    questionnaire = questionnaire_for(ret)
    if missing(ret, questionnaire):
        raise ReadOnly("The return is not complete yet.")
    now = utcnow()
    with unit_of_work(session):
        # A conditional update: of many identical submits at once, exactly one changes the row.
        result = session.execute(
            update(Return).where(Return.id == ret.id, Return.state.in_(EDITABLE))
            .values(state=ReturnState.SUBMITTED, submitted_at=now, submitted_by_id=principal.person_id,
                    declaration_name=name, declaration_role=role, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        session.add(AuditEvent(person_id=principal.person_id, action="return.submitted", round_id=ret.round_id,
                               return_id=ret.id, object_type="return", object_id=str(ret.id),
                               new={"declaration_name": name, "declaration_role": role}))
        from survey.services.action_plans import record_rating_actions

        record_rating_actions(session, ret)  # in the same transaction as the submission
    session.refresh(ret)
    return True


def editors_of(session: Session, ret: Return) -> list[Person]:
    """People who hold a role in the return's agency (for confirmations)."""
    return agency_people(session, ret.agency_id, ret.partnership_id)
