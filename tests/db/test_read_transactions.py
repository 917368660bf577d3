"""Reads and writes in one session: reads never hold a write transaction, and what `unit_of_work()` writes is atomic.

On PostgreSQL reads run outside any transaction (at READ COMMITTED a transaction gives a read nothing), which
saves the BEGIN and ROLLBACK round trips and keeps the driver's prepared statements, which psycopg throws away
on every ROLLBACK."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey import create_app
from survey.config import ROOT
from survey.db import make_engine, unit_of_work, write_intent
from survey.models import Agency
from tests.fixtures_demo import client_for

IDLE = psycopg.pq.TransactionStatus.IDLE
INTRANS = psycopg.pq.TransactionStatus.INTRANS


@pytest.fixture
def reading() -> Iterator[None]:
    """As in a GET request: transactions begun now are not meant to write."""
    token = write_intent.set(False)
    yield
    write_intent.reset(token)


def test_a_write_after_reads_is_all_or_nothing(db_url: str, reading: None) -> None:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            before = session.scalar(select(func.count()).select_from(Agency))
            with pytest.raises(IntegrityError), unit_of_work(session):
                session.add(Agency(name="Written first", kind="council"))
                session.flush()
                session.add(Agency(name="Written first", kind="council"))  # the name is unique
                session.flush()
            session.rollback()
            assert session.scalar(select(func.count()).select_from(Agency)) == before, "half a write was kept"
            with unit_of_work(session):
                session.add(Agency(name="Written whole", kind="council"))
            assert session.scalar(select(func.count()).select_from(Agency)) == before + 1
    finally:
        engine.dispose()



def _status(session: Session) -> psycopg.pq.TransactionStatus:
    return session.connection().connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]


def test_postgresql_reads_begin_no_transaction_and_writes_do(postgres_url: str, reading: None) -> None:
    engine = make_engine(postgres_url)
    try:
        with Session(engine) as session:
            session.execute(select(Agency.id)).all()
            assert _status(session) is IDLE, "a read began a transaction on the server"
            with unit_of_work(session):
                session.execute(select(Agency.id)).all()
                assert _status(session) is INTRANS, "a write ran outside a transaction"
            session.execute(select(Agency.id)).all()
            assert _status(session) is IDLE, "back to reading once the write is committed"
        # An engine made to autocommit everything is left to autocommit, whatever the intent.
        admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
        token = write_intent.set(True)
        try:
            with admin.connect() as conn:
                conn.execute(text("SELECT 1"))
                assert conn.connection.dbapi_connection.info.transaction_status is IDLE  # type: ignore[union-attr]
        finally:
            write_intent.reset(token)
            admin.dispose()
    finally:
        engine.dispose()


def test_postgresql_keeps_the_duty_page_queries_prepared(postgres_url: str, tmp_path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    # psycopg prepares a query the fifth time a connection runs it, and forgets all it prepared on a ROLLBACK:
    # if pages ended with one, PostgreSQL would plan every query of every page afresh.
    from survey.extensions import db
    from survey.services import demo as demo_service
    from survey.services.catalogue import load_catalogue

    engine = make_engine(postgres_url)
    with Session(engine) as session:
        demo_service.load(session, load_catalogue(ROOT / "questionnaires"))
        session.commit()
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": postgres_url, "SECRET_KEY": "test-secret-key-0123456789",
                      "EXPORTS_DIR": str(tmp_path / "exports"), "EVIDENCE_DIR": str(tmp_path / "evidence"),
                      "SMTP_HOST": smtp_server[0], "SMTP_PORT": smtp_server[1]})
    try:
        client = client_for(app, "staff.police@demo.example")
        home = client.get("/agency/").get_data(as_text=True)
        rid = int(home.split("/agency/returns/")[1].split('"')[0])
        for _ in range(20):
            assert client.get(f"/agency/returns/{rid}/duties/supervision").status_code == 200
        assert db.engine is not None
        # The pool hands its connections out in turn: with at most four, one has run each query five times.
        idle = db.engine.pool.checkedin()  # type: ignore[attr-defined]
        assert 1 <= idle <= 4
        held = [db.engine.connect() for _ in range(idle)]
        prepared = [
            row[0] for conn in held
            for row in conn.execute(text("SELECT statement FROM pg_prepared_statements"))]
        for conn in held:
            conn.close()
        assert any(sql.startswith("SELECT answer.statement_id") for sql in prepared), prepared
        assert any(sql.startswith("SELECT sign_in_session.id") for sql in prepared), prepared
    finally:
        db.session.remove()
        if db.engine is not None:
            db.engine.dispose()


def test_postgresql_replaces_a_connection_the_server_ended(postgres_url: str) -> None:
    # Pooled connections are pinged only when the server has said something; ending one must still never reach
    # a request as an error.
    engine = make_engine(postgres_url)
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
            for _ in range(100):  # until the backend has gone
                if not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                    {"pid": first}).scalar_one():
                    break
                time.sleep(0.02)
        with engine.connect() as conn:
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first, "a fresh connection replaced the ended one"
        assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        engine.dispose()
        admin.dispose()
