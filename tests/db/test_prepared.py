"""Prepared selects give what SQLAlchemy's own execution gives, and fail the way it fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import bindparam, column, func, select, table, update
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from survey.db import make_engine, write_intent
from survey.models import Answer, Return, Round, RoundState
from survey.prepared import PreparedSelect, rows_together
from survey.services import demo as demo_service
from survey.services.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[2]



@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    with Session(engine) as s:
        demo_service.load(s, load_catalogue(ROOT / "questionnaires"))
        s.commit()
        yield s
    engine.dispose()


def test_rows_are_what_sqlalchemy_gives(session: Session) -> None:
    # Every kind of column the prepared selects read: numbers, flags, dates, times, enums, text and NULLs.
    answer_id = session.scalar(select(Answer.id).order_by(Answer.id))
    session.execute(update(Answer).where(Answer.id == answer_id).values(
        rating=2.5, not_applicable=True, action_by=dt.date(2027, 3, 31), commentary="Ünïcode ✓"))
    session.commit()
    statement = (
        select(Answer.id, Answer.rating, Answer.not_applicable, Answer.action_by, Answer.commentary,
               Answer.updated_at, Return.state, Round.state, Round.opens_on, Round.closed_at)
        .join(Return, Return.id == Answer.return_id).join(Round, Round.id == Return.round_id)
        .where(Round.state != RoundState.DRAFT, Answer.return_id >= bindparam("low"))
        .order_by(Answer.id)
    )
    expected = [tuple(row) for row in session.connection().execute(statement, {"low": 0})]
    got = PreparedSelect(statement).rows(session.connection(), {"low": 0})
    assert len(expected) > 10
    assert [tuple(row) for row in got] == expected
    first = next(row for row in got if row.id == answer_id)
    assert (first.rating, first.not_applicable, first.action_by) == (2.5, True, dt.date(2027, 3, 31))
    assert isinstance(first.updated_at, dt.datetime) and isinstance(first.state, type(got[0].state))
    assert first._7 in set(RoundState), "a repeated column name is reached by position"


def test_parameters_go_through_the_column_types(session: Session) -> None:
    statement = select(Round.title).where(Round.state == bindparam("state")).order_by(Round.title)
    prepared = PreparedSelect(statement)
    for state in RoundState:
        expected = list(session.scalars(select(Round.title).where(Round.state == state).order_by(Round.title)))
        assert [row.title for row in prepared.rows(session.connection(), {"state": state})] == expected
    assert prepared.rows(session.connection(), {"state": RoundState.OPEN}), "the demo has an open round"


def test_parameters_must_match_the_statement(session: Session) -> None:
    prepared = PreparedSelect(select(Round.title).where(Round.id == bindparam("id")))
    with pytest.raises(ArgumentError, match=r"missing: \['id'\]"):
        prepared.rows(session.connection(), {})
    with pytest.raises(ArgumentError, match=r"not in the statement: \['idd'\]"):
        prepared.rows(session.connection(), {"id": 1, "idd": 2})
    expanding = PreparedSelect(select(Round.title).where(Round.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ArgumentError, match="expanding"):
        expanding.rows(session.connection(), {"ids": [1]})


def test_a_driver_error_is_sqlalchemys_and_the_session_carries_on(session: Session) -> None:
    missing = PreparedSelect(select(column("x")).select_from(table("no_such_table")))
    with pytest.raises(DBAPIError) as raised:
        missing.rows(session.connection(), {})
    assert "no_such_table" in str(raised.value) and not raised.value.connection_invalidated
    session.rollback()
    assert PreparedSelect(select(Round.id)).rows(session.connection(), {})


def test_a_lost_connection_is_thrown_away(session: Session) -> None:
    connection = session.connection()
    connection.connection.dbapi_connection.close()  # the server or network went away
    with pytest.raises(DBAPIError) as raised:
        PreparedSelect(select(Round.id)).rows(connection, {})
    assert raised.value.connection_invalidated and connection.invalidated
    session.rollback()
    assert PreparedSelect(select(Round.id)).rows(session.connection(), {}), "a fresh connection from the pool"


def test_queries_run_together_give_what_each_gives_alone(session: Session) -> None:
    by_state = PreparedSelect(select(Round.id, Round.title).where(Round.state == bindparam("state")).order_by(Round.id))
    answers = PreparedSelect(select(Answer.id, Answer.rating).where(Answer.return_id == bindparam("rid"))
                             .order_by(Answer.id))
    rid = session.scalar(select(Answer.return_id).order_by(Answer.id))
    connection = session.connection()
    alone = [by_state.rows(connection, {"state": RoundState.OPEN}), answers.rows(connection, {"rid": rid}),
             by_state.rows(connection, {"state": RoundState.CLOSED})]
    together = rows_together(connection, [(by_state, {"state": RoundState.OPEN}), (answers, {"rid": rid}),
                                          (by_state, {"state": RoundState.CLOSED})])
    assert together == alone and all(alone), "the demo has open and closed rounds, and answers"
    assert together[1][0].rating == alone[1][0].rating


@pytest.mark.parametrize("intent", [True, False], ids=["in-a-write", "reading"])
def test_one_failing_query_run_together_fails_them_all_and_the_session_carries_on(session: Session,
                                                                                   intent: bool) -> None:
    missing = PreparedSelect(select(column("x")).select_from(table("no_such_table")))
    rounds = PreparedSelect(select(Round.id))
    token = write_intent.set(intent)  # reads on PostgreSQL run outside a transaction
    try:
        with pytest.raises(DBAPIError) as raised:
            rows_together(session.connection(), [(rounds, {}), (missing, {}), (rounds, {})])
        assert "no_such_table" in str(raised.value) and not raised.value.connection_invalidated
        session.rollback()
        assert rows_together(session.connection(), [(rounds, {}), (rounds, {})])[1]
    finally:
        session.rollback()
        write_intent.reset(token)


def test_postgresql_runs_queries_together_in_one_round_trip(postgres_url: str) -> None:
    # Statements sent in one pipeline share one implicit transaction until its sync, so they see one now();
    # sent one after another outside a transaction (as reads are), each has its own.
    engine = make_engine(postgres_url)
    clock = PreparedSelect(select(func.now().label("now"), func.pg_sleep(0.02).label("slept")))
    token = write_intent.set(False)
    try:
        with Session(engine) as s:
            connection = s.connection()
            apart = [clock.rows(connection, {})[0].now for _ in range(2)]
            together = [rows[0].now for rows in rows_together(connection, [(clock, {}), (clock, {})])]
        assert apart[0] != apart[1], "each statement on its own has its own transaction"
        assert together[0] == together[1], "the two statements did not reach the server together"
    finally:
        write_intent.reset(token)
        engine.dispose()
