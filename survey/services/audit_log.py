"""The audit log as managers read it: a round's events, or one return's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Agency, AuditEvent, Person, Return, as_utc


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audit event as a manager reads it."""

    at: dt.datetime
    who: str
    action: str
    what: str
    agency: str  # the agency whose return it concerns, if any
    old: dict[str, object] | None
    new: dict[str, object] | None


def audit_log(session: Session, round_id: int, return_id: int | None = None) -> list[AuditLine]:
    """The audit events of a round (or of one of its returns), newest first."""
    query = (select(AuditEvent, Person.name, Agency.name).outerjoin(Person, Person.id == AuditEvent.person_id)
             .outerjoin(Return, Return.id == AuditEvent.return_id).outerjoin(Agency, Agency.id == Return.agency_id)
             .where(AuditEvent.round_id == round_id).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if return_id is not None:
        query = query.where(AuditEvent.return_id == return_id)
    return [AuditLine(as_utc(e.at), name or e.actor or "the system", e.action,
                      f"{e.object_type} {e.object_id}".strip(), agency or "", e.old, e.new)
            for e, name, agency in session.execute(query.limit(2000))]
