"""Long and wide form: which columns hold what, and every check on respondents, statements and extra cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from survey.responses.grid import Grid, text
from survey.responses.ratings import ResponsesError, Rules, codes

LONG_COLUMNS = ("respondent", "statement", "rating")


@dataclass(frozen=True, slots=True)
class Responses:
    """Ratings read from a file: respondents x statements as int8 scale codes (0 = not rated)."""

    form: Literal["long", "wide"]
    respondents: tuple[str, ...]
    statement_ids: tuple[str, ...]
    codes: npt.NDArray[np.int8]
    values: tuple[float, ...]  # code k is values[k - 1]
    sheet: str | None = None
    reader: str = "standard"

    @property
    def matrix(self) -> npt.NDArray[np.float64]:
        """The ratings as floats, NaN where not rated."""
        lookup = np.array((np.nan, *self.values), dtype=np.float64)
        return lookup[self.codes]


def responses_from(grid: Grid, rules: Rules) -> Responses:
    """Read a grid as long or wide form, whichever its header names; ResponsesError on the first problem."""
    header = [h.lower() for h in grid.header]
    row = grid.header_row
    last = max((i for i, h in enumerate(header) if h), default=-1)
    named = [(h, i) for i, h in enumerate(header) if h in LONG_COLUMNS]
    for column in LONG_COLUMNS:
        where = [i for h, i in named if h == column]
        if len(where) > 1:
            raise ResponsesError(f"{grid.name}: row {row}: there are two '{column}' columns ({_letter(grid, where[0])} "
                                 f"and {_letter(grid, where[1])}); keep one")
    found = {h for h, _ in named}
    if found == set(LONG_COLUMNS):
        _no_overflow(grid, last)
        return _long(grid, rules, *(header.index(c) for c in LONG_COLUMNS))
    if found == {"respondent", "statement"}:
        raise ResponsesError(f"{grid.name}: row {row}: there is no rating column; the long form needs the columns "
                             f"respondent, statement and rating (found: {_found(grid.header)})")
    if header and header[0] == "respondent" and last > 0:
        _no_overflow(grid, last)
        return _wide(grid, rules, last)
    raise ResponsesError(
        f"{grid.name}: row {row}: the header must name the columns respondent, statement, rating (long form) or "
        f"respondent followed by statement ids (wide form); found: {_found(grid.header)}")


def _long(grid: Grid, rules: Rules, col_r: int, col_s: int, col_v: int) -> Responses:
    _no_records(grid)
    who = grid.column(col_r)
    respondents, who_index = _distinct(grid, who, "the respondent is blank")
    statements, what_index = _distinct(grid, grid.column(col_s), "the statement id is blank")
    for index, sid in enumerate(statements):
        if rules.statement_ids is not None and sid not in rules.statement_ids:
            raise ResponsesError(f"{grid.name}: row {_first_row(grid, what_index == index)}: statement '{sid}' is "
                                 f"not in {rules.questionnaire or 'the questionnaire'}")
    key = who_index.astype(np.int64) * len(statements) + what_index
    seen = np.bincount(key, minlength=len(respondents) * len(statements))
    if seen.max(initial=0) > 1:
        repeated = seen[key] > 1
        later = int(np.argmax(repeated & _not_first(key)))
        earlier = int(np.argmax(key == key[later]))
        raise ResponsesError(
            f"{grid.name}: row {grid.rows[later]}: respondent '{respondents[who_index[later]]}' already rated "
            f"statement '{statements[what_index[later]]}' on row {grid.rows[earlier]}")
    ratings = codes(grid, [col_v], rules)[:, 0]
    matrix = np.zeros((len(respondents), len(statements)), dtype=np.int8)
    matrix[who_index, what_index] = ratings
    return Responses("long", tuple(respondents), tuple(statements), matrix, rules.values, grid.sheet, grid.reader)


def _wide(grid: Grid, rules: Rules, last: int) -> Responses:
    statements: dict[str, int] = {}
    for sid in grid.header[1 : last + 1]:
        _check_statement(sid, grid.name, grid.header_row, rules)
        if sid in statements:
            raise ResponsesError(f"{grid.name}: row {grid.header_row}: statement '{sid}' has two columns")
        statements[sid] = len(statements)
    _no_records(grid)
    respondents, who_index = _distinct(grid, grid.column(0), "the respondent is blank")
    if len(respondents) < len(who_index):
        repeated = int(np.argmax(_not_first(who_index)))
        raise ResponsesError(f"{grid.name}: row {grid.rows[repeated]}: respondent "
                             f"'{respondents[who_index[repeated]]}' has two rows")
    matrix = codes(grid, list(range(1, last + 1)), rules)
    return Responses("wide", tuple(respondents), tuple(statements), matrix, rules.values, grid.sheet, grid.reader)


def _distinct(grid: Grid, column: npt.NDArray[np.int32], blank: str) -> tuple[list[str], npt.NDArray[np.int64]]:
    """The distinct texts of an id column in first-seen order, and each record's index into them."""
    texts = [text(v) for v in grid.values]
    blank_records = np.array([t == "" for t in texts])[column]
    if blank_records.any():
        raise ResponsesError(f"{grid.name}: row {grid.rows[int(np.argmax(blank_records))]}: {blank}")
    # Two spellings of one id (" a" and "a", or 3 and "3") are one id.
    order: dict[str, int] = {}
    where = _first_index(column, len(grid.values))
    present = np.flatnonzero(where < len(column))
    remap = np.zeros(len(grid.values), dtype=np.int64)
    for value in present[np.argsort(where[present], kind="stable")].tolist():
        remap[value] = order.setdefault(texts[value], len(order))
    return list(order), remap[column]


def _first_index(key: npt.NDArray[np.integer], size: int) -> npt.NDArray[np.int64]:
    """For each value 0..size-1, the index of its first entry in the array (len(key) where it is absent).
    Linear, where sorting ten million entries to find the same would take seconds."""
    first = np.full(size, len(key), dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key), dtype=np.int64))
    return first


def _not_first(key: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which entries repeat a value seen earlier in the array."""
    repeats: npt.NDArray[np.bool_] = _first_index(key, int(key.max(initial=0)) + 1)[key] != np.arange(len(key))
    return repeats


def _check_statement(sid: str, name: str, row: int, rules: Rules) -> None:
    if not sid:
        raise ResponsesError(f"{name}: row {row}: the statement id is blank")
    if rules.statement_ids is not None and sid not in rules.statement_ids:
        raise ResponsesError(f"{name}: row {row}: statement '{sid}' is not in "
                             f"{rules.questionnaire or 'the questionnaire'}")


def _no_records(grid: Grid) -> None:
    if not len(grid.rows):
        raise ResponsesError(f"{grid.name}: there is a header on row {grid.header_row} but no ratings under it")


def _no_overflow(grid: Grid, last: int) -> None:
    """Refuse a value in a column with no header: it would be silently left out."""
    found = grid.overflow
    if last + 1 < grid.cells.shape[1]:
        beyond = (grid.cells[:, last + 1 :] != 0).any(axis=1)
        if beyond.any():
            record = int(np.argmax(beyond))
            column = last + 1 + int(np.argmax(grid.cells[record, last + 1 :] != 0))
            if found is None or grid.rows[record] < found[0]:
                found = (int(grid.rows[record]), column)
    if found is not None:
        raise ResponsesError(f"{grid.name}: row {found[0]}: column {_letter(grid, found[1])} has a value but no "
                             "header; give the column a header or remove the value")


def _first_row(grid: Grid, records: npt.NDArray[np.bool_]) -> int:
    return int(grid.rows[int(np.argmax(records))])


def _found(header: tuple[str, ...]) -> str:
    return ", ".join(h for h in header if h) or "nothing"


def _letter(grid: Grid, index: int) -> str:
    """A 0-based index into the grid's rows as the sheet's column letters (0 -> A, 26 -> AA)."""
    letters = ""
    column = grid.first_column + index + 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
