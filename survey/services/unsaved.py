"""Each person's versions that lost an edit conflict, kept server-side per person, return and duty until they
choose what to keep. Nothing here expires by age: retention and erasure remove it with the rest of the return."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.models import StashedPost
from survey.services.accounts import digest

KIND = "conflict"


def key(return_id: int, duty_id: str) -> str:
    """What a person's kept versions of one duty are filed under."""
    return f"return:{return_id}:duty:{duty_id}"


def _row(session: Session, person_id: int, return_id: int, duty_id: str) -> StashedPost | None:
    return session.scalar(select(StashedPost).where(
        StashedPost.person_id == person_id, StashedPost.kind == KIND, StashedPost.path == key(return_id, duty_id))
        .order_by(StashedPost.id).limit(1))


def entries(session: Session, person_id: int, return_id: int, duty_id: str) -> dict[str, dict[str, Any]]:
    """This person's kept versions of a duty's statements, by statement id (empty when none are waiting)."""
    row = _row(session, person_id, return_id, duty_id)
    return dict(row.data.get("conflicts", {})) if row is not None else {}


def then_of(session: Session, person_id: int, return_id: int, duty_id: str) -> str:
    """Which save button the person pressed when the conflict arose ("continue" or "later")."""
    row = _row(session, person_id, return_id, duty_id)
    return str(row.data.get("then", "continue")) if row is not None else "continue"


def put(session: Session, person_id: int, return_id: int, duty_id: str, kept: dict[str, dict[str, Any]],
        then: str | None = None) -> None:
    """Keep exactly these versions for the duty (none: forget it); part of the caller's transaction."""
    row = _row(session, person_id, return_id, duty_id)
    if not kept:
        if row is not None:
            session.delete(row)
        return
    data = {"return_id": return_id, "duty_id": duty_id, "conflicts": kept,
            "then": then or (row.data.get("then", "continue") if row is not None else "continue")}
    if row is None:
        session.add(StashedPost(token_hash=digest(secrets.token_urlsafe(24)), person_id=person_id, kind=KIND,
                                path=key(return_id, duty_id), data=data))
    else:
        row.data = data  # a new value, so the JSON column is written


def duties_waiting(session: Session, person_id: int, return_id: int) -> dict[str, int]:
    """The duties of a return where this person has versions waiting, with how many statements each."""
    prefix = f"return:{return_id}:duty:"
    rows = session.scalars(select(StashedPost).where(
        StashedPost.person_id == person_id, StashedPost.kind == KIND, StashedPost.path.startswith(prefix)))
    return {row.path[len(prefix):]: len(row.data.get("conflicts", {})) for row in rows}


def forget_returns(session: Session, return_ids: list[int]) -> int:
    """Remove everything kept for these returns (versions from conflicts, files waiting to be attached)."""
    removed = 0
    for return_id in return_ids:
        result = session.execute(delete(StashedPost).where(StashedPost.path.startswith(f"return:{return_id}:")))
        removed += result.rowcount  # type: ignore[attr-defined]
    return removed
