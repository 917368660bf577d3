"""Immutable snapshots of questionnaire definitions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, name_str


class DefinitionVersion(Base):
    """A questionnaire as it was when a round pinned it; identified by the hash of its normalised content."""

    __tablename__ = "definition_version"

    id: Mapped[intpk]
    questionnaire_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[str] = mapped_column(String(80))
    title: Mapped[name_str]
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source_name: Mapped[str] = mapped_column(String(255))
    # Loaded only when a version is parsed for the first time in a process (see questionnaire_of): every page
    # of a return needs its questionnaire, and the text is the largest thing on the row.
    source_text: Mapped[str] = mapped_column(Text, deferred=True)
    created_at: Mapped[created]


class BoardQuestionnaire(Base):
    """A questionnaire version a board uploaded: a draft to check and preview until someone publishes it, then
    offered for that board's new rounds (no restart: it is read from here, not from questionnaires/)."""

    __tablename__ = "board_questionnaire"
    __table_args__ = (UniqueConstraint("partnership_id", "version_id"),)

    id: Mapped[intpk]
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_version.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[created]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    published_at: Mapped[dt.datetime | None]

    definition_version: Mapped[DefinitionVersion] = relationship()
