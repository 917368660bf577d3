"""Areas for development agreed by the chair, and the actions that follow them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.rag import RagRating, rag_for

from .base import Base, created, intpk

if TYPE_CHECKING:
    from .people import Agency, Person
    from .returns import Return
    from .rounds import Round


class ActionStatus(enum.Enum):
    """How far an action has got."""

    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"


def _status_type() -> Enum:
    return Enum(ActionStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
                validate_strings=True)


class DevelopmentArea(Base):
    """An improvement the board agrees after a round, linked to the statements it answers."""

    __tablename__ = "development_area"

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text, default="")
    statement_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    agreed_at: Mapped[created]

    round: Mapped[Round] = relationship()
    actions: Mapped[list[AreaAction]] = relationship(back_populates="area", order_by="AreaAction.id",
                                                     cascade="all, delete-orphan")


class AreaAction(Base):
    """An action towards an area for development: what, who owns it, by when, how far it has got."""

    __tablename__ = "area_action"

    id: Mapped[intpk]
    area_id: Mapped[int] = mapped_column(ForeignKey("development_area.id"), index=True)
    what: Mapped[str] = mapped_column(Text)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[dt.date]
    status: Mapped[ActionStatus] = mapped_column(_status_type(), default=ActionStatus.NOT_STARTED)
    done_on: Mapped[dt.date | None]
    created_at: Mapped[created]
    # A colour the board set by hand ("red", "amber", "green"), with its reason; cleared when the status changes.
    rag_override: Mapped[str | None] = mapped_column(String(5))
    rag_reason: Mapped[str] = mapped_column(Text, default="")

    area: Mapped[DevelopmentArea] = relationship(back_populates="actions")
    owner_agency: Mapped[Agency | None] = relationship()
    notes: Mapped[list[ActionNote]] = relationship(back_populates="action", order_by="ActionNote.id",
                                                   cascade="all, delete-orphan")

    def is_overdue(self, today: dt.date) -> bool:
        """Past its due date and not done."""
        return self.status is not ActionStatus.DONE and self.due_on < today

    def rag(self, today: dt.date) -> RagRating:
        """Red, amber or green today, and why (survey.rag's rule, or the board's own choice)."""
        return rag_for(self.status.value, self.due_on, today, self.rag_override, self.rag_reason)

    @property
    def owner(self) -> str:
        """The owner as people read it: the agency, the person, or both."""
        parts = [self.owner_agency.name if self.owner_agency else "", self.owner_name]
        return " – ".join(p for p in parts if p)


class ActionNote(Base):
    """A note of progress on an action, with links to its evidence: the action's history over the years."""

    __tablename__ = "action_note"

    id: Mapped[intpk]
    action_id: Mapped[int] = mapped_column(ForeignKey("area_action.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    evidence_links: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    written_at: Mapped[created]

    action: Mapped[AreaAction] = relationship(back_populates="notes")
    by: Mapped[Person | None] = relationship()

    @property
    def links(self) -> list[str]:
        """The evidence links, one per line as written."""
        return [line.strip() for line in self.evidence_links.splitlines() if line.strip()]


class AgencyAction(Base):
    """An action in an agency's own plan: from a rating below the questionnaire's threshold, or from a challenge."""

    __tablename__ = "agency_action"

    id: Mapped[intpk]
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("agency_return.id"))
    statement_id: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))  # "rating" or "challenge"
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenge.id"))
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[dt.date | None]
    status: Mapped[ActionStatus] = mapped_column(_status_type(), default=ActionStatus.NOT_STARTED)
    evidence: Mapped[str] = mapped_column(Text, default="")
    done_on: Mapped[dt.date | None]
    created_at: Mapped[created]
    updated_at: Mapped[dt.datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    agency: Mapped[Agency] = relationship()
    round: Mapped[Round] = relationship()
    return_: Mapped[Return] = relationship()

    def is_overdue(self, today: dt.date) -> bool:
        """Past its due date and not done."""
        return self.status is not ActionStatus.DONE and self.due_on is not None and self.due_on < today
