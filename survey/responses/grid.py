"""A file of ratings as a grid of small integers: each distinct cell value is stored once, and every cell is an
index into those values. A practitioner survey of 50,000 respondents has a handful of distinct ratings, so the
grid takes four bytes a cell whatever the reader gave, and checking a rating once checks every cell that holds it.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import numpy.typing as npt

EMPTY = ""  # index 0 of every grid's values: a blank cell


@dataclass(frozen=True, slots=True)
class Grid:
    """The rows of a file after its header, as indexes into the distinct cell values."""

    name: str  # the file, as messages name it
    header: tuple[str, ...]  # the header row's cells as text, stripped
    header_row: int  # the header's row number in the file (1-based)
    values: tuple[Any, ...]  # the distinct cell values; values[0] is the blank cell
    cells: npt.NDArray[np.int32]  # records x len(header): an index into values per cell
    rows: npt.NDArray[np.int64]  # the file row number of each record
    # The first cell with a value right of the header row's last cell: (row number, 0-based column), if any.
    overflow: tuple[int, int] | None = None
    sheet: str | None = None  # the sheet read, for workbooks
    decimal_comma: bool = False  # a semicolon-separated file, where 2,5 means two and a half
    reader: str = "standard"  # what read the file: "standard" (the standard library or calamine) or "polars"
    first_column: int = 0  # the sheet column of each row's first cell (0 = A), for messages naming columns

    def column(self, index: int) -> npt.NDArray[np.int32]:
        """One column's cells."""
        return self.cells[:, index]


class _Factor(dict[Hashable, int]):
    """Distinct values, numbered in the order first seen; looking up a new value adds it."""

    def __missing__(self, key: Hashable) -> int:
        index = self[key] = len(self)
        return index


def grid_from_rows(rows: Iterable[Sequence[Any]], name: str, *, first_row: int = 1, sheet: str | None = None,
                   decimal_comma: bool = False, key: Any = None, first_column: int = 0) -> Grid | None:
    """Build a grid from rows of cell values (the header first, blank rows before it skipped); None if all blank.

    `key`, when given, turns a raw cell value into the value to store (a workbook's TRUE must not be taken for 1).
    Trailing blank cells are not counted as overflow, nor are blank rows as records."""
    numbered = iter(enumerate(rows, start=first_row))
    header_row, header_cells = 0, cast(Sequence[Any], ())
    for number, row in numbered:
        if any(_text(c) for c in row):
            header_row, header_cells = number, row
            break
    if not header_row:
        return None
    header = tuple(_text(c) for c in header_cells)
    width = len(header)
    factor = _Factor({EMPTY: 0})
    lookup = factor.__getitem__
    flat: array[int] = array("i")
    numbers: array[int] = array("q")
    blank_row = [0] * width
    overflow: tuple[int, int] | None = None
    for number, row in numbered:
        cells: list[int] = list(map(lookup, row if key is None else map(key, row)))
        if len(cells) != width:
            if len(cells) > width:
                extra = next((i for i in range(width, len(row)) if _text(row[i])), None)
                if extra is not None and overflow is None:
                    overflow = (number, extra)
                del cells[width:]
            else:
                cells.extend([0] * (width - len(cells)))
        if cells == blank_row:  # a quick skip; rows of other blanks go in finish_grid
            continue
        flat.extend(cells)
        numbers.append(number)
    cells_array = np.frombuffer(flat, dtype=np.int32).reshape(-1, width) if width else np.zeros((0, 0), np.int32)
    return finish_grid(Grid(name, header, header_row, tuple(factor), cells_array,
                            np.frombuffer(numbers, dtype=np.int64), overflow, sheet, decimal_comma,
                            first_column=first_column))


def finish_grid(grid: Grid) -> Grid:
    """The grid with every spelling of a blank ("  ", None) as the blank cell and rows of blanks left out."""
    blanks = [i for i, v in enumerate(grid.values) if _text(v) == ""]
    cells, rows = grid.cells, grid.rows
    if len(blanks) > 1 or blanks != [0]:
        remap = np.arange(len(grid.values), dtype=np.int32)
        remap[blanks] = 0
        cells = remap[cells]
    kept = (cells != 0).any(axis=1)
    if not kept.all():
        cells, rows = cells[kept], rows[kept]
    return replace(grid, cells=np.ascontiguousarray(cells, dtype=np.int32), rows=rows)


def _text(value: Any) -> str:
    """A cell value as the text a person sees, stripped: a whole number without its .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):  # a workbook value kept apart from look-alikes: (kind, text)
        return str(value[1])
    return str(value).strip()


def text(value: Any) -> str:
    """The text of a grid value, as messages show it."""
    return _text(value)
