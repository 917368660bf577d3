"""Read a spreadsheet of existing returns (CSV or XLSX, long or wide form) into a ratings matrix.

Long form: a header row naming `respondent`, `statement` and `rating` (any case, any order, other columns ignored),
then one row per rating. Wide form: a header row whose first column is `respondent` and whose other columns are
statement ids, then one row per respondent. A blank rating or N/A is not counted.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from survey.spreadsheets import OLE_SIGNATURE, XLSX_SIGNATURE, Limits, UnreadableFile, csv_rows, csv_text, xlsx_rows

NOT_RATED = {"", "n/a", "na", "not applicable"}
DEFAULT_VALUES = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
MAX_BYTES = 200 * 1024 * 1024


class ResponsesError(Exception):
    """One clear line naming the file, the row and the value that is wrong."""


@dataclass(frozen=True, slots=True)
class Responses:
    """Ratings read from a file: respondents x statements, NaN where not rated."""

    form: Literal["long", "wide"]
    respondents: tuple[str, ...]
    statement_ids: tuple[str, ...]
    matrix: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Rules:
    """What ratings are acceptable: the allowed values and, with a definition, the statement ids."""

    values: tuple[float, ...] = DEFAULT_VALUES
    statement_ids: tuple[str, ...] | None = None
    half_points: bool = True
    questionnaire: str = ""


def read_responses(path: str | Path, rules: Rules | None = None) -> Responses:
    """Read and check a CSV or XLSX file of ratings; raise ResponsesError on the first problem."""
    rules = rules or Rules()
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ResponsesError(f"{name}: the file is {size:,} bytes, over the {MAX_BYTES // 2**20} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise ResponsesError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    rows = _rows(data, name)
    header_row = next(rows, None)
    while header_row is not None and all(_cell(c) == "" for c in header_row):
        header_row = next(rows, None)
    if header_row is None:
        raise ResponsesError(f"{name}: the file is empty; expected a header row respondent,statement,rating")
    header = [_cell(c).strip().lower() for c in header_row]
    if {"respondent", "statement", "rating"} <= set(header):
        return _long(rows, header, name, rules)
    if header and header[0] == "respondent" and len(header) > 1:
        return _wide(rows, [_cell(c).strip() for c in header_row], name, rules)
    found = ", ".join(h for h in header if h) or "nothing"
    raise ResponsesError(
        f"{name}: row 1: the header must name the columns respondent, statement, rating (long form) or "
        f"respondent followed by statement ids (wide form); found: {found}"
    )


# Practitioner surveys reach thousands of respondents, and a long-form file has a row per rating.
LIMITS = Limits("a file of ratings", MAX_BYTES, 20 * MAX_BYTES, max_entries=10_000, max_rows=50_000_000,
                max_field=128 * 1024)


def _rows(data: bytes, name: str) -> Iterator[tuple[Any, ...]]:
    try:
        if data.startswith((XLSX_SIGNATURE, OLE_SIGNATURE)):
            rows: Iterator[Any] = xlsx_rows(data, name, LIMITS)
        else:
            text = csv_text(data, name)
            try:
                dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            rows = csv_rows(text, name, LIMITS, dialect)
        for row in rows:
            yield tuple(row)
    except UnreadableFile as exc:
        raise ResponsesError(str(exc)) from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rating(raw: Any, name: str, row: int, rules: Rules) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in NOT_RATED):
        return None
    if isinstance(raw, bool):
        raise ResponsesError(f"{name}: row {row}: rating {raw!r} is not a number")
    try:
        value = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        raise ResponsesError(f"{name}: row {row}: rating {_cell(raw)!r} is not a number") from None
    if not math.isfinite(value):
        raise ResponsesError(f"{name}: row {row}: rating {_cell(raw)!r} is not a number")
    if value in rules.values:
        return value
    low, high = rules.values[0], rules.values[-1]
    shown = f"{value:g}"
    if low <= value <= high and not rules.half_points and (value * 2).is_integer():
        raise ResponsesError(
            f"{name}: row {row}: rating {shown} is a half point, which {rules.questionnaire or 'the scale'} "
            "does not allow"
        )
    raise ResponsesError(
        f"{name}: row {row}: rating {shown} is not on the scale (allowed: "
        f"{', '.join(f'{v:g}' for v in rules.values)})"
    )


def _check_statement(sid: str, name: str, row: int, rules: Rules) -> None:
    if not sid:
        raise ResponsesError(f"{name}: row {row}: the statement id is blank")
    if rules.statement_ids is not None and sid not in rules.statement_ids:
        raise ResponsesError(
            f"{name}: row {row}: statement '{sid}' is not in {rules.questionnaire or 'the questionnaire'}"
        )


def _long(rows: Iterator[tuple[Any, ...]], header: Sequence[str], name: str, rules: Rules) -> Responses:
    col_r, col_s, col_v = (header.index(h) for h in ("respondent", "statement", "rating"))
    width = max(col_r, col_s, col_v) + 1
    respondents: dict[str, int] = {}
    statements: dict[str, int] = {}
    seen: dict[tuple[int, int], int] = {}
    cells: list[tuple[int, int, float]] = []
    for number, row in enumerate(rows, start=2):
        if all(_cell(c).strip() == "" for c in row):
            continue
        row = tuple(row) + (None,) * (width - len(row))
        who = _cell(row[col_r]).strip()
        sid = _cell(row[col_s]).strip()
        if not who:
            raise ResponsesError(f"{name}: row {number}: the respondent is blank")
        _check_statement(sid, name, number, rules)
        r = respondents.setdefault(who, len(respondents))
        s = statements.setdefault(sid, len(statements))
        if (r, s) in seen:
            raise ResponsesError(
                f"{name}: row {number}: respondent '{who}' already rated statement '{sid}' on row {seen[r, s]}"
            )
        seen[r, s] = number
        value = _rating(row[col_v], name, number, rules)
        if value is not None:
            cells.append((r, s, value))
    return _matrix("long", respondents, statements, cells)


def _wide(rows: Iterator[tuple[Any, ...]], header: Sequence[str], name: str, rules: Rules) -> Responses:
    columns = list(header[1:])
    while columns and columns[-1] == "":
        columns.pop()
    statements: dict[str, int] = {}
    for sid in columns:
        _check_statement(sid, name, 1, rules)
        if sid in statements:
            raise ResponsesError(f"{name}: row 1: statement '{sid}' has two columns")
        statements[sid] = len(statements)
    respondents: dict[str, int] = {}
    cells: list[tuple[int, int, float]] = []
    for number, row in enumerate(rows, start=2):
        if all(_cell(c).strip() == "" for c in row):
            continue
        who = _cell(row[0]).strip()
        if not who:
            raise ResponsesError(f"{name}: row {number}: the respondent is blank")
        if who in respondents:
            raise ResponsesError(f"{name}: row {number}: respondent '{who}' has two rows")
        r = respondents.setdefault(who, len(respondents))
        for s, raw in enumerate(row[1 : 1 + len(columns)]):
            value = _rating(raw, name, number, rules)
            if value is not None:
                cells.append((r, s, value))
    return _matrix("wide", respondents, statements, cells)


def _matrix(form: Literal["long", "wide"], respondents: dict[str, int], statements: dict[str, int],
            cells: list[tuple[int, int, float]]) -> Responses:
    matrix = np.full((len(respondents), len(statements)), np.nan)
    if cells:
        array = np.array(cells, dtype=np.float64)
        matrix[array[:, 0].astype(np.intp), array[:, 1].astype(np.intp)] = array[:, 2]
    return Responses(form, tuple(respondents), tuple(statements), matrix)
