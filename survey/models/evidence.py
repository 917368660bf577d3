"""Evidence files attached to a statement of a return."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, intpk, utcnow
from .people import Person


class EvidenceFile(Base):
    """An uploaded file, stored outside the web root under a random key; served only as an attachment."""

    __tablename__ = "evidence_file"

    id: Mapped[intpk]
    return_id: Mapped[int] = mapped_column(ForeignKey("agency_return.id"), index=True)
    statement_id: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[dt.datetime | None]

    uploaded_by: Mapped[Person | None] = relationship()
