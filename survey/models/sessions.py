"""Server-side sign-in sessions and posts kept across a sign-in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, utcnow
from .people import Person


class SignInSession(Base):
    """One signed-in browser. The cookie holds only a random token whose hash is stored here, so signing out
    (or an idle timeout) ends the session for good: a replayed cookie finds an ended session."""

    __tablename__ = "sign_in_session"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[created]
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    # How the person signed in: "password" (and their second factor, if set up), or "sso:<provider>", where
    # the provider's own sign-in (and its multi-factor policy) vouched for them.
    method: Mapped[str] = mapped_column(String(80), default="password", server_default="password")

    person: Mapped[Person] = relationship()


class StashedPost(Base):
    """Form data kept server-side: a post that arrived after the session expired, or the losing side of an edit
    conflict. Restored only to the same person."""

    __tablename__ = "stashed_post"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[created]


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator app once (a lost phone). Only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created]
    used_at: Mapped[dt.datetime | None]
