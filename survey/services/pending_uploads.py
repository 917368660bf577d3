"""Evidence files that were fine but arrived with a page that had another error: kept server-side for the person
who chose them, and attached when they save the page again, so nobody has to find and choose a file twice."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.db import unit_of_work
from survey.models import StashedPost, utcnow
from survey.services.accounts import digest

KIND = "upload"
KEEP_FOR = dt.timedelta(days=2)


@dataclass(frozen=True, slots=True)
class PendingFile:
    """A kept file, as the page shows it: the token that claims it, its name and size."""

    token: str
    statement_id: str
    filename: str
    size: int


@dataclass(frozen=True, slots=True)
class Claimed:
    """A kept file taken for saving."""

    statement_id: str
    filename: str
    data: bytes


def keep(session: Session, person_id: int, return_id: int, statement_id: str, filename: str,
         data: bytes) -> PendingFile:
    """Keep a checked file for this person's next save of the page (its own unit of work)."""
    token = secrets.token_urlsafe(24)
    with unit_of_work(session):
        session.execute(delete(StashedPost).where(StashedPost.kind == KIND,
                                                  StashedPost.created_at < utcnow() - KEEP_FOR))
        session.add(StashedPost(token_hash=digest(token), person_id=person_id, kind=KIND,
                                path=_path(return_id, statement_id),
                                data={"statement_id": statement_id, "filename": filename, "size": len(data),
                                      "data": base64.b64encode(data).decode()}))
    return PendingFile(token, statement_id, filename, len(data))


def _row(session: Session, person_id: int, return_id: int, statement_id: str, token: str) -> StashedPost | None:
    # A token of someone else, another return or another statement finds nothing.
    if not token:
        return None
    row = session.scalar(select(StashedPost).where(StashedPost.token_hash == digest(token)))
    if row is None or row.person_id != person_id or row.kind != KIND or row.path != _path(return_id, statement_id):
        return None
    return row


def _path(return_id: int, statement_id: str) -> str:
    return f"return:{return_id}:statement:{statement_id}"


def take(session: Session, person_id: int, return_id: int, tokens: dict[str, str]) -> list[Claimed]:
    """The kept files these tokens (by statement id) claim, removed as part of the caller's transaction."""
    claimed = []
    for statement_id, token in tokens.items():
        row = _row(session, person_id, return_id, statement_id, token)
        if row is not None:
            claimed.append(Claimed(statement_id, str(row.data["filename"]), base64.b64decode(row.data["data"])))
            session.delete(row)
    return claimed


def shown(session: Session, person_id: int, return_id: int, tokens: dict[str, str]) -> dict[str, PendingFile]:
    """The kept files these tokens claim, by statement id, to show on the page again (nothing is removed)."""
    found = {}
    for statement_id, token in tokens.items():
        row = _row(session, person_id, return_id, statement_id, token)
        if row is not None:
            found[statement_id] = PendingFile(token, statement_id, str(row.data["filename"]), int(row.data["size"]))
    return found
