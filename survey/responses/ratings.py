"""What a cell of ratings may hold: a value on the scale, or nothing (blank, N/A). One check per distinct value."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from survey.responses.grid import Grid, text

NOT_RATED = {"", "n/a", "na", "not applicable"}
DEFAULT_VALUES = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
BAD = -1


class ResponsesError(Exception):
    """One clear line naming the file, the row and the value that is wrong."""


@dataclass(frozen=True, slots=True)
class Rules:
    """What ratings are acceptable: the allowed values and, with a definition, the statement ids."""

    values: tuple[float, ...] = DEFAULT_VALUES
    statement_ids: tuple[str, ...] | None = None
    half_points: bool = True
    questionnaire: str = ""


def rating(raw: Any, name: str, row: int, rules: Rules, decimal_comma: bool = False) -> float | None:
    """The scale value a cell holds, None when it is not rated; ResponsesError naming the row otherwise."""
    if isinstance(raw, tuple):  # a workbook's TRUE or FALSE, kept apart from 1 and 0
        raise ResponsesError(f"{name}: row {row}: rating {text(raw)} is not a number")
    shown = text(raw)
    if shown.lower() in NOT_RATED:
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        number = shown.replace(",", ".") if decimal_comma and _DECIMAL_COMMA.match(shown) else shown
        try:
            value = float(number)
        except ValueError:
            raise ResponsesError(f"{name}: row {row}: rating {shown!r} is not a number") from None
    if not math.isfinite(value):
        raise ResponsesError(f"{name}: row {row}: rating {shown!r} is not a number")
    if value in rules.values:
        return value
    low, high = rules.values[0], rules.values[-1]
    if low <= value <= high and not rules.half_points and (value * 2).is_integer():
        raise ResponsesError(f"{name}: row {row}: rating {value:g} is a half point, which "
                             f"{rules.questionnaire or 'the scale'} does not allow")
    raise ResponsesError(f"{name}: row {row}: rating {value:g} is not on the scale (allowed: "
                         f"{', '.join(f'{v:g}' for v in rules.values)})")


def codes(grid: Grid, columns: list[int], rules: Rules) -> npt.NDArray[np.int8]:
    """The int8 scale codes of some columns (0 = not rated, k = the k-th scale value); the first bad rating, in
    reading order, raises ResponsesError."""
    # A run of columns is a view, not a copy: the grid of a large file is hundreds of megabytes.
    run = columns == list(range(columns[0], columns[-1] + 1)) if columns else False
    cells = grid.cells[:, columns[0] : columns[-1] + 1] if run else grid.cells[:, columns]
    seen = np.zeros(len(grid.values), dtype=np.bool_)
    seen[cells] = True
    used = np.flatnonzero(seen)
    lookup = np.zeros(len(grid.values), dtype=np.int8)
    position = {value: k for k, value in enumerate(rules.values, start=1)}
    for index in used.tolist():
        try:
            value = rating(grid.values[index], grid.name, 0, rules, grid.decimal_comma)
        except ResponsesError:
            lookup[index] = BAD
            continue
        lookup[index] = 0 if value is None else position[value]
    out = lookup[cells]
    if (lookup[used] == BAD).any():
        record, column = divmod(int(np.argmax(out.ravel() == BAD)), len(columns))
        rating(grid.values[cells[record, column]], grid.name, int(grid.rows[record]), rules, grid.decimal_comma)
    return out
