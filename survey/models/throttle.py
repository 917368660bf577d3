"""Rate-limit counters, kept in the database so every worker and host shares them."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RateLimit(Base):
    """One fixed-window counter."""

    __tablename__ = "rate_limit"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[float]
