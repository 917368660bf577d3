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
    source_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created]
