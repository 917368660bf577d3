"""The audit log: who changed what, when, from what to what."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from survey import actor

from .base import Base, intpk, utcnow


class AuditEvent(Base):
    """One recorded change."""

    __tablename__ = "audit_event"

    id: Mapped[intpk]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(60))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("survey_round.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("agency_return.id"), index=True)
    # The partnership whose directory (agencies and their people) changed: its managers read these events.
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(80), default="")
    old: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Who acted when no one was signed in: the operating-system user and the command ("root ran survey ...").
    actor: Mapped[str] = mapped_column(String(200), default="", server_default="")


@event.listens_for(AuditEvent, "before_insert")
def _record_actor(_mapper: Any, _connection: Any, target: AuditEvent) -> None:
    if target.person_id is None and not target.actor:
        target.actor = actor.current.get()
