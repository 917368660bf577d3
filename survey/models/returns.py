"""Returns (one agency's response in one round) and their answers."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, utcnow

if TYPE_CHECKING:
    from .people import Agency, Partnership, Person
    from .rounds import Round


class ReturnState(enum.Enum):
    """Where a return is: not started, draft, submitted (signed off), reopened."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REOPENED = "reopened"


class Return(Base):
    """One agency's response in one round."""

    __tablename__ = "agency_return"
    __table_args__ = (UniqueConstraint("round_id", "agency_id"),)

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    # The partnership the agency answers for (the round's own, or in a joint round the one that brought the
    # agency in): only that partnership's memberships of the agency may work on the return.
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    state: Mapped[ReturnState] = mapped_column(
        Enum(ReturnState, native_enum=False, length=12, values_callable=lambda e: [m.value for m in e],
             validate_strings=True),
        default=ReturnState.NOT_STARTED,
    )
    deadline_extended_to: Mapped[dt.date | None]
    # Why the board gave the agency more time (the agency is told it with the new date).
    extension_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    declaration_name: Mapped[str] = mapped_column(String(200), default="")
    declaration_role: Mapped[str] = mapped_column(String(200), default="")
    reopened_reason: Mapped[str] = mapped_column(Text, default="")
    # The duty page last saved, so "Continue" resumes where the agency left off.
    resume_duty_id: Mapped[str | None] = mapped_column(String(80))
    # The agency's earlier return this one started from (its answers carried forward to be checked).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("agency_return.id"))
    # The agency's return to another board (same questionnaire version) whose answers were last copied into this
    # one, and when: "answer once for several boards". Shown to the agency only, never to either board.
    shared_from_id: Mapped[int | None] = mapped_column(ForeignKey("agency_return.id"))
    shared_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship(back_populates="returns")
    agency: Mapped[Agency] = relationship()
    partnership: Mapped[Partnership] = relationship()
    submitted_by: Mapped[Person | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="return_", cascade="all, delete-orphan")
    carried_from: Mapped[Return | None] = relationship(remote_side="Return.id", foreign_keys=[carried_from_id])


class Answer(Base):
    """A rating and commentary for one statement in one return."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("return_id", "statement_id"),
        Index("ix_answer_statement_rating", "statement_id", "rating"),
    )

    id: Mapped[intpk]
    return_id: Mapped[int] = mapped_column(ForeignKey("agency_return.id"))
    statement_id: Mapped[str] = mapped_column(String(80))
    # Ratings are whole or half points: exact in a double on every database.
    rating: Mapped[float | None]
    not_applicable: Mapped[bool] = mapped_column(default=False)
    commentary: Mapped[str] = mapped_column(Text, default="")
    evidence_notes: Mapped[str] = mapped_column(Text, default="")
    evidence_links: Mapped[str] = mapped_column(Text, default="")
    action_what: Mapped[str] = mapped_column(Text, default="")
    action_who: Mapped[str] = mapped_column(String(200), default="")
    action_by: Mapped[dt.date | None]
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The open page (a random id its script makes) whose save this revision is: a later save from the same page
    # builds on it even when the page never heard it was saved (a lost response), so it is no conflict.
    saved_from: Mapped[str | None] = mapped_column(String(40))
    # Carried from the agency's earlier return and not yet confirmed or changed by anyone: it stops submission.
    to_confirm: Mapped[bool] = mapped_column(default=False, server_default=false())

    return_: Mapped[Return] = relationship(back_populates="answers")
    updated_by: Mapped[Person | None] = relationship()

    # Optimistic locking: every UPDATE checks and bumps the revision, so two people saving the same statement
    # at once can never overwrite each other silently.
    __mapper_args__ = {"version_id_col": revision}
