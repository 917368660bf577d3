"""`survey score` on large files beside the bare readers: polars, pyarrow and python-calamine reading the same file
and counting each rating per statement, with nothing checked.

Run: ./dev bench, or .venv/bin/python benchmarks/bench_score_files.py [--respondents N] [--statements N]
     [--data DIR] [--repeat N]

The files (50,000 respondents x 200 statements by default: a wide CSV, a long CSV and a wide XLSX) are made once
in --data and reused. Every contender runs in its own process, so its time includes starting Python and importing
what it needs, and its peak memory is its own (the child's maximum resident set). Times are the best of N runs.
Ratios are ours / the fastest bare reader for that file: the target is at most 2, with peak memory no more than
that reader's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TOKENS = np.array(["1", "1.5", "2", "2.5", "3", "3.5", "4", "", "N/A"])
WEIGHTS = np.array([0.1, 0.1, 0.15, 0.15, 0.15, 0.1, 0.15, 0.05, 0.05])

BARE = {
    "polars": """
import sys, polars as pl
frame = pl.read_csv(sys.argv[1], infer_schema=False)
if "statement" in frame.columns:
    counts = frame.group_by("statement", "rating").len()
else:
    counts = [frame.get_column(c).value_counts() for c in frame.columns[1:]]
""",
    "pyarrow": """
import sys, pyarrow.csv as pc, pyarrow.compute as pcc
table = pc.read_csv(sys.argv[1])
if "statement" in table.column_names:
    counts = table.group_by(["statement", "rating"]).aggregate([("rating", "count")])
else:
    counts = [pcc.value_counts(table.column(c)) for c in table.column_names[1:]]
""",
    "python-calamine": """
import sys
import tempfile
from collections import Counter
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
counts = [Counter(column) for column in zip(*rows[1:])][1:]
""",
}


def make_files(folder: Path, respondents: int, statements: int) -> dict[str, Path]:
    """The three files, made once (the workbook takes a minute or two)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{respondents}x{statements}"
    files = {"wide CSV": folder / f"wide-{stem}.csv", "long CSV": folder / f"long-{stem}.csv",
             "wide XLSX": folder / f"wide-{stem}.xlsx"}
    if all(path.exists() for path in files.values()):
        return files
    rng = np.random.default_rng(1)
    ratings = TOKENS[rng.choice(len(TOKENS), size=(respondents, statements), p=WEIGHTS)]
    ids = [f"s{j + 1}" for j in range(statements)]
    with files["wide CSV"].open("w") as out:
        out.write("respondent," + ",".join(ids) + "\n")
        for i in range(respondents):
            out.write(f"r{i + 1}," + ",".join(ratings[i]) + "\n")
    with files["long CSV"].open("w") as out:
        out.write("respondent,statement,rating\n")
        for i in range(respondents):
            out.write("".join(f"r{i + 1},{ids[j]},{ratings[i, j]}\n" for j in range(statements)))
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Ratings")
    sheet.append(["respondent", *ids])
    for i in range(respondents):
        sheet.append([f"r{i + 1}", *(float(v) if v not in ("", "N/A") else (v or None) for v in ratings[i])])
    workbook.save(files["wide XLSX"])
    return files


def run(command: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (MB) of one child process; it must succeed."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    error = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    return elapsed, usage.ru_maxrss // 1024


def installed(module: str) -> bool:
    """Whether a bare reader's library is installed in this Python."""
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=50_000)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "section11-bench")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    files = make_files(args.data, args.respondents, args.statements)
    survey = str(Path(sys.executable).with_name("survey"))
    print(f"{args.respondents:,} respondents x {args.statements} statements; best of {args.repeat}; "
          f"{os.cpu_count()} cores")
    print(f"{'file':<10} {'size':>7}  {'contender':<26} {'time':>7} {'peak':>8}  ratio")
    for label, path in files.items():
        contenders = {"survey score": [survey, "score", str(path), "--format", "json", "--out", os.devnull]}
        readers = ["python-calamine"] if path.suffix == ".xlsx" else ["polars", "pyarrow"]
        for reader in readers:
            if installed(reader.replace("-", "_").split(".")[0]):
                contenders[f"bare {reader} + counting"] = [sys.executable, "-c", BARE[reader], str(path)]
        best: dict[str, tuple[float, int]] = {}
        for _ in range(args.repeat):
            for name, command in contenders.items():  # alternate, so drift hits every contender alike
                elapsed, peak = run(command)
                old = best.get(name)
                best[name] = (min(elapsed, old[0]), min(peak, old[1])) if old else (elapsed, peak)
        bare = min((v for k, v in best.items() if k != "survey score"), default=None)
        size = f"{path.stat().st_size / 2**20:.0f} MB"
        for name, (elapsed, peak) in best.items():
            ratio = f"{elapsed / bare[0]:.2f}x time, {peak / bare[1]:.2f}x memory" if bare else ""
            print(f"{label:<10} {size:>7}  {name:<26} {elapsed:6.2f}s {peak:6d}MB  "
                  f"{ratio if name == 'survey score' else ''}")


if __name__ == "__main__":
    main()
