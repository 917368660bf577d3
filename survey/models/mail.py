"""Every email the service sends, recorded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created, intpk


class EmailMessage(Base):
    """One email: to whom, about what, when it was sent (or why it failed)."""

    __tablename__ = "email_message"

    id: Mapped[intpk]
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("survey_round.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("agency_return.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created]
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
