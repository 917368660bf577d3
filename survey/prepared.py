"""SELECTs compiled once per database dialect and run on the driver's own cursor: for queries on every request.

SQLAlchemy spends about 25 µs around each execution (cache keys, events, result metadata); a prepared select
takes 6 in all on SQLite. The duty page, which agencies load far more than any other, runs four small queries,
so that was a tenth of the page. A prepared select runs inside the session's own transaction, so it sees
exactly what any other query in the request sees; values go in and come out through the column types' own
converters, and driver errors come out as SQLAlchemy's, like any other query's."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import ArgumentError, DBAPIError

Converter = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order, or None where the driver takes names
    defaults: dict[str, Any]  # every parameter, with the statement's own literals already converted
    converters: dict[str, Converter]
    required: frozenset[str]

    def parameters(self, given: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        if not self.required <= given.keys() or not given.keys() <= self.converters.keys():
            missing = sorted(self.required - given.keys())
            unknown = sorted(given.keys() - self.converters.keys())
            raise ArgumentError(f"parameters missing: {missing}; not in the statement: {unknown}")
        values = dict(self.defaults)
        for name, value in given.items():
            convert = self.converters[name]
            values[name] = convert(value) if convert is not None and value is not None else value
        if self.positional is None:
            return values
        return tuple(values[name] for name in self.positional)


class PreparedSelect:
    """A SELECT with named `bindparam`s, compiled the first time it runs on each dialect and driver."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        # By dialect and driver: two drivers for one database can differ in parameter style and in types.
        self._plans: dict[tuple[str, str, str], _Plan] = {}
        self._results: dict[tuple[str, str, str], tuple[Converter, ...]] = {}
        # Rows are named tuples, fields named after the columns (a repeated name becomes _<position>).
        self._row = namedtuple("Row", [c.key for c in statement.selected_columns], rename=True)  # type: ignore[misc]

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """All result rows as named tuples of Python values, run in `connection`'s current transaction."""
        return rows_together(connection, [(self, params)])[0]

    def _plan_for(self, dialect: Dialect) -> _Plan:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(dialect)
        return plan

    def _converted(self, dialect: Dialect) -> bool:
        return (dialect.name, dialect.driver, dialect.paramstyle) in self._results

    def _values(self, dialect: Dialect, description: Any, rows: Sequence[Any]) -> list[Any]:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        results = self._results.get(key)
        if results is None:
            results = self._results[key] = self._converters(dialect, description)
        make = self._row._make  # type: ignore[attr-defined]
        if not any(results):
            return [make(row) for row in rows]
        return [make(v if c is None or v is None else c(v) for c, v in zip(results, row, strict=True))
                for row in rows]

    def _plan(self, dialect: Dialect) -> _Plan:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params:
            raise ArgumentError("a prepared select takes one bindparam per value, not expanding ones")
        converters: dict[str, Converter] = {}
        for bind, name in compiled.bind_names.items():
            converters[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
        required = {name: None for bind, name in compiled.bind_names.items() if bind.required}
        defaults = {}
        for name, value in compiled.construct_params(required).items():
            convert = converters.get(name)
            defaults[name] = convert(value) if convert is not None and value is not None else value
        positional = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        return _Plan(compiled.string, positional, defaults, converters, frozenset(required))

    def _converters(self, dialect: Dialect, description: Any) -> tuple[Converter, ...]:
        # Some converters depend on the type the driver reports for the column (PostgreSQL's numbers do).
        return tuple(column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                     for column, described in zip(self.statement.selected_columns, description, strict=True))


def rows_together(connection: Connection,
                  queries: Sequence[tuple[PreparedSelect, Mapping[str, Any]]]) -> list[list[Any]]:
    """Each query's rows, as `PreparedSelect.rows` gives them; sent together, in one round trip, where the
    driver can pipeline (psycopg), and one after another elsewhere."""
    dialect = connection.dialect
    plans = [(query, query._plan_for(dialect)) for query, _ in queries]
    parameters = [plan.parameters(params) for (_, plan), (_, params) in zip(plans, queries, strict=True)]
    raw = connection.connection
    dbapi_connection = raw.dbapi_connection
    cursor = None
    try:
        if len(queries) > 1 and _pipelines(type(dbapi_connection)):  # type: ignore[arg-type]
            cursors = [raw.cursor() for _ in queries]
            with dbapi_connection.pipeline():  # type: ignore[union-attr]
                for cursor, (_, plan), values in zip(cursors, plans, parameters, strict=True):
                    cursor.execute(plan.sql, values)
        else:
            cursors = []
            for (_, plan), values in zip(plans, parameters, strict=True):
                cursor = raw.cursor()
                cursor.execute(plan.sql, values)
                cursors.append(cursor)
        fetched = []
        for cursor, (query, _) in zip(cursors, plans, strict=True):
            rows = cursor.fetchall()
            # psycopg builds the description afresh on each call, and it is only needed the first time.
            described = None if query._converted(dialect) else cursor.description
            fetched.append((described, rows))
            cursor.close()
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy does for its own queries: a lost connection is thrown away, not returned to the
        # pool, and the error is SQLAlchemy's, which the app's error pages know.
        lost = dialect.is_disconnect(exc, dbapi_connection, cursor)
        if lost:
            connection.invalidate(exc)
        shown: Any = parameters[0] if len(plans) == 1 else parameters
        sql = "; ".join(plan.sql for _, plan in plans)
        raise DBAPIError.instance(sql, shown, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost) from exc
    return [query._values(dialect, description, rows)
            for (query, _), (description, rows) in zip(plans, fetched, strict=True)]


@lru_cache(maxsize=8)
def _pipelines(connection_type: type) -> bool:
    """Whether connections of this driver class can send several queries before reading any result."""
    # psycopg's public classes say they come from the package itself ("psycopg"), not from its submodules.
    if connection_type.__module__.split(".")[0] != "psycopg":
        return False
    import psycopg

    return issubclass(connection_type, psycopg.Connection) and psycopg.Pipeline.is_supported()
