"""survey.disclosure: the one rule for what collated figures may be shown, within a release and across releases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.definitions import load_file
from survey.disclosure import republishable, shown, statement_shown

BOARD = load_file(Path(__file__).resolve().parents[2] / "questionnaires" / "board-self-assessment.yaml")
K = 3
ALL = {s.id: 6 for _, _, s in BOARD.statements()}


def test_at_least_k_ratings_show_a_statement__ok() -> None:
    result = shown(BOARD, ALL, K)
    assert all(result.values())


@pytest.mark.parametrize("n", [1, 2])
def test_fewer_than_k_ratings_hide_the_statement_its_duty_and_section__error(n: int) -> None:
    result = shown(BOARD, {**ALL, "strategic-plan-2": n}, K)
    assert not result[("statement", "strategic-plan-2")]
    assert not result[("duty", "strategic-plan")] and not result[("section", "statutory-duties")]
    assert result[("statement", "strategic-plan-1")] and result[("duty", "annual-report")]
    assert result[("section", "statutory-guidance")]


def test_an_unrated_statement_leaves_its_duty_shown__ok() -> None:
    result = shown(BOARD, {**ALL, "strategic-plan-2": 0}, K)
    assert not result[("statement", "strategic-plan-2")] and result[("duty", "strategic-plan")]


@pytest.mark.parametrize(("difference", "expected"), [(0, True), (1, False), (2, False), (3, True), (7, True)])
def test_a_statement_differing_from_an_earlier_release_by_fewer_than_k_is_hidden(difference: int,
                                                                                 expected: bool) -> None:
    result = shown(BOARD, ALL, K, [{"case-reviews-1": difference}])
    assert result[("statement", "case-reviews-1")] is expected
    assert result[("duty", "case-reviews")] is expected and result[("section", "statutory-duties")] is expected
    assert result[("statement", "strategic-plan-1")], "other statements are compared on their own"


def test_every_earlier_release_is_compared__error() -> None:
    result = shown(BOARD, ALL, K, [{"case-reviews-1": 3}, {"case-reviews-1": 1}])
    assert not result[("statement", "case-reviews-1")]


def test_a_statement_nobody_rates_now_still_guards_its_pool__error() -> None:
    # An earlier release pooled two ratings of it that are gone now: the pools would give them away.
    result = shown(BOARD, {**ALL, "strategic-plan-2": 0}, K, [{"strategic-plan-2": 2}])
    assert not result[("duty", "strategic-plan")]


@pytest.mark.parametrize(("previous", "now", "expected"), [(3, 4, False), (3, 5, False), (3, 6, True), (0, 3, True)])
def test_republishing_needs_k_more_returns(previous: int, now: int, expected: bool) -> None:
    assert republishable(previous, now, K) is expected


@given(st.integers(0, 50), st.lists(st.integers(0, 50), max_size=4), st.integers(1, 10))
def test_a_shown_statement_is_never_within_k_of_anything_released(rated: int, differences: list[int],
                                                                   k: int) -> None:
    if statement_shown(rated, k, differences):
        assert rated >= k and all(d == 0 or d >= k for d in differences)
