"""Form data kept server-side for one person: restored after signing in again, or offered in a conflict."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.db import unit_of_work
from survey.models import StashedPost, utcnow
from survey.services import unsaved
from survey.services.accounts import digest

KEEP_FOR = dt.timedelta(days=2)


def put(session: Session, person_id: int, kind: str, path: str, data: dict[str, Any]) -> str:
    """Keep form data (in its own unit of work) and return the token that fetches it back."""
    token = secrets.token_urlsafe(24)
    with unit_of_work(session):
        # Versions kept from an edit conflict wait for the person's choice, however long that takes.
        session.execute(delete(StashedPost).where(StashedPost.created_at < utcnow() - KEEP_FOR,
                                                  StashedPost.kind != unsaved.KIND))
        session.add(StashedPost(token_hash=digest(token), person_id=person_id, kind=kind, path=path[:500],
                                data=data))
    return token


def peek(session: Session, token: str, person_id: int, kind: str) -> StashedPost | None:
    """The stash behind a token, if it is this person's and of this kind."""
    row = session.scalar(select(StashedPost).where(StashedPost.token_hash == digest(token)))
    if row is None or row.person_id != person_id or row.kind != kind:
        return None
    return row


def take(session: Session, token: str, person_id: int, kind: str) -> StashedPost | None:
    """The stash behind a token, removed from storage (in its own unit of work)."""
    with unit_of_work(session):
        row = peek(session, token, person_id, kind)
        if row is not None:
            session.delete(row)
    return row
