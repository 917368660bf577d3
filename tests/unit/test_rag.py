"""Red, amber, green for an action: the rule, at its edges, on any day (today is given, never the clock's)."""

from __future__ import annotations

import datetime as dt

import pytest

from survey.rag import AMBER_DAYS, Rag, rag_for

DAYS = [dt.date(2027, 3, 31), dt.date(2031, 12, 31), dt.date(2040, 2, 29)]


@pytest.mark.parametrize("today", DAYS)
@pytest.mark.parametrize(("status", "offset", "colour", "why"), [
    ("done", -400, Rag.GREEN, "done"),
    ("done", 5, Rag.GREEN, "done"),
    ("in progress", -1, Rag.RED, "overdue by 1 day"),
    ("not started", -10, Rag.RED, "overdue by 10 days"),
    ("not started", 0, Rag.AMBER, "not started and due today"),
    ("not started", AMBER_DAYS, Rag.AMBER, f"not started and due in {AMBER_DAYS} days"),
    ("not started", AMBER_DAYS + 1, Rag.GREEN, f"not started, due in {AMBER_DAYS + 1} days"),
    ("in progress", 1, Rag.GREEN, "in progress, due in 1 day"),
])
def test_worked_out_from_the_due_date_and_status(today: dt.date, status: str, offset: int, colour: Rag,
                                                 why: str) -> None:
    found = rag_for(status, today + dt.timedelta(days=offset), today)
    assert (found.colour, found.why, found.set_by_hand) == (colour, why, False)


def test_the_boards_own_colour_stands_with_its_reason() -> None:
    today = dt.date(2031, 6, 1)
    found = rag_for("not started", today - dt.timedelta(days=90), today, "green", "Paused by the board in May")
    assert (found.colour, found.why, found.set_by_hand) == (Rag.GREEN, "set by the board: Paused by the board in May",
                                                            True)
    assert found.colour.label == "Green"


def test_no_due_date_is_amber() -> None:
    assert rag_for("in progress", None, dt.date(2031, 1, 1)).colour is Rag.AMBER
