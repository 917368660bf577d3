"""A return and one duty's answers and evidence as plain values, in three light queries: what a duty page shows.

The duty page is the page agencies spend their time on. Loading it as column rows instead of ORM objects costs
a fraction as much, only the duty's statements are read however long the questionnaire, and because the values
hold everything the page shows, they can key a cache of the rendered page (`survey.web.page_cache`) that can never
serve anything out of date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from survey.definitions import Questionnaire
from survey.models import Agency, Answer, DefinitionVersion, EvidenceFile, Return, ReturnState, Round, RoundState
from survey.prepared import PreparedSelect
from survey.services.access import NotFound, Principal
from survey.services.definitions import questionnaire_with_hash
from survey.services.returns import EDITABLE, VALUE_FIELDS, AnswerValues


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
    agency_name: str
    round_title: str
    round_state: RoundState
    state: ReturnState
    definition_version_id: int
    content_hash: str

    @property
    def editable(self) -> bool:
        """Open round and not submitted (as `returns.is_editable`)."""
        return self.round_state is RoundState.OPEN and self.state in EDITABLE


@dataclass(frozen=True, slots=True)
class StoredContent:
    """Some statements' saved answers and evidence files, as they are stored now."""

    # (statement id, the AnswerValues fields in order, revision): plain rows, made into values only when
    # the page is rendered, because most requests only compare them.
    answers: tuple[tuple[Any, ...], ...]
    files: tuple[StoredFile, ...]

    def stored(self) -> dict[str, tuple[AnswerValues, int]]:
        """Saved values and revisions by statement id, as the duty form is filled from."""
        return {row[0]: (AnswerValues(*row[1:-1]), row[-1]) for row in self.answers}

    def files_by_statement(self) -> dict[str, list[StoredFile]]:
        """Evidence files by statement, oldest first."""
        out: dict[str, list[StoredFile]] = defaultdict(list)
        for f in self.files:
            out[f.statement_id].append(f)
        return out


# Built once (per number of statements): these run on every duty page, where building and compiling a statement
# costs as much as running it.
_HEAD = PreparedSelect(
    select(Return.id, Return.agency_id, Agency.name, Round.title, Round.state, Return.state,
           Round.definition_version_id, DefinitionVersion.content_hash)
    .join(Agency, Agency.id == Return.agency_id).join(Round, Round.id == Return.round_id)
    .join(DefinitionVersion, DefinitionVersion.id == Round.definition_version_id)
    .where(Return.id == bindparam("return_id"), Round.state != RoundState.DRAFT)
)


_VALUE_COLUMNS = tuple(getattr(Answer, name) for name in VALUE_FIELDS)


@lru_cache(maxsize=64)
def _content_queries(count: int) -> tuple[PreparedSelect, PreparedSelect]:
    ids = [bindparam(f"s{i}") for i in range(count)]
    answers = (
        select(Answer.statement_id, *_VALUE_COLUMNS, Answer.revision)
        .where(Answer.return_id == bindparam("return_id"), Answer.statement_id.in_(ids))
        .order_by(Answer.statement_id)
    )
    files = (
        select(EvidenceFile.id, EvidenceFile.statement_id, EvidenceFile.filename, EvidenceFile.size)
        .where(EvidenceFile.return_id == bindparam("return_id"), EvidenceFile.statement_id.in_(ids),
               EvidenceFile.deleted_at.is_(None))
        .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)
    )
    return PreparedSelect(answers), PreparedSelect(files)


def head(session: Session, principal: Principal, return_id: int) -> ReturnHead:
    """A return of one of the person's agencies in an open or closed round, else NotFound."""
    rows = _HEAD.rows(session.connection(), {"return_id": return_id})
    if not rows or rows[0].agency_id not in principal.agency_ids:
        raise NotFound
    return ReturnHead(*rows[0])


def questionnaire(session: Session, ret: ReturnHead) -> Questionnaire:
    """The questionnaire version the return's round pinned (parsed once per process)."""
    return questionnaire_with_hash(session, ret.definition_version_id, ret.content_hash)


def content(session: Session, ret: ReturnHead, statement_ids: Sequence[str]) -> StoredContent:
    """The answers and current evidence files of some of a return's statements (a duty's: a page's worth)."""
    answers, files = _content_queries(len(statement_ids))
    params: dict[str, Any] = {f"s{i}": sid for i, sid in enumerate(statement_ids)}
    params["return_id"] = ret.id
    connection = session.connection()
    return StoredContent(answers=tuple(answers.rows(connection, params)),
                         files=tuple(StoredFile(*row) for row in files.rows(connection, params)))
