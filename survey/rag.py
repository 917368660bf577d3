"""Red, amber, green for an action: worked out from its due date and status, or set by the board with a reason.

The rule (shown on the areas page and in the board paper's method):
- done: green;
- past its due date and not done: red;
- not started and due within AMBER_DAYS days: amber;
- otherwise (in progress, or not started with time in hand): green.
A colour the board sets by hand stands, with its reason, until the action's status next changes.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

AMBER_DAYS = 30
RULE = (f"Worked out from each action's due date and status: green when done; red once the due date has passed; "
        f"amber when not started and due within {AMBER_DAYS} days; otherwise green. The board may set a colour "
        "itself, with its reason, which stands until the action's status changes.")


class Rag(enum.Enum):
    """The three colours, stored by value."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        """The colour as a word ("Amber"): never the colour alone."""
        return self.value.capitalize()


@dataclass(frozen=True, slots=True)
class RagRating:
    """An action's colour and why it has it."""

    colour: Rag
    why: str
    set_by_hand: bool = False


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def rag_for(status: str, due_on: dt.date | None, today: dt.date, override: str | None = None,
            reason: str = "") -> RagRating:
    """The colour of an action with this status ("not started", "in progress", "done") and due date, today."""
    if override:
        return RagRating(Rag(override), f"set by the board: {reason}" if reason else "set by the board", True)
    if status == "done":
        return RagRating(Rag.GREEN, "done")
    if due_on is None:
        return RagRating(Rag.AMBER, "no due date")
    left = (due_on - today).days
    if left < 0:
        return RagRating(Rag.RED, f"overdue by {_days(-left)}")
    due = "due today" if left == 0 else f"due in {_days(left)}"
    if status == "not started" and left <= AMBER_DAYS:
        return RagRating(Rag.AMBER, f"not started and {due}")
    return RagRating(Rag.GREEN, f"{status}, {due}")


__all__ = ["AMBER_DAYS", "RULE", "Rag", "RagRating", "rag_for"]
