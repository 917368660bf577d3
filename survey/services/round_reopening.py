"""Reopening a closed round, with a reason: for a return that arrived late, or a round closed too soon.

The chair has read the closed round's final results. So that nothing can be worked out by comparing them with
what the chair sees later, they are kept as a release (a publication) before the round reopens: the chair goes on
seeing them until the manager publishes again, and every later release is held to the k rule against them
(survey.disclosure)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import AuditEvent, Publication, ReturnState, Round, RoundState
from survey.services.rounds import RoundError

REASON_MAX = 1000


@use_case
def reopen_round(session: Session, round_: Round, reason: str, by_person_id: int | None = None) -> None:
    """Open a closed round again, keeping its final results as the chair's release; the reason is audited."""
    reason = reason.strip()
    if round_.state is not RoundState.CLOSED:
        raise RoundError(f"{round_.title} is not closed")
    if not reason:
        raise RoundError("Enter the reason for reopening the round; it is kept in the audit log")
    if len(reason) > REASON_MAX:
        raise RoundError(f"The reason must be {REASON_MAX} characters or fewer")
    final = sorted(r.id for r in round_.returns if r.state is ReturnState.SUBMITTED)
    newest = session.scalar(select(Publication).where(Publication.round_id == round_.id)
                            .order_by(Publication.created_at.desc(), Publication.id.desc()).limit(1))
    if final and (newest is None or sorted(newest.return_ids) != final):
        session.add(Publication(round_id=round_.id, by_person_id=by_person_id, return_ids=final, final=True))
        if round_.published_at is None:
            round_.published_at = round_.closed_at
    round_.state, round_.closed_at = RoundState.OPEN, None
    session.add(AuditEvent(person_id=by_person_id, action="round.reopened", round_id=round_.id,
                           object_type="round", object_id=str(round_.id), new={"reason": reason}))
