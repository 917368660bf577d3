"""The board workbook of a round with 1,000,000 answers, beside bare dumps of the same cells.

Run: .venv/bin/python benchmarks/bench_export.py [--agencies 5000] [--statements 200]

A closed round of 5,000 agencies x 200 statements is written to SQLite. Three writers run, each in its own process
so that its peak memory (ru_maxrss) is its own:
- "ours": survey.services.board_export.export_round, the whole workbook (Summary, section sheets, Commentary,
  Responses with one row per answer, Development, About);
- "openpyxl write-only": a bare sqlite3 cursor over the same answers written as the same six Responses cells per
  row with openpyxl's write-only mode and nothing else;
- "xlsxwriter constant_memory": the same rows through xlsxwriter with constant_memory on.
Target: ours <= 1.2x the bare openpyxl write-only dump, with peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROWS_SQL = ("SELECT a.return_id, a.statement_id, a.rating, a.not_applicable FROM answer a "
            "JOIN agency_return r ON r.id = a.return_id WHERE r.round_id = ? AND r.state = 'submitted' "
            "ORDER BY a.return_id, a.id")
HEADER = ["respondent", "section", "duty", "statement", "rating", "rating label"]


def _lookups(path: str, round_id: int) -> tuple[dict[str, tuple[str, str]], dict[float, str]]:
    from sqlalchemy.orm import Session

    from survey.db import make_engine
    from survey.models import Round
    from survey.services.definitions import questionnaire_of

    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        q = questionnaire_of(session.get(Round, round_id).definition_version)
    engine.dispose()
    where = {st.id: (section.id, duty.id) for section, duty, st in q.statements()}
    return where, {v: q.scale.label_for(v) for v in q.scale.values()}


def _rows(path: str, round_id: int):  # type: ignore[no-untyped-def]
    import sqlite3

    where, labels = _lookups(path, round_id)
    conn = sqlite3.connect(path)
    for return_id, statement_id, rating, not_applicable in conn.execute(ROWS_SQL, (round_id,)):
        section, duty = where[statement_id]
        if not_applicable:
            yield [f"R{return_id}", section, duty, statement_id, "N/A", "Not applicable"]
        elif rating is not None:
            yield [f"R{return_id}", section, duty, statement_id, rating, labels[rating]]
    conn.close()


def child(kind: str, path: str, round_id: int, out: str) -> None:
    """Write one workbook and print its time and peak memory as JSON."""
    start = time.perf_counter()
    if kind == "ours":
        from sqlalchemy.orm import Session

        from survey.db import make_engine
        from survey.models import Round
        from survey.services.board_export import export_round

        engine = make_engine(f"sqlite:///{path}")
        with Session(engine) as session:
            export_round(session, session.get(Round, round_id), out, "bench-salt")
        engine.dispose()
    elif kind == "openpyxl":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Responses")
        ws.append(HEADER)
        for row in _rows(path, round_id):
            ws.append(row)
        wb.save(out)
    else:
        import xlsxwriter

        wb = xlsxwriter.Workbook(out, {"constant_memory": True})
        ws = wb.add_worksheet("Responses")
        ws.write_row(0, 0, HEADER)
        for i, row in enumerate(_rows(path, round_id), start=1):
            ws.write_row(i, 0, row)
        wb.close()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "bytes": Path(out).stat().st_size}))


def run(kind: str, path: str, round_id: int, folder: str) -> dict[str, float]:
    out = f"{folder}/{kind}.xlsx"
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--db", path, "--round", str(round_id),
                           "--out", out], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    """Build the round, then time the three writers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=5000)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--child", choices=["build", "ours", "openpyxl", "xlsxwriter"])
    parser.add_argument("--db")
    parser.add_argument("--round", type=int)
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child == "build":
        from benchmarks.bench_collation import build

        print(build(f"sqlite:///{args.db}", args.agencies, args.statements))
        return
    if args.child:
        child(args.child, args.db, args.round, args.out)
        return
    answers = args.agencies * (args.statements // 40) * 40
    print(f"{args.agencies} agencies x {args.statements} statements = {answers:,} answers")
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/bench.sqlite"
        start = time.perf_counter()
        # Built in its own process too: Linux keeps a parent's peak memory in a child's ru_maxrss across exec.
        round_id = int(subprocess.run([sys.executable, __file__, "--child", "build", "--db", path, "--agencies",
                                       str(args.agencies), "--statements", str(args.statements)], check=True,
                                      capture_output=True, text=True).stdout.split()[-1])
        print(f"built the round in {time.perf_counter() - start:.0f} s")
        results = {kind: run(kind, path, round_id, folder) for kind in ("openpyxl", "xlsxwriter", "ours")}
    base = results["openpyxl"]["seconds"]
    for kind, label in (("ours", "ours (whole workbook)"), ("openpyxl", "openpyxl write-only (bare)"),
                        ("xlsxwriter", "xlsxwriter constant_memory")):
        r = results[kind]
        print(f"{label:28} {r['seconds']:7.1f} s  {r['seconds'] / base:5.2f}x  peak {r['peak_mb']:6.0f} MB  "
              f"{r['bytes'] / 1e6:6.1f} MB file  {answers / r['seconds']:,.0f} rows/s")
    print("target: ours <= 1.20x the bare openpyxl write-only dump, peak < 300 MB")


if __name__ == "__main__":
    main()
