"""Collation: a ratings matrix -> n, mode, mean, min, max, range and distribution per statement, duty, section.

Pure numpy: no Flask, no database, never the `statistics` module. Every figure the board sees (web page, workbook,
CLI) comes from `collate`. The figures are derived from one counts table (statements x scale values): counting
each scale value over the matrix is a handful of vectorised comparisons, and n, sum, min, max and every tied
mode follow from the counts; a duty's or section's pooled figures are the sum of its statements' counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from survey.definitions.model import format_value

if TYPE_CHECKING:
    from survey.definitions import Questionnaire

Level = Literal["statement", "duty", "section"]
FloatMatrix = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Group:
    """A duty or section: a named set of statement columns whose ratings are pooled."""

    level: Level
    id: str
    columns: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    """What to collate: the scale, the statement columns, the groups and the order rows are reported in."""

    values: tuple[float, ...]
    statement_ids: tuple[str, ...]
    groups: tuple[Group, ...] = ()
    order: tuple[tuple[Level, int], ...] = ()
    precision: int = 1


@dataclass(frozen=True, slots=True)
class Figures:
    """The collated figures of one statement, duty or section."""

    level: Level
    id: str
    n: int
    mode: tuple[float, ...]
    mean: float | None
    min: float | None
    max: float | None
    counts: tuple[int, ...]
    mode_label: str
    mean_label: str

    @property
    def range(self) -> float | None:
        """Highest minus lowest rating; None when nothing was rated."""
        if self.min is None or self.max is None:
            return None
        return self.max - self.min

    @property
    def range_label(self) -> str:
        """The range as people write it ("1.5"), empty when nothing was rated."""
        return "" if self.range is None else format_value(self.range)

    def to_json(self) -> dict[str, Any]:
        """The public JSON object of `survey score`."""
        return {
            "level": self.level,
            "id": self.id,
            "n": self.n,
            "mode": list(self.mode),
            "mode_label": self.mode_label,
            "mean": self.mean,
            "mean_label": self.mean_label,
            "range": self.range,
        }


def excel_round(value: float, precision: int) -> str:
    """Round as Excel's ROUND does (half away from zero on the 15-digit decimal value) and format."""
    exponent = Decimal(1).scaleb(-precision)
    return str(Decimal(format(value, ".15g")).quantize(exponent, rounding=ROUND_HALF_UP))


def layout_for(questionnaire: Questionnaire) -> Layout:
    """The layout of a questionnaire: its scale and statements, duty and section groups, pre-order rows."""
    ids = questionnaire.statement_ids()
    column = {sid: i for i, sid in enumerate(ids)}
    groups: list[Group] = []
    order: list[tuple[Level, int]] = []
    for section in questionnaire.sections:
        section_columns = tuple(column[st.id] for duty in section.duties for st in duty.statements)
        order.append(("section", len(groups)))
        groups.append(Group("section", section.id, section_columns))
        for duty in section.duties:
            order.append(("duty", len(groups)))
            groups.append(Group("duty", duty.id, tuple(column[st.id] for st in duty.statements)))
            order.extend(("statement", column[st.id]) for st in duty.statements)
    return Layout(questionnaire.scale.values(), ids, tuple(groups), tuple(order), questionnaire.precision)


def plain_layout(values: Sequence[float], statement_ids: Sequence[str], precision: int = 1) -> Layout:
    """A layout of statements only, in the order given."""
    ids = tuple(statement_ids)
    return Layout(tuple(values), ids, (), tuple(("statement", i) for i in range(len(ids))), precision)


# Rows per block are chosen so a block of the matrix and its comparison mask stay in the CPU cache: the seven or
# so comparisons per block then read cache, not memory (about twice as fast on a 50,000 x 200 float matrix).
BLOCK_BYTES = 512 * 1024


def _count(matrix: npt.NDArray[Any], targets: Sequence[float | int]) -> Counts:
    counts = np.zeros((matrix.shape[1], len(targets)), dtype=np.int64)
    if matrix.size == 0:
        return counts
    rows = max(16, BLOCK_BYTES // max(1, matrix.shape[1] * matrix.itemsize))
    mask = np.empty((min(rows, matrix.shape[0]), matrix.shape[1]), dtype=np.bool_)
    for start in range(0, matrix.shape[0], rows):
        block = matrix[start:start + rows]
        hit = mask[: block.shape[0]]
        for j, target in enumerate(targets):
            np.equal(block, target, out=hit)
            # Summing the mask as int32 is about twice as fast as count_nonzero along an axis.
            counts[:, j] += hit.sum(axis=0, dtype=np.int32)
    return counts


def count_ratings(matrix: FloatMatrix, values: Sequence[float]) -> Counts:
    """Count each scale value per column of a float matrix (returns x statements, NaN = not rated)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"the ratings matrix must be 2-D (returns x statements), not {matrix.ndim}-D")
    return _count(matrix, values)


def encode(matrix: FloatMatrix, values: Sequence[float]) -> npt.NDArray[np.int8]:
    """Turn a float matrix into int8 codes: 0 = not rated, k = the k-th scale value (1-based)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    codes = np.zeros(matrix.shape, dtype=np.int8)
    for j, value in enumerate(values, start=1):
        codes[matrix == value] = j
    return codes


def count_codes(codes: npt.NDArray[np.int8], n_values: int) -> Counts:
    """Count each code (1..n_values) per column of an int8 code matrix; about twice as fast as floats."""
    if codes.ndim != 2:
        raise ValueError(f"the code matrix must be 2-D (returns x statements), not {codes.ndim}-D")
    return _count(codes, range(1, n_values + 1))


def figures_from_counts(counts: Counts, values: Sequence[float], precision: int,
                        levels: Sequence[Level], ids: Sequence[str]) -> list[Figures]:
    """Derive n, mean, min, max and every tied mode, vectorised over rows of a counts table."""
    v = np.asarray(values, dtype=np.float64)
    n = counts.sum(axis=1)
    total = counts @ v
    mean = np.divide(total, n, out=np.full(n.shape, np.nan), where=n > 0)
    present = counts > 0
    low = v[np.argmax(present, axis=1)]
    high = v[len(v) - 1 - np.argmax(present[:, ::-1], axis=1)]
    top = counts.max(axis=1, initial=0)
    is_mode = (counts == top[:, None]) & present
    # One conversion to Python lists, then plain loops: per-row numpy indexing costs more than the arithmetic.
    values_list = [float(x) for x in v]
    labels = [format_value(x) for x in values_list]
    out: list[Figures] = []
    rows = zip(levels, ids, n.tolist(), mean.tolist(), low.tolist(), high.tolist(), counts.tolist(),
               is_mode.tolist(), strict=True)
    for level, ident, count, m, lo, hi, row_counts, flags in rows:
        if count == 0:
            out.append(Figures(level, ident, 0, (), None, None, None, tuple(row_counts), "", ""))
            continue
        mode = tuple(x for x, flag in zip(values_list, flags, strict=True) if flag)
        mode_label = "/".join(label for label, flag in zip(labels, flags, strict=True) if flag)
        out.append(Figures(level, ident, count, mode, m, lo, hi, tuple(row_counts), mode_label,
                           excel_round(m, precision)))
    return out


def collate_counts(counts: Counts, layout: Layout) -> list[Figures]:
    """Figures for every row of a layout from per-statement counts (statements x scale values)."""
    values = layout.values
    ids = layout.statement_ids
    statements = figures_from_counts(counts, values, layout.precision, ["statement"] * len(ids), ids)
    if layout.groups:
        pooled = np.stack([counts[list(g.columns)].sum(axis=0) for g in layout.groups])
    else:
        pooled = np.zeros((0, len(values)), dtype=np.int64)
    groups = figures_from_counts(pooled, values, layout.precision, [g.level for g in layout.groups],
                                 [g.id for g in layout.groups])
    order = layout.order or tuple(("statement", i) for i in range(len(ids)))
    return [statements[i] if level == "statement" else groups[i] for level, i in order]


def collate(matrix: FloatMatrix, layout: Layout) -> list[Figures]:
    """The one scoring function: a float ratings matrix (returns x statements, NaN = not rated) -> figures."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(layout.statement_ids):
        raise ValueError(
            f"the ratings matrix has shape {matrix.shape}; expected (returns, {len(layout.statement_ids)})"
        )
    return collate_counts(count_ratings(matrix, layout.values), layout)


def collate_codes(codes: npt.NDArray[np.int8], layout: Layout) -> list[Figures]:
    """The same figures from an int8 code matrix made by `encode` (the fast path for large rounds)."""
    if codes.ndim != 2 or codes.shape[1] != len(layout.statement_ids):
        raise ValueError(f"the code matrix has shape {codes.shape}; expected (returns, {len(layout.statement_ids)})")
    return collate_counts(count_codes(codes, len(layout.values)), layout)


def overall(layout: Layout) -> Layout:
    """A layout pooling every statement into one row (a return's overall mean)."""
    everything = tuple(range(len(layout.statement_ids)))
    return Layout(layout.values, layout.statement_ids, (Group("section", "overall", everything),),
                          (("section", 0),), layout.precision)


def by_id(figures: Iterable[Figures]) -> dict[tuple[Level, str], Figures]:
    """Index figures by (level, id) for pages and workbooks."""
    return {(f.level, f.id): f for f in figures}
