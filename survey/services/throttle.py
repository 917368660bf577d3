"""A `limits` storage backed by the application database (scheme survey-db://), so Flask-Limiter's counts are
shared by every worker and host instead of being N times looser with per-process memory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from limits.storage import Storage
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from survey.db import write_intent
from survey.models import RateLimit


@contextmanager
def _reading() -> Iterator[Any]:
    # A read on a second connection must not ask for the write lock the request's own session may hold.
    token = write_intent.set(False)
    try:
        with _engine().connect() as conn:
            yield conn
    finally:
        write_intent.reset(token)


def _engine() -> Any:
    from survey.extensions import db

    if db.engine is None:
        raise RuntimeError("the database is not bound yet")
    return db.engine


class DatabaseStorage(Storage):
    """Fixed-window counters in the rate_limit table."""

    STORAGE_SCHEME = ["survey-db"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        for _ in range(3):
            with _engine().begin() as conn:
                row = conn.execute(select(RateLimit.count, RateLimit.expires_at).where(RateLimit.key == key)).first()
                if row is None:
                    try:
                        conn.execute(insert(RateLimit).values(key=key, count=amount, expires_at=now + expiry))
                    except IntegrityError:
                        continue  # another worker created it first: go round and increment theirs
                    return amount
                if row.expires_at <= now:
                    conn.execute(update(RateLimit).where(RateLimit.key == key)
                                 .values(count=amount, expires_at=now + expiry))
                    return amount
                conn.execute(update(RateLimit).where(RateLimit.key == key)
                             .values(count=RateLimit.count + amount))
                return int(row.count) + amount
        raise RuntimeError("rate limit counter kept changing under us")

    def get(self, key: str) -> int:
        with _reading() as conn:
            row = conn.execute(select(RateLimit.count, RateLimit.expires_at).where(RateLimit.key == key)).first()
        return int(row.count) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        with _reading() as conn:
            expires = conn.execute(select(RateLimit.expires_at).where(RateLimit.key == key)).scalar()
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with _reading() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _engine().begin() as conn:
            return int(conn.execute(delete(RateLimit)).rowcount)

    def clear(self, key: str) -> None:
        with _engine().begin() as conn:
            conn.execute(delete(RateLimit).where(RateLimit.key == key))
