"""The directory's audit trail: each change to a partnership's agencies and people is recorded for that
partnership, and its managers read them (imports, deactivations, memberships) on one page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Agency, AuditEvent, Person, as_utc


def record(session: Session, by: int | None, action: str, object_type: str, object_id: int,
          old: Mapping[str, object] | None = None, new: Mapping[str, object] | None = None,
          partnerships: Iterable[int | None] = (None,)) -> None:
    """Record a change to the directory in the audit log, once for each partnership whose directory it changes
    (what that partnership's managers read); `None` for an account's own change (the administrator's)."""
    for partnership_id in sorted(set(partnerships), key=lambda p: -1 if p is None else p):
        session.add(AuditEvent(person_id=by, action=action, object_type=object_type, object_id=str(object_id),
                               partnership_id=partnership_id, old=dict(old) if old is not None else None,
                               new=dict(new) if new is not None else None))


# What each directory event is called on the page.
ACTIONS = {
    "agency.created": "Agency added", "agency.changed": "Agency renamed or retyped",
    "agency.short_names_changed": "Agency's short names changed", "agency.deactivated": "Agency deactivated",
    "agency.reactivated": "Agency reactivated", "membership.added": "Person added to an agency",
    "membership.changed": "Person's role changed", "membership.removed": "Person removed from an agency",
    "membership.deactivated": "Person's membership deactivated",
    "membership.reactivated": "Person's membership reactivated", "person.changed": "Name or email corrected",
    "directory.imported": "Directory imported from a file", "role.granted": "Board role given",
    "role.removed": "Board role taken away",
}


@dataclass(frozen=True, slots=True)
class DirectoryLine:
    """One directory event as a manager reads it."""

    at: dt.datetime
    who: str
    action: str
    subject: str  # the agency or person it concerns
    old: dict[str, object] | None
    new: dict[str, object] | None


def directory_log(session: Session, partnership_ids: frozenset[int], limit: int = 2000) -> list[DirectoryLine]:
    """The directory events of these partnerships, newest first (never another partnership's)."""
    if not partnership_ids:
        return []
    rows = session.execute(
        select(AuditEvent, Person.name).outerjoin(Person, Person.id == AuditEvent.person_id)
        .where(AuditEvent.partnership_id.in_(sorted(partnership_ids)), AuditEvent.action.in_(sorted(ACTIONS)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    agency_ids = {int(e.object_id) for e, _ in rows if e.object_type == "agency" and e.object_id.isdigit()}
    person_ids = {int(e.object_id) for e, _ in rows if e.object_type == "person" and e.object_id.isdigit()}
    agencies = {row.id: row.name for row in session.execute(select(Agency.id, Agency.name)
                                                            .where(Agency.id.in_(agency_ids)))}
    people = {row.id: row.name for row in session.execute(select(Person.id, Person.name)
                                                          .where(Person.id.in_(person_ids)))}

    def subject(event: AuditEvent) -> str:
        key = int(event.object_id) if event.object_id.isdigit() else -1
        if event.object_type == "agency":
            return str(agencies.get(key, "an agency"))
        if event.object_type == "person":
            return str(people.get(key, "a person"))
        return "the directory"

    return [DirectoryLine(as_utc(e.at), name or e.actor or "the system", ACTIONS[e.action], subject(e),
                          _readable(e.old), _readable(e.new)) for e, name in rows]


def _readable(values: dict[str, object] | None) -> dict[str, object] | None:
    # Which partnership is implied by the page; its internal id means nothing to the reader.
    if values is None:
        return None
    return {k: v for k, v in values.items() if not k.startswith("partnership_id")} or None
