"""A return and one duty's answers and evidence as plain values, in three light queries: what a duty page shows.

The duty page is the page agencies spend their time on. Loading it as column rows instead of ORM objects costs
a fraction as much, and only the duty's statements are read however long the questionnaire."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from survey.answer_values import VALUE_FIELDS, AnswerValues
from survey.definitions import Questionnaire
from survey.models import (
    Agency,
    Answer,
    DefinitionVersion,
    EvidenceFile,
    Person,
    Return,
    ReturnState,
    Round,
    RoundState,
    as_utc,
    utcnow,
)
from survey.services.access import NotFound, Principal
from survey.services.definitions import questionnaire_with_hash
from survey.services.returns import EDITABLE


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One current evidence file."""

    id: int
    statement_id: str
    filename: str
    size: int


@dataclass(frozen=True, slots=True)
class ReturnHead:
    """A return with its agency, round, state and pinned questionnaire version."""

    id: int
    agency_id: int
    partnership_id: int
    agency_name: str
    round_title: str
    round_state: RoundState
    state: ReturnState
    definition_version_id: int
    content_hash: str
    carried_from_id: int | None = None  # the agency's earlier return this one started from

    @property
    def editable(self) -> bool:
        """Open round and not submitted (as `returns.is_editable`)."""
        return self.round_state is RoundState.OPEN and self.state in EDITABLE


@dataclass(frozen=True, slots=True)
class StoredContent:
    """Some statements' saved answers and evidence files, as they are stored now."""

    # (statement id, the AnswerValues fields in order, revision, still to confirm, who saved it, when): plain rows,
    # made into values only when the page is rendered, because most requests only compare them.
    answers: tuple[tuple[Any, ...], ...]
    files: tuple[StoredFile, ...]

    def stored(self) -> dict[str, tuple[AnswerValues, int]]:
        """Saved values and revisions by statement id, as the duty form is filled from."""
        return {row[0]: (AnswerValues(*row[1:-4]), row[-4]) for row in self.answers}

    def to_confirm(self) -> frozenset[str]:
        """Statements whose answer was carried from the agency's last return and is not yet confirmed."""
        return frozenset(row[0] for row in self.answers if row[-3])

    def saved_since(self, moment: dt.datetime, person_id: int) -> list[tuple[int, dt.datetime]]:
        """Who else saved any of these statements after `moment`, and when they last did (newest first)."""
        latest: dict[int, dt.datetime] = {}
        for row in self.answers:
            by, at = row[-2], as_utc(row[-1])
            if by is not None and by != person_id and at > moment and (by not in latest or at > latest[by]):
                latest[by] = at
        return sorted(latest.items(), key=lambda item: item[1], reverse=True)

    def files_by_statement(self) -> dict[str, list[StoredFile]]:
        """Evidence files by statement, oldest first."""
        out: dict[str, list[StoredFile]] = defaultdict(list)
        for f in self.files:
            out[f.statement_id].append(f)
        return out


_HEAD = (
    select(Return.id, Return.agency_id, Return.partnership_id, Agency.name, Round.title, Round.state, Return.state,
           Round.definition_version_id, DefinitionVersion.content_hash, Return.carried_from_id)
    .join(Agency, Agency.id == Return.agency_id).join(Round, Round.id == Return.round_id)
    .join(DefinitionVersion, DefinitionVersion.id == Round.definition_version_id)
    .where(Return.id == bindparam("return_id"), Round.state != RoundState.DRAFT)
)

_ANSWERS = (
    select(Answer.statement_id, *(getattr(Answer, name) for name in VALUE_FIELDS), Answer.revision,
           Answer.to_confirm, Answer.updated_by_id, Answer.updated_at)
    .where(Answer.return_id == bindparam("return_id"), Answer.statement_id.in_(bindparam("statement_ids")))
    .order_by(Answer.statement_id)
)

_FILES = (
    select(EvidenceFile.id, EvidenceFile.statement_id, EvidenceFile.filename, EvidenceFile.size)
    .where(EvidenceFile.return_id == bindparam("return_id"),
           EvidenceFile.statement_id.in_(bindparam("statement_ids")), EvidenceFile.deleted_at.is_(None))
    .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)
)


def head(session: Session, principal: Principal, return_id: int) -> ReturnHead:
    """A return of one of the person's agencies in an open or closed round, else NotFound."""
    row = session.execute(_HEAD, {"return_id": return_id}).first()
    if row is None:
        raise NotFound
    found = ReturnHead(*row[:9], carried_from_id=row[9])
    if not principal.can_edit_return(found):
        raise NotFound
    return found


def questionnaire(session: Session, ret: ReturnHead) -> Questionnaire:
    """The questionnaire version the return's round pinned (parsed once per process)."""
    return questionnaire_with_hash(session, ret.definition_version_id, ret.content_hash)


def content(session: Session, ret: ReturnHead, statement_ids: Sequence[str]) -> StoredContent:
    """The answers and current evidence files of some of a return's statements (a duty's: a page's worth)."""
    if not statement_ids:
        return StoredContent(answers=(), files=())
    params = {"return_id": ret.id, "statement_ids": list(statement_ids)}
    answers = tuple(tuple(row) for row in session.execute(_ANSWERS, params))
    files = tuple(StoredFile(*row) for row in session.execute(_FILES, params))
    return StoredContent(answers=answers, files=files)


def snapshot(session: Session, principal: Principal, return_id: int,
             statement_ids: Callable[[Questionnaire], Sequence[str]]
             ) -> tuple[ReturnHead, Questionnaire, StoredContent]:
    """A return's head (as `head`), questionnaire, and the content of the statements `statement_ids` picks."""
    ret = head(session, principal, return_id)
    found = questionnaire(session, ret)
    return ret, found, content(session, ret, statement_ids(found))


RECENTLY = dt.timedelta(minutes=10)


def colleagues_saving(session: Session, stored: StoredContent, person_id: int) -> tuple[tuple[str, int], ...]:
    """Who else saved these statements in the last ten minutes, with how many minutes ago (newest first)."""
    now = utcnow()
    recent = stored.saved_since(now - RECENTLY, person_id)
    if not recent:
        return ()
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_([p for p, _ in recent]))).all())
    return tuple((names.get(p, "Someone"), int((now - at).total_seconds() // 60)) for p, at in recent)
