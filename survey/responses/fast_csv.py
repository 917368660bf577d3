"""The fast way to read a large CSV file of ratings: polars, when it is installed (`pip install
section11-survey[large-files]`). It gives exactly the grid the standard reader gives, or None when the file is
one polars would read differently (blank lines, another encoding, unusual quoting, ragged rows); the standard
reader then reads it and names whatever is wrong.
"""

from __future__ import annotations

import csv
import importlib.util
import io
from typing import Any

import numpy as np

from survey.responses.grid import EMPTY, Grid, finish_grid

UTF8_BOM = b"\xef\xbb\xbf"


def available() -> bool:
    """Whether polars is installed."""
    return importlib.util.find_spec("polars") is not None


def polars_grid(data: bytes, name: str, dialect: Any, max_rows: int) -> Grid | None:
    """The grid of a CSV file read by polars, or None if the standard reader must read it."""
    import polars as pl

    body = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    if (dialect.quotechar != '"' or dialect.escapechar or dialect.skipinitialspace or dialect.delimiter not in ",;\t"
            or b"\x00" in body[:4096] or b"\n" not in body
            or body[:1] in (b"\n", b"\r") or b"\n\n" in body or b"\n\r\n" in body):
        # UTF-16, old Mac line ends, and blank lines (polars skips them, people count them in row numbers).
        return None
    width = _width(body, dialect)
    if width is None:
        return None
    # Every column read straight into categories: each distinct text is stored once and every cell is a small
    # integer, so the file's ten million strings are never made.
    categories = pl.Categories.random()
    kind = pl.Categorical(categories)
    try:
        frame = pl.read_csv(io.BytesIO(body), has_header=False, schema={f"c{i}": kind for i in range(width)},
                            separator=dialect.delimiter, quote_char='"', encoding="utf8", raise_if_empty=False)
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None
    if frame.height < 1 or frame.height > max_rows + 1:
        return None
    header = tuple("" if v is None else str(v).strip() for v in frame.row(0))
    if not any(header):
        return None
    # Index 0 is the blank cell (an empty field, null to polars); category k is value k + 1.
    # (The categories live only as long as a column using them: read them first.)
    values = (EMPTY, *categories.to_series().to_list())
    # Column by column into one array, so no second copy of the whole file is ever held.
    cells = np.empty((frame.height - 1, width), dtype=np.int32)
    for index, column in enumerate(frame.iter_columns()):
        cells[:, index] = column.to_physical().slice(1).fill_null(-1).to_numpy()
    cells += 1
    del frame
    rows = np.arange(2, len(cells) + 2, dtype=np.int64)
    return finish_grid(Grid(name, header, 1, values, cells, rows, decimal_comma=dialect.delimiter == ";",
                            reader="polars"))


def _width(body: bytes, dialect: Any) -> int | None:
    """How many columns the header row has (None if it cannot be told from its first line)."""
    line = body[: body.find(b"\n")].rstrip(b"\r")
    try:
        cells = next(csv.reader([line.decode("utf-8")], dialect), None)
    except (UnicodeDecodeError, csv.Error):
        return None
    return len(cells) if cells else None
