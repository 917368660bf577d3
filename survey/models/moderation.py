"""Moderation and challenge of submitted returns."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, utcnow

if TYPE_CHECKING:
    from .people import Person
    from .returns import Return


class Moderation(Base):
    """The board's agreed rating for one statement of a return; the agency's own rating is kept in its answer."""

    __tablename__ = "moderation"
    __table_args__ = (UniqueConstraint("return_id", "statement_id"),)

    id: Mapped[intpk]
    return_id: Mapped[int] = mapped_column(ForeignKey("agency_return.id"))
    statement_id: Mapped[str] = mapped_column(String(80))
    rating: Mapped[float]
    note: Mapped[str] = mapped_column(Text, default="")
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    return_: Mapped[Return] = relationship()
    by_person: Mapped[Person | None] = relationship()


class ChallengeState(enum.Enum):
    """Where a challenge is: waiting for the agency, answered, or closed by the manager."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Challenge(Base):
    """A question the board puts to an agency about one statement of its return."""

    __tablename__ = "challenge"

    id: Mapped[intpk]
    return_id: Mapped[int] = mapped_column(ForeignKey("agency_return.id"), index=True)
    statement_id: Mapped[str] = mapped_column(String(80))
    state: Mapped[ChallengeState] = mapped_column(
        Enum(ChallengeState, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e],
             validate_strings=True), default=ChallengeState.OPEN)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    raised_at: Mapped[created]
    closed_at: Mapped[dt.datetime | None]

    return_: Mapped[Return] = relationship()
    messages: Mapped[list[ChallengeMessage]] = relationship(back_populates="challenge",
                                                            order_by="ChallengeMessage.id",
                                                            cascade="all, delete-orphan")


class ChallengeMessage(Base):
    """One message in a challenge's thread: the question, answers, follow-ups."""

    __tablename__ = "challenge_message"

    id: Mapped[intpk]
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    from_board: Mapped[bool] = mapped_column(default=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created]

    challenge: Mapped[Challenge] = relationship(back_populates="messages")
    person: Mapped[Person | None] = relationship()


class CommentReview(Base):
    """The board manager's review of one comment before the chair reads it: hidden, edited, or chosen as an
    example. Tied to the text reviewed: if the agency changes its comment, the review no longer applies."""

    __tablename__ = "comment_review"
    __table_args__ = (UniqueConstraint("answer_id"),)

    id: Mapped[intpk]
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"))
    source_digest: Mapped[str] = mapped_column(String(64))
    hidden: Mapped[bool] = mapped_column(default=False)
    shown_text: Mapped[str] = mapped_column(Text, default="")  # "" = as suggested
    example: Mapped[bool] = mapped_column(default=False)
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
