"""SQLite runs in WAL mode with a busy timeout, foreign keys, full sync, and immediate write transactions."""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from survey.db import make_engine, write_intent


def test_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


@pytest.mark.parametrize(("intent", "other_can_write"), [(True, False), (False, True)])
def test_write_transactions_take_the_lock_when_they_begin(tmp_path: Path, intent: bool,
                                                          other_can_write: bool) -> None:
    path = tmp_path / "lock.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    token = write_intent.set(intent)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM t"))  # begins the transaction (IMMEDIATE or deferred)
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                took = True
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc)
                took = False
            finally:
                other.close()
            conn.rollback()
    finally:
        write_intent.reset(token)
        engine.dispose()
    assert took is other_can_write


def test_a_writer_whose_connection_is_lost_leaves_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "lost.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    token = write_intent.set(True)
    try:
        with engine.connect() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))  # queued for the write lock and holding it
            with open(f"{path}.writer-lock", "rb") as lock:
                with pytest.raises(BlockingIOError):
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                conn.connection.dbapi_connection.close()  # lost mid-transaction
                with pytest.raises(DBAPIError):
                    conn.execute(text("SELECT x FROM t"))
                assert conn.invalidated
                conn.rollback()
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again: the next writer is not stuck
                fcntl.flock(lock, fcntl.LOCK_UN)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0, "the lost write was not kept"
    finally:
        write_intent.reset(token)
        engine.dispose()
