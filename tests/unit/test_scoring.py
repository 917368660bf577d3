"""Scoring on plain arrays: ties, halves, rounding, pooling, large matrices, and a slow reference."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from survey.definitions import load_file
from survey.scoring import (
    Figures,
    by_id,
    collate,
    collate_codes,
    encode,
    excel_round,
    layout_for,
    plain_layout,
)

NAN = math.nan
HALVES = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
BOARD = load_file(Path(__file__).resolve().parents[2] / "questionnaires" / "board-self-assessment.yaml")


def one(column: list[float], precision: int = 1) -> Figures:
    """Figures of a single statement rated by len(column) returns."""
    matrix = np.array(column, dtype=float).reshape(-1, 1)
    [figures] = collate(matrix, plain_layout(HALVES, ["s"], precision))
    return figures


@pytest.mark.parametrize(("ratings", "mode", "label"), [
    ([2, 2, 3, 3], (2.0, 3.0), "2/3"),
    ([1, 2, 3], (1.0, 2.0, 3.0), "1/2/3"),
    ([4, 4, 4, 4], (4.0,), "4"),
    ([3], (3.0,), "3"),
    ([2.5, 2.5, 3, NAN, NAN, NAN], (2.5,), "2.5"),
    ([1, 1.5, 1.5, 4, 4], (1.5, 4.0), "1.5/4"),
])
def test_modes(ratings: list[float], mode: tuple[float, ...], label: str) -> None:
    f = one(ratings)
    assert (f.mode, f.mode_label) == (mode, label)


def test_all_equal() -> None:
    f = one([3, 3, 3])
    assert (f.n, f.mean, f.min, f.max, f.range, f.mean_label, f.range_label) == (3, 3.0, 3.0, 3.0, 0.0, "3.0", "0")


def test_single_rating() -> None:
    f = one([NAN, 2.5, NAN])
    assert (f.n, f.mode, f.mean, f.range, f.mean_label) == (1, (2.5,), 2.5, 0.0, "2.5")


def test_all_nan_is_empty_never_zero() -> None:
    f = one([NAN, NAN, NAN])
    assert (f.n, f.mode, f.mean, f.min, f.max, f.range) == (0, (), None, None, None, None)
    assert (f.mode_label, f.mean_label, f.range_label) == ("", "", "")
    assert f.to_json() == {"level": "statement", "id": "s", "n": 0, "mode": [], "mode_label": "", "mean": None,
                           "mean_label": "", "range": None}


def test_no_returns_at_all() -> None:
    [f] = collate(np.empty((0, 1)), plain_layout(HALVES, ["s"]))
    assert f.n == 0 and f.mean is None


def test_half_points_and_ranges_with_halves() -> None:
    f = one([2, 3.5, 2.5])
    assert f.range == 1.5 and f.range_label == "1.5"
    assert f.counts == (0, 0, 1, 1, 0, 1, 0)
    assert f.mean == pytest.approx(8 / 3) and f.mean_label == "2.7"


@pytest.mark.parametrize(("ratings", "label"), [
    ([2, 2.5], "2.3"),                 # 2.25 -> 2.3 (half away from zero; numpy/Python round gives 2.2)
    ([2.5] * 14 + [2] * 6, "2.4"),     # 47 / 20 = 2.35 -> 2.4
    ([3.5] * 14 + [4] * 6, "3.7"),     # 73 / 20 = 3.65 -> 3.7
    ([2.5] * 3 + [3] * 17, "2.9"),     # 58.5 / 20 = 2.925 -> 2.9 (only the first decimal counts)
])
def test_rounding_at_the_five(ratings: list[float], label: str) -> None:
    assert one(ratings).mean_label == label


def test_excel_round_boundaries() -> None:
    assert excel_round(2.25, 1) == "2.3"
    assert excel_round(2.35, 1) == "2.4"      # 2.35 is 2.34999... in binary; Excel still shows 2.4
    assert excel_round(3.65, 1) == "3.7"
    assert excel_round(2.65, 1) == "2.7"
    assert excel_round(47 / 20, 1) == "2.4"    # a computed 2.35
    assert excel_round(73 / 20, 1) == "3.7"    # a computed 3.65
    assert excel_round(2.5, 0) == "3" and excel_round(3.5, 0) == "4"
    assert excel_round(2.125, 2) == "2.13" and excel_round(10 / 3, 3) == "3.333"


def test_precision_from_layout() -> None:
    assert one([1, 2, 2], precision=2).mean_label == "1.67"
    assert one([1, 2, 2], precision=0).mean_label == "2"


def test_pooling_for_duties_and_sections() -> None:
    layout = layout_for(BOARD)
    matrix = np.full((6, len(layout.statement_ids)), NAN)
    col = {sid: i for i, sid in enumerate(layout.statement_ids)}
    matrix[:, col["strategic-plan-1"]] = [2, 3, 3, 3, 3, 4]
    matrix[:, col["strategic-plan-2"]] = [2, 3, 3, 3, 3, 3]
    matrix[:, col["case-reviews-1"]] = [2, 2, 2, 3, NAN, 3.5]
    figures = by_id(collate(matrix, layout))
    duty = figures["duty", "strategic-plan"]
    assert (duty.n, duty.mode, duty.min, duty.max) == (12, (3.0,), 2.0, 4.0)
    assert duty.mean == pytest.approx(35 / 12)
    assert figures["duty", "annual-report"].n == 0 and figures["duty", "annual-report"].mean_label == ""
    section = figures["section", "statutory-duties"]
    assert section.n == 17 and section.mean == pytest.approx((35 + 12.5) / 17)
    assert section.mode == (3.0,) and section.range == 2.0
    assert figures["section", "enablers"].n == 0


def test_definition_order_is_preorder() -> None:
    rows = collate(np.full((1, 26), NAN), layout_for(BOARD))
    assert [(f.level, f.id) for f in rows[:6]] == [
        ("section", "statutory-duties"), ("duty", "strategic-plan"), ("statement", "strategic-plan-1"),
        ("statement", "strategic-plan-2"), ("duty", "annual-report"), ("statement", "annual-report-1")]
    assert len(rows) == 26 + 19 + 3


def test_codes_path_gives_the_same_figures() -> None:
    rng = np.random.default_rng(7)
    matrix = rng.choice(np.array(HALVES + (NAN,)), size=(300, 40))
    layout = plain_layout(HALVES, [f"s{i}" for i in range(40)])
    assert collate(matrix, layout) == collate_codes(encode(matrix, HALVES), layout)


def test_large_matrix() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.choice(np.array(HALVES), size=(20_000, 200))
    matrix[rng.random(matrix.shape) < 0.1] = NAN
    figures = collate(matrix, plain_layout(HALVES, [f"s{i}" for i in range(200)]))
    for j in (0, 57, 199):
        column = matrix[:, j][~np.isnan(matrix[:, j])]
        assert figures[j].n == column.size
        assert figures[j].mean == pytest.approx(column.mean())
        assert (figures[j].min, figures[j].max) == (column.min(), column.max())


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="expected"):
        collate(np.ones((2, 3)), plain_layout(HALVES, ["a", "b"]))


# -- a slow, obviously correct reference -------------------------------------------------------------------------
def reference(column: list[float]) -> tuple[int, tuple[float, ...], float | None, float | None, float | None]:
    """n, modes, mean, min, max the long way round."""
    rated = [x for x in column if not math.isnan(x)]
    if not rated:
        return 0, (), None, None, None
    tally: dict[float, int] = {}
    for x in rated:
        tally[x] = tally.get(x, 0) + 1
    top = max(tally.values())
    total = Decimal(0)
    for x in rated:
        total += Decimal(str(x))
    return len(rated), tuple(sorted(k for k, v in tally.items() if v == top)), float(total / len(rated)), \
        min(rated), max(rated)


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(0, 40), st.integers(1, 5)),
              elements=st.sampled_from(HALVES + (NAN,))))
def test_against_reference(matrix: np.ndarray) -> None:
    figures = collate(matrix, plain_layout(HALVES, [f"s{j}" for j in range(matrix.shape[1])]))
    for j, f in enumerate(figures):
        n, modes, mean, low, high = reference(list(matrix[:, j]))
        assert (f.n, f.mode, f.min, f.max) == (n, modes, low, high)
        if mean is None:
            assert f.mean is None and f.mean_label == ""
        else:
            assert f.mean == pytest.approx(mean, rel=1e-12)
            expected = Decimal(str(mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            assert f.mean_label == str(expected)


# -- Appendix 3 --------------------------------------------------------------------------------------------------
# Six agencies' ratings chosen to reproduce published rows of the Appendix 3 table (seed 001, line 1247):
# (statement, ratings, published mode, mean, range).
APPENDIX_ROWS = [
    ("strategic-plan-1", [2, 3, 3, 3, 3, 4], "3", "3.0", "2"),
    ("strategic-plan-2", [2, 3, 3, 3, 3, 3], "3", "2.8", "1"),
    ("case-reviews-1", [2, 2, 2, 3, 3, 3], "2/3", "2.5", "1"),
    ("data-intelligence-1", [2, 2, 3, 3, 3.5, 2.5], "2/3", "2.7", "1.5"),
    ("preventative-strategies-1", [3, 3, 3, 3, 3, 3], "3", "3.0", "0"),
    ("preventative-strategies-2", [1, 2, 2, 3, 3, 3], "3", "2.3", "2"),
    ("monitoring-review-1", [1, 2, 3, 3, 3, 3], "3", "2.5", "2"),
    ("aim-vision-1", [3, 3, 4, 4, 4, 4], "4", "3.7", "1"),
    ("leadership-2", [2.5, 3, 3, 3, 3.5, 4], "3", "3.2", "1.5"),
]


def test_appendix_3_published_rows() -> None:
    layout = layout_for(BOARD)
    matrix = np.full((6, len(layout.statement_ids)), NAN)
    col = {sid: i for i, sid in enumerate(layout.statement_ids)}
    for sid, ratings, *_ in APPENDIX_ROWS:
        matrix[:, col[sid]] = ratings
    figures = by_id(collate(matrix, layout))
    for sid, _, mode, mean, spread in APPENDIX_ROWS:
        f = figures["statement", sid]
        assert (f.mode_label, f.mean_label, f.range_label) == (mode, mean, spread), sid
    # The Annual Report duty published no figures at all.
    annual = figures["statement", "annual-report-1"]
    assert (annual.mode_label, annual.mean_label, annual.range_label) == ("", "", "")
