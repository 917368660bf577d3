"""Engines and sessions: SQLite (embedded default) tuned for concurrent writers, or PostgreSQL."""

from __future__ import annotations

import fcntl
import functools
import os
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, scoped_session, sessionmaker

if TYPE_CHECKING:
    from flask import Flask

SQLITE_BUSY_TIMEOUT_MS = 30_000

# Whether transactions begun now may write. On SQLite a writing transaction must take the write lock when it
# begins (BEGIN IMMEDIATE): a reader that later upgrades fails at once with "database is locked" if another
# writer got in first. But an IMMEDIATE transaction holds the lock until it ends, so reads (GET requests) begin
# deferred: in WAL mode they never block or wait for writers. Outside requests (CLI, services) the safe default
# is to write.
write_intent: ContextVar[bool] = ContextVar("survey_write_intent", default=True)


READ_FIRST = "_survey_read_first"


def read_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose POSTs read in a deferred transaction and write only inside `unit_of_work()`.

    On SQLite the write lock is then held for the write alone, not for the whole request (signing in, loading
    the return, checking the form), which is what serialises concurrent saves."""
    setattr(view, READ_FIRST, True)
    return view


_DEPTH = "survey_unit_of_work_depth"
_ON_COMMIT = "survey_after_commit"
_ON_ROLLBACK = "survey_after_rollback"


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """One use case's changes: committed together at the end, or rolled back together on any error.

    Services own their transactions with this; views and commands never commit. Inside another unit of work it
    joins the outer one. A read transaction begun without the intent to write (GET requests, `read_first`
    POSTs) is ended first and the writes run with the intent: whatever was read may be stale by then, which the
    optimistic locking on answers (a revision checked by every UPDATE) and unique constraints turn into retries
    or conflicts, never into lost updates. Effects outside the database (files) follow the outcome through
    `after_commit` and `after_rollback`."""
    depth = session.info.get(_DEPTH, 0)
    if depth:
        session.info[_DEPTH] = depth + 1
        try:
            yield session
        finally:
            session.info[_DEPTH] = depth
        return
    token = None
    if not write_intent.get():
        if session.in_transaction():
            session.commit()  # the read so far; nothing was written in it
        token = write_intent.set(True)
    session.info[_DEPTH] = 1
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_DEPTH, None)
        if token is not None:
            write_intent.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def use_case(function: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """Run a service function (whose first argument is the session) as one unit of work."""
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work(session):
            return function(session, *args, **kwargs)

    functools.update_wrapper(run, function)
    return run


def in_unit_of_work(session: Session) -> bool:
    """Whether a unit of work is open on the session (then it, not the caller, commits)."""
    return bool(session.info.get(_DEPTH))


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the session's current transaction has committed (dropped if it rolls back)."""
    session.info.setdefault(_ON_COMMIT, []).append(action)


def after_rollback(session: Session, action: Callable[[], None]) -> None:
    """Run `action` if the session's current transaction ends without committing (dropped if it commits)."""
    session.info.setdefault(_ON_ROLLBACK, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    for action in session.info.pop(_ON_COMMIT, []):
        action()


@event.listens_for(Session, "after_transaction_end")
def _run_after_rollback(session: Session, transaction: Any) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    session.info.pop(_ON_COMMIT, None)  # a commit ran (and cleared) them already; otherwise they never run
    for action in session.info.pop(_ON_ROLLBACK, []):
        action()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and immediate write transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = (_postgresql_engine(url, **kwargs) if parsed.get_driver_name() == "psycopg"
                  else create_engine(url, pool_pre_ping=True, **kwargs))
        _name_connections(engine)
        return engine
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself so that writes can take the lock up front (BEGIN IMMEDIATE)
        # instead of failing with "database is locked" when a reader upgrades to a writer.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if parsed.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    lock_path = f"{parsed.database}.writer-lock" if parsed.database not in (None, "", ":memory:") else None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if not write_intent.get():
            # Straight to the driver: this runs at the start of every request that reads.
            connection.connection.dbapi_connection.execute("BEGIN")
            return
        if lock_path is not None:
            _queue_for_write(connection.connection.dbapi_connection, lock_path)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    def _after_commit(connection: Any) -> None:
        if not connection.invalidated:
            _leave_queue(connection.connection.dbapi_connection)

    @event.listens_for(engine, "rollback")
    def _after_rollback(connection: Any) -> None:
        # A connection thrown away after an error has left the queue already (below); asking it for its
        # driver connection would try to reconnect.
        if not connection.invalidated:
            _leave_queue(connection.connection.dbapi_connection)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        _leave_queue(dbapi_connection)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(dbapi_connection: Any, _record: Any, _exception: Any) -> None:
        _leave_queue(dbapi_connection)

    return engine


def _name_connections(engine: Engine) -> None:
    """Name each PostgreSQL connection after the process that opened it (pg_stat_activity.application_name).

    Operators can then tell which worker holds which server backend, and a connection that crossed a fork
    shows at once: it carries the name of the process that opened it, not of the one using it."""

    @event.listens_for(engine, "do_connect")
    def _application_name(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams.setdefault("application_name", f"survey pid {os.getpid()}")


_READING_IN_AUTOCOMMIT = "survey_reading_in_autocommit"


def _postgresql_engine(url: str, **kwargs: Any) -> Engine:
    """PostgreSQL, where reads (GET requests, and read_first POSTs until they write) run without a transaction.

    At READ COMMITTED, PostgreSQL's default, every statement sees its own snapshot inside a transaction as
    well as outside, so a read-only transaction adds nothing but two round trips (BEGIN and ROLLBACK). Worse,
    psycopg forgets its prepared statements on every ROLLBACK, so the queries of a page that ends with one are
    planned afresh on every request. Writes still begin a transaction: `unit_of_work()` and write requests set the
    intent before they begin.

    A connection taken from the pool is pinged only when its socket has something to read: a server that shut
    down or restarted, or an administrator who ended the session, says so and closes its end, while a healthy
    idle connection has nothing waiting. That spares a round trip on every request under load."""
    engine = create_engine(url, pool_pre_ping=False, **kwargs)

    @event.listens_for(engine, "checkout")
    def _check_alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        try:
            waiting = dbapi_connection.closed or bool(select.select([dbapi_connection.fileno()], [], [], 0)[0])
        except (OSError, ValueError, engine.dialect.loaded_dbapi.Error):
            waiting = True
        if not waiting:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool throws the connection away and takes (or makes) another.
            raise DisconnectionError(str(exc)) from exc

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        pooled = connection.connection
        dbapi_connection = pooled.dbapi_connection
        if not write_intent.get():
            # An engine made to autocommit everything (isolation_level="AUTOCOMMIT") is left as it is.
            if not dbapi_connection.autocommit:
                dbapi_connection.autocommit = True
                pooled.info[_READING_IN_AUTOCOMMIT] = True
        elif pooled.info.pop(_READING_IN_AUTOCOMMIT, False):
            dbapi_connection.autocommit = False

    return engine


# Writers queue for SQLite's write lock on an OS file lock polled every millisecond: SQLite's own busy handler
# sleeps up to 100 ms between tries, which made the slowest saves wait far longer than the lock was held.
_HELD: dict[int, int] = {}


def _queue_for_write(dbapi_connection: Any, lock_path: str) -> None:
    key = id(dbapi_connection)
    if key in _HELD:
        return
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _HELD[key] = fd
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                # Give up queueing and let SQLite's busy timeout decide; never deadlock here.
                os.close(fd)
                return
            time.sleep(0.001)


def _leave_queue(dbapi_connection: Any) -> None:
    fd = _HELD.pop(id(dbapi_connection), None)
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class Database:
    """The unbound database extension: bound to an app by init_app, or to a URL by `bind` (CLI, tests)."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))
        # A process forked after the app was built (gunicorn with preloading, `survey serve`, multiprocessing)
        # must never use its parent's connections: two processes on one socket interleave their queries, and
        # a request can read another's session. The child forgets them (without closing the parent's).
        os.register_at_fork(after_in_child=self._forget_parent_connections)

    def _forget_parent_connections(self) -> None:
        self.session.registry.clear()
        _HELD.clear()
        if self.engine is not None:
            self.engine.dispose(close=False)

    def bind(self, url: str) -> Engine:
        """Point the session at a database URL."""
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url)
        self.session.remove()
        self.session.configure(bind=self.engine)
        return self.engine

    def init_app(self, app: Flask) -> None:
        """Bind to the app's DATABASE_URL and end the session after every request."""
        self.bind(app.config["DATABASE_URL"])
        app.extensions["survey_db"] = self

        from flask import g, request

        @app.before_request
        def _intent() -> None:
            view = app.view_functions.get(request.endpoint or "")
            writes = request.method not in ("GET", "HEAD", "OPTIONS") and not getattr(view, READ_FIRST, False)
            g.survey_write_intent = write_intent.set(writes)

        @app.teardown_appcontext
        def _remove_session(_exc: BaseException | None) -> None:
            self.session.remove()
            token = g.pop("survey_write_intent", None)
            if token is not None:
                write_intent.reset(token)
