"""Every email the service sends, recorded."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created, intpk, utcnow


class MailState(enum.Enum):
    """Where an email is: waiting in the outbox, sent, or given up on (with the server's reply)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class EmailMessage(Base):
    """One email: to whom, about what, when it was sent (or why it failed). Queued in the same transaction as the
    change that causes it, when the outbox is on, and sent by `survey worker` or `survey mail send`."""

    __tablename__ = "email_message"

    id: Mapped[intpk]
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("survey_round.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("agency_return.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    # The partnership's own name for itself in From, and its address for replies ("" for the installation's).
    sender_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")
    created_at: Mapped[created]
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[MailState] = mapped_column(
        Enum(MailState, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e],
             validate_strings=True), default=MailState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    # A worker sending it holds it until then; one that dies leaves it to be taken again afterwards.
    claimed_until: Mapped[dt.datetime | None]


class BoardEmail(Base):
    """A partnership's own words in its emails: who they come from, where replies go, its texts for invitations,
    reminders and chasers, and its chasing schedule. No row: the installation's defaults."""

    __tablename__ = "board_email"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), primary_key=True, autoincrement=False)
    sender_name: Mapped[str] = mapped_column(String(80), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    invitation_text: Mapped[str] = mapped_column(Text, default="")
    reminder_text: Mapped[str] = mapped_column(Text, default="")
    overdue_text: Mapped[str] = mapped_column(Text, default="")
    # Days before the deadline to remind, like "14,3"; "" for the installation's SURVEY_REMINDER_DAYS_BEFORE.
    remind_before: Mapped[str] = mapped_column(String(60), default="")
    remind_on_the_day: Mapped[bool] = mapped_column(default=True)
    # Once overdue: a chaser every this many days, at most this many, the managers copied from this one (0: never).
    chase_every_days: Mapped[int] = mapped_column(default=7)
    chase_times: Mapped[int] = mapped_column(default=3)
    copy_managers_from: Mapped[int] = mapped_column(default=2)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
