"""Withdrawing the chair's newest publication of an open round (published by mistake, or too soon).

The chair no longer sees it: they see the publication before it, or no interim results. But they have read it,
so it stays among the releases every later one is compared with (survey.disclosure)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import AuditEvent, Publication, Round, RoundState, utcnow
from survey.services.results import PublishError

REASON_MAX = 1000


def withdrawable(session: Session, round_: Round) -> Publication | None:
    """The publication the chair sees now in an open round, which the manager may withdraw."""
    if round_.state is not RoundState.OPEN:
        return None
    return session.scalar(select(Publication).where(Publication.round_id == round_.id,
                                                    Publication.withdrawn_at.is_(None))
                          .order_by(Publication.id.desc()).limit(1))


@use_case
def withdraw(session: Session, round_: Round, reason: str, by_person_id: int | None) -> Publication:
    """Take the chair's current publication of an open round away, with the reason (audited)."""
    reason = reason.strip()
    current = withdrawable(session, round_)
    if current is None:
        raise PublishError("There is no publication the chair sees now to withdraw")
    if not reason:
        raise PublishError("Enter the reason for withdrawing the publication; it is kept in the audit log")
    if len(reason) > REASON_MAX:
        raise PublishError(f"The reason must be {REASON_MAX} characters or fewer")
    current.withdrawn_at, current.withdrawn_reason, current.withdrawn_by_id = utcnow(), reason, by_person_id
    session.flush()
    if withdrawable(session, round_) is None:
        round_.published_at = None  # nothing is released to the chair until the next publication
    session.add(AuditEvent(person_id=by_person_id, action="round.results_withdrawn", round_id=round_.id,
                           object_type="publication", object_id=str(current.id), new={"reason": reason}))
    return current
