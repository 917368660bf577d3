"""A return as plain values, loaded in three light queries: what an agency's duty page shows.

The duty page is the page agencies spend their time on. Loading it as column rows instead of ORM objects costs
a fraction as much, and because a snapshot holds every stored value the page shows, it can key a cache of the
rendered page (`survey.web.page_cache`) that can never serve anything out of date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from survey.definitions import Questionnaire
from survey.models import Agency, Answer, DefinitionVersion, EvidenceFile, Return, Round, RoundState
from survey.models.returns import ReturnState
from survey.services.access import NotFound, Principal
from survey.services.definitions import questionnaire_with_hash
from survey.services.returns import EDITABLE, AnswerValues


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One current evidence file."""

    id: int
    statement_id: str
    filename: str
    size: int


@dataclass(frozen=True, slots=True)
class ReturnSnapshot:
    """A return, its agency and round, its answers and its evidence files, as they are stored now."""

    id: int
    agency_id: int
    agency_name: str
    round_title: str
    round_state: RoundState
    state: ReturnState
    definition_version_id: int
    content_hash: str
    # (statement id, the eight AnswerValues fields in order, revision): plain rows, made into values only when
    # the page is rendered, because most requests only compare them.
    answers: tuple[tuple[Any, ...], ...]
    files: tuple[StoredFile, ...]

    @property
    def editable(self) -> bool:
        """Open round and not submitted (as `returns.is_editable`)."""
        return self.round_state is RoundState.OPEN and self.state in EDITABLE

    def stored(self) -> dict[str, tuple[AnswerValues, int]]:
        """Saved values and revisions by statement id, as the duty form is filled from."""
        return {row[0]: (AnswerValues(*row[1:9]), row[9]) for row in self.answers}

    def files_by_statement(self) -> dict[str, list[StoredFile]]:
        """Evidence files by statement, oldest first."""
        out: dict[str, list[StoredFile]] = defaultdict(list)
        for f in self.files:
            out[f.statement_id].append(f)
        return out


# Built once: these run on every duty page, where building and compiling a statement costs as much as running it.
# The return with its answers is one query (the return's columns repeat on each answer's row), and it only finds
# returns in rounds agencies can see.
_HEAD = (Return.id, Return.agency_id, Agency.name, Round.title, Round.state, Return.state,
         Round.definition_version_id, DefinitionVersion.content_hash)
_RETURN_WITH_ANSWERS = (
    select(*_HEAD, Answer.statement_id, Answer.rating, Answer.not_applicable, Answer.commentary,
           Answer.evidence_notes, Answer.evidence_links, Answer.action_what, Answer.action_who, Answer.action_by,
           Answer.revision)
    .join(Agency, Agency.id == Return.agency_id).join(Round, Round.id == Return.round_id)
    .join(DefinitionVersion, DefinitionVersion.id == Round.definition_version_id)
    .outerjoin(Answer, Answer.return_id == Return.id)
    .where(Return.id == bindparam("return_id"), Round.state != RoundState.DRAFT)
    .order_by(Answer.statement_id)
)
_FILES = (
    select(EvidenceFile.id, EvidenceFile.statement_id, EvidenceFile.filename, EvidenceFile.size)
    .where(EvidenceFile.return_id == bindparam("return_id"), EvidenceFile.deleted_at.is_(None))
    .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)
)


def load(session: Session, principal: Principal, return_id: int) -> ReturnSnapshot:
    """The snapshot of a return of one of the person's agencies in an open or closed round, else NotFound."""
    connection = session.connection()
    rows = connection.execute(_RETURN_WITH_ANSWERS, {"return_id": return_id}).all()
    if not rows or rows[0][1] not in principal.agency_ids:
        raise NotFound
    width = len(_HEAD)
    answers = tuple(row[width:] for row in rows if row[width] is not None)
    files = tuple(StoredFile(*row) for row in connection.execute(_FILES, {"return_id": return_id}))
    return ReturnSnapshot(*rows[0][:width], answers=answers, files=files)


def questionnaire(session: Session, snapshot: ReturnSnapshot) -> Questionnaire:
    """The questionnaire version the return's round pinned (parsed once per process)."""
    return questionnaire_with_hash(session, snapshot.definition_version_id, snapshot.content_hash)
