"""Collation of a large round from the database to figures, beside a bare driver fetch of the same rows.

Run: .venv/bin/python benchmarks/bench_collation.py [--agencies 500] [--statements 200] [--repeat 5]

A round of 500 agencies x 200 statements (100,000 answers) is written to SQLite and to a throwaway PostgreSQL
cluster. "ours" is survey.services.collation.collate_round (fetch, build the code matrix, collate, build the
Figures); the baseline is the bare sqlite3 / psycopg fetch of the same (return, statement, rating) rows. Target:
ours <= 2x the bare fetch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from survey.db import make_engine  # noqa: E402
from survey.definitions import load_text  # noqa: E402
from survey.migrate import upgrade  # noqa: E402
from survey.models import Agency, Answer, Partnership, Return, ReturnState, Round, RoundState  # noqa: E402
from survey.services.collation import collate_round  # noqa: E402
from survey.services.definitions import ensure_version  # noqa: E402
from tests.pg_cluster import throwaway_cluster  # noqa: E402

BARE_SQL = ("SELECT a.return_id, a.statement_id, a.rating FROM answer a JOIN agency_return r ON r.id = a.return_id "
            "WHERE r.round_id = {p} AND r.state = 'submitted' AND a.rating IS NOT NULL")


def questionnaire_yaml(statements: int) -> str:
    """A synthetic questionnaire: 10 sections x 4 duties x statements/40 statements."""
    lines = ['id: bench', 'title: Benchmark', 'version: "1"', 'scale:', '  half_points: true', '  points:']
    lines += [f"    - {{value: {v}, label: L{v}}}" for v in (1, 2, 3, 4)]
    lines.append("sections:")
    per_duty = max(1, statements // 40)
    n = 0
    for s in range(10):
        lines += [f"  - id: s{s}", f"    title: Section {s}", "    duties:"]
        for d in range(4):
            lines += [f"      - id: s{s}d{d}", f"        title: Duty {s}.{d}", "        statements:"]
            for _ in range(per_duty):
                lines += [f"          - {{id: st{n}, text: Statement {n}}}"]
                n += 1
    return "\n".join(lines) + "\n"


def build(url: str, agencies: int, statements: int) -> int:
    """Write the round; return its id."""
    engine = make_engine(url)
    upgrade(engine)
    questionnaire = load_text(questionnaire_yaml(statements), "bench.yaml")
    ids = questionnaire.statement_ids()
    rng = random.Random(1)
    values = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
    with Session(engine) as session:
        partnership = Partnership(name="Bench", slug="bench")
        round_ = Round(partnership=partnership, definition_version=ensure_version(session, questionnaire),
                       title="Bench", opens_on=dt.date.today(), deadline=dt.date.today(), state=RoundState.CLOSED)
        session.add(round_)
        session.flush()
        agency_rows = [{"name": f"Agency {i}", "kind": "x", "active": True, "is_demo": False,
                        "created_at": dt.datetime.now(dt.UTC)} for i in range(agencies)]
        session.execute(insert(Agency), agency_rows)
        agency_ids = [a.id for a in session.query(Agency).order_by(Agency.id)]
        session.execute(insert(Return), [{"round_id": round_.id, "agency_id": a, "state": ReturnState.SUBMITTED,
                                          "declaration_name": "", "declaration_role": "", "reopened_reason": "",
                                          "created_at": dt.datetime.now(dt.UTC),
                                          "updated_at": dt.datetime.now(dt.UTC)} for a in agency_ids])
        return_ids = [r.id for r in session.query(Return).order_by(Return.id)]
        now = dt.datetime.now(dt.UTC)
        rows = [{"return_id": r, "statement_id": sid, "rating": rng.choice(values), "not_applicable": False,
                 "commentary": "", "evidence_notes": "", "evidence_links": "", "action_what": "", "action_who": "",
                 "revision": 1, "updated_at": now} for r in return_ids for sid in ids]
        session.execute(insert(Answer), rows)
        session.commit()
        round_id = round_.id
    engine.dispose()
    return round_id


def bare_sqlite(path: str, round_id: int) -> int:
    with sqlite3.connect(path) as conn:
        return len(conn.execute(BARE_SQL.format(p="?"), (round_id,)).fetchall())


def bare_psycopg(url: str, round_id: int) -> int:
    parsed = make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database) as conn:
        return len(conn.execute(BARE_SQL.format(p="%s"), (round_id,)).fetchall())


def ours(url: str, round_id: int) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return len(collate_round(session, round_id))
    finally:
        engine.dispose()


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def compare(name: str, our_fn, bare_fn, repeat: int, answers: int) -> None:  # type: ignore[no-untyped-def]
    our_best, bare_best = math.inf, math.inf
    for _ in range(repeat):  # alternate, so drift hits both alike
        our_best = min(our_best, best(our_fn, 1))
        bare_best = min(bare_best, best(bare_fn, 1))
    print(f"{name:11} ours {our_best * 1000:8.1f} ms   bare fetch {bare_best * 1000:8.1f} ms   "
          f"ratio {our_best / bare_best:4.2f}x (target <= 2x)   {answers / our_best:,.0f} answers/s")


def main() -> None:
    """Build the round on both engines and compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    answers = args.agencies * (args.statements // 40) * 40
    print(f"{args.agencies} agencies x {args.statements} statements = {answers:,} answers, best of {args.repeat}")
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/bench.sqlite"
        url = f"sqlite:///{path}"
        round_id = build(url, args.agencies, args.statements)
        compare("SQLite", lambda: ours(url, round_id), lambda: bare_sqlite(path, round_id), args.repeat, answers)
    with throwaway_cluster() as admin_url:
        engine = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE bench")
        engine.dispose()
        url = make_url(admin_url).set(database="bench").render_as_string(hide_password=False)
        round_id = build(url, args.agencies, args.statements)
        compare("PostgreSQL", lambda: ours(url, round_id), lambda: bare_psycopg(url, round_id), args.repeat,
                answers)


if __name__ == "__main__":
    main()
