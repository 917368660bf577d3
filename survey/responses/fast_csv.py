"""The fast way to read a large CSV file of ratings: polars, when it is installed (`pip install
section11-survey[large-files]`). It gives exactly the grid the standard reader gives, or None when the file is
one polars would read differently (blank lines, another encoding, unusual quoting, ragged rows); the standard
reader then reads it and names whatever is wrong.
"""

from __future__ import annotations

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
    try:
        frame = pl.read_csv(io.BytesIO(body), has_header=False, infer_schema=False, separator=dialect.delimiter,
                            quote_char='"', encoding="utf8", raise_if_empty=False)
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None
    if frame.height < 1 or frame.height > max_rows + 1:
        return None
    frame = frame.select(pl.all().fill_null(EMPTY))
    header = tuple(str(v).strip() for v in frame.row(0))
    if not any(header):
        return None
    # Each distinct cell value once, in first-seen order column by column; an Enum of them turns every column
    # into small integers in one pass.
    distinct = frame.select(pl.all().unique(maintain_order=True).implode()).row(0)
    values = [EMPTY, *dict.fromkeys(v for column in distinct for v in column if v != EMPTY)]
    cells = frame.select(pl.all().cast(pl.Enum(values)).to_physical()).to_numpy()[1:]
    del frame
    rows = np.arange(2, len(cells) + 2, dtype=np.int64)
    return finish_grid(Grid(name, header, 1, tuple(values), cells.astype(np.int32, copy=False), rows,
                            decimal_comma=dialect.delimiter == ";", reader="polars"))
