"""Scoring speed: survey.scoring beside Python's statistics module, pandas and bare numpy kernels.

Run: ./dev bench, or .venv/bin/python benchmarks/bench_scoring.py [--skip-statistics] [--repeat N]

Each case is a ratings matrix (returns x statements) on the 1-4 scale with half points and 10% not rated. Every
contender computes the same figures per statement: n, mean, min, max and every tied mode. Times are the best of
N runs, contenders alternating so drift on a noisy machine hits them alike; ratios are contender / ours.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey.scoring import collate, collate_codes, encode, plain_layout  # noqa: E402

VALUES = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
CASES = [(10, 6), (200, 500), (200, 50_000)]  # (statements, returns)


def make_matrix(statements: int, returns: int, seed: int = 1) -> np.ndarray:
    """Ratings with half points and 10% NaN."""
    rng = np.random.default_rng(seed)
    matrix = rng.choice(np.array(VALUES), size=(returns, statements))
    matrix[rng.random(matrix.shape) < 0.10] = np.nan
    return matrix


def with_statistics(matrix: np.ndarray) -> list[tuple[int, float, float, float, list[float]]]:
    """Baseline (a): Python's statistics module, one statement at a time."""
    out = []
    for j in range(matrix.shape[1]):
        column = [x for x in matrix[:, j].tolist() if not math.isnan(x)]
        out.append((len(column), statistics.mean(column), min(column), max(column),
                    sorted(statistics.multimode(column))))
    return out


def with_statistics_numpy(matrix: np.ndarray) -> list[tuple[int, float, float, float, list[float]]]:
    """Baseline (a'): the statistics module fed numpy columns directly, as a first attempt would."""
    out = []
    for j in range(matrix.shape[1]):
        column = matrix[:, j][~np.isnan(matrix[:, j])]
        out.append((len(column), statistics.mean(column), min(column), max(column),
                    sorted(statistics.multimode(column))))
    return out


def with_pandas(matrix: np.ndarray) -> object:
    """Baseline (b): pandas describe-style aggregation plus modes."""
    import pandas as pd

    frame = pd.DataFrame(matrix)
    return frame.count(), frame.mean(), frame.min(), frame.max(), frame.mode()


def bare_nan_kernel(matrix: np.ndarray) -> object:
    """Baseline (c): just nanmean / nanmin / nanmax (no n, no mode)."""
    return np.nanmean(matrix, axis=0), np.nanmin(matrix, axis=0), np.nanmax(matrix, axis=0)


def _derive(counts: np.ndarray) -> object:
    v = np.asarray(VALUES)
    n = counts.sum(axis=1)
    mean = (counts @ v) / np.maximum(n, 1)
    present = counts > 0
    low = v[np.argmax(present, axis=1)]
    high = v[len(v) - 1 - np.argmax(present[:, ::-1], axis=1)]
    modes = counts == counts.max(axis=1, keepdims=True)
    return n, mean, low, high, modes


def _blocked_counts(matrix: np.ndarray, targets: list[float] | range, rows: int) -> np.ndarray:
    counts = np.zeros((matrix.shape[1], len(targets)), dtype=np.int64)
    mask = np.empty((rows, matrix.shape[1]), dtype=np.bool_)
    for start in range(0, matrix.shape[0], rows):
        block = matrix[start:start + rows]
        hit = mask[: block.shape[0]]
        for j, target in enumerate(targets):
            np.equal(block, target, out=hit)
            counts[:, j] += hit.sum(axis=0, dtype=np.int32)
    return counts


def bare_count_kernel_float(matrix: np.ndarray) -> object:
    """Baseline (d1): the fastest bare kernel found for the same figures from a float matrix.

    Count each scale value in cache-sized blocks of rows (512 rows: the best block size measured here), then
    derive n, mean, min, max and modes from the counts.
    """
    return _derive(_blocked_counts(matrix, list(VALUES), 512))


def bare_count_kernel_codes(codes: np.ndarray) -> object:
    """Baseline (d2): the same kernel over int8 codes (half points doubled into small integers), 2,048-row blocks."""
    return _derive(_blocked_counts(codes, range(1, len(VALUES) + 1), 2048))


def unblocked_count_kernel_float(matrix: np.ndarray) -> object:
    """For reference: the same counting over the whole matrix at once (memory-bound)."""
    counts = np.empty((matrix.shape[1], len(VALUES)), dtype=np.int64)
    for j, value in enumerate(VALUES):
        counts[:, j] = np.equal(matrix, value).sum(axis=0, dtype=np.int32)
    return _derive(counts)


def best_of(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Best wall time per contender, alternating contenders each round."""
    best = dict.fromkeys(fns, math.inf)
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def check_same(matrix: np.ndarray) -> None:
    """Ours must agree with the statistics module before any timing means anything."""
    ours = collate(matrix, plain_layout(VALUES, [str(j) for j in range(matrix.shape[1])]))
    for f, (n, mean, low, high, modes) in zip(ours, with_statistics(matrix[:, :20]), strict=False):
        assert (f.n, f.min, f.max, list(f.mode)) == (n, low, high, modes)
        assert f.mean is not None and abs(f.mean - mean) < 1e-9


def main() -> None:
    """Run every case and print each figure beside its baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-statistics", action="store_true", help="skip the slow statistics baseline")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{time.strftime('%Y-%m-%d')}")
    for statements, returns in CASES:
        matrix = make_matrix(statements, returns)
        codes = encode(matrix, VALUES)
        layout = plain_layout(VALUES, [str(j) for j in range(statements)])
        check_same(matrix)
        ratings = int(np.count_nonzero(~np.isnan(matrix)))
        repeat = args.repeat if returns < 50_000 else max(3, args.repeat // 2)
        contenders: dict[str, Callable[[], object]] = {
            "ours (float matrix)": lambda m=matrix, lay=layout: collate(m, lay),
            "ours (int8 codes)": lambda c=codes, lay=layout: collate_codes(c, lay),
            "bare count kernel (float)": lambda m=matrix: bare_count_kernel_float(m),
            "bare count kernel (int8)": lambda c=codes: bare_count_kernel_codes(c),
            "unblocked count kernel": lambda m=matrix: unblocked_count_kernel_float(m),
            "bare nanmean/nanmin/nanmax": lambda m=matrix: bare_nan_kernel(m),
        }
        try:
            import pandas  # noqa: F401

            contenders["pandas"] = lambda m=matrix: with_pandas(m)
        except ImportError:
            print("  (pandas not installed: pip install -e '.[bench]')")
        times = best_of(contenders, repeat)
        if not args.skip_statistics:
            times |= best_of({"statistics module": lambda m=matrix: with_statistics(m)}, 1)
            times |= best_of({"statistics (numpy columns)": lambda m=matrix: with_statistics_numpy(m)}, 1)
        ours = times["ours (float matrix)"]
        print(f"\n{statements} statements x {returns:,} returns ({ratings:,} ratings), best of {repeat}:")
        print(f"  {'contender':30} {'time':>10} {'ratings/s':>14} {'vs ours (float)':>16}")
        for name, seconds in times.items():
            print(f"  {name:30} {seconds * 1000:8.2f} ms {ratings / seconds:14,.0f} {seconds / ours:15.2f}x")
        print(f"  ours (float) / bare count kernel (float): {ours / times['bare count kernel (float)']:.2f}x; "
              f"ours (int8) / bare count kernel (int8): "
              f"{times['ours (int8 codes)'] / times['bare count kernel (int8)']:.2f}x")
        if "statistics module" in times:
            print(f"  ours (float) is {times['statistics module'] / ours:,.0f}x faster than the statistics module "
                  f"on Python lists and {times['statistics (numpy columns)'] / ours:,.0f}x on numpy columns; "
                  f"ours (int8) {times['statistics module'] / times['ours (int8 codes)']:,.0f}x and "
                  f"{times['statistics (numpy columns)'] / times['ours (int8 codes)']:,.0f}x")


if __name__ == "__main__":
    main()
