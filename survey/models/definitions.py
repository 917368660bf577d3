"""Immutable snapshots of questionnaire definitions."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
