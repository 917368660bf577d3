"""Open a file of ratings as a grid: CSV (any separator Excel writes, UTF-8, UTF-16 or Windows-1252), XLSX or ODS.

Workbooks are read by python-calamine (cached values, not formulas); a formula Excel never calculated has no
value to read and is refused with its cell, rather than read as blank.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

from defusedxml import ElementTree

from survey.responses import fast_csv
from survey.responses.grid import Grid, grid_from_rows
from survey.responses.ratings import ResponsesError
from survey.spreadsheets import (
    OLE_SIGNATURE,
    XLSX_SIGNATURE,
    Limits,
    UnreadableFile,
    check_ods,
    check_xlsx,
    csv_rows,
    csv_text,
)

MAX_BYTES = 200 * 1024 * 1024
# Practitioner surveys reach thousands of respondents, and a long-form file has a row per rating.
LIMITS = Limits("a file of ratings", MAX_BYTES, 20 * MAX_BYTES, max_entries=10_000, max_rows=50_000_000,
                max_field=128 * 1024)
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# Which reader reads a CSV file: polars (if installed) for files from FAST_FROM bytes, or the standard library.
Reader = Literal["auto", "standard", "polars"]
FAST_FROM = 4 * 1024 * 1024  # below this, importing polars takes longer than reading the file
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 4096


def read_grid(path: Path, sheet: str | None = None, reader: Reader = "auto",
              progress: Progress | None = None) -> Grid:
    """The grid of a CSV, XLSX or ODS file; ResponsesError with one line on anything unreadable.

    `progress(done, total)` is told how many rows have been read, every few thousand rows."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ResponsesError(f"{name}: the file is {size:,} bytes, over the {MAX_BYTES // 2**20} MB limit")
        with path.open("rb") as handle:
            head = handle.read(120)
    except OSError as exc:
        raise ResponsesError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    try:
        if head.startswith((XLSX_SIGNATURE, OLE_SIGNATURE)):
            grid = _workbook(path, name, sheet, ods=head.startswith(XLSX_SIGNATURE) and _is_ods(head),
                             progress=progress)
        else:
            if sheet is not None:
                raise ResponsesError(f"{name}: --sheet is for workbooks; this is a CSV file")
            grid = _csv(_read(path, name), name, reader, progress)
    except UnreadableFile as exc:
        raise ResponsesError(str(exc)) from None
    if grid is None:
        raise ResponsesError(f"{name}: the file is empty; expected a header row respondent,statement,rating")
    return grid


def _read(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ResponsesError(f"{name}: cannot read the file ({exc.strerror or exc})") from None


def _csv(data: bytes, name: str, reader: Reader, progress: Progress | None) -> Grid | None:
    if reader == "polars" or (reader == "auto" and len(data) >= FAST_FROM and fast_csv.available()):
        dialect = _dialect(data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff"))
        grid = fast_csv.polars_grid(data, name, dialect, LIMITS.max_rows)
        if grid is not None:
            return grid
    text = csv_text(data, name)
    del data
    dialect = _dialect(text[:4096])
    rows = csv_rows(text, name, LIMITS, dialect)
    # Quoted line breaks make this a little more than the rows; the bar ends at the end of the file all the same.
    total = text.count("\n") + 1 if progress else 0
    # Excel in a European locale separates with semicolons and writes two and a half as 2,5.
    return grid_from_rows(_counted(rows, total, progress), name, decimal_comma=dialect.delimiter == ";")


def _counted(rows: Iterator[Any], total: int, progress: Progress | None) -> Iterator[Any]:
    """The rows, telling `progress` how many have gone by every few thousand."""
    if progress is None:
        yield from rows
        return
    done = 0
    for done, row in enumerate(rows, start=1):
        if not done % PROGRESS_EVERY:
            progress(done, max(total, done))
        yield row
    progress(done, done)


def _dialect(head: str) -> Any:
    """The separator and quoting of a CSV file, from its first few thousand characters."""
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _is_ods(head: bytes) -> bool:
    """An OpenDocument spreadsheet starts with its uncompressed mimetype entry."""
    return head[30:38] == b"mimetype" and ODS_MIMETYPE in head[38:120]


def _workbook(path: Path, name: str, sheet: str | None, *, ods: bool, progress: Progress | None) -> Grid | None:
    try:
        with path.open("rb") as handle:
            # Checked from the file, never held whole: calamine needs twenty times the file's size to parse a
            # sheet, and a copy of the file beside that would only add to it.
            if ods:
                check_ods(handle, name, LIMITS)
            else:
                check_xlsx(handle, name, LIMITS)
            chosen, workbook = _open_sheet(path, name, sheet)
            if not ods:
                _refuse_uncalculated(handle, name, chosen)
    except OSError as exc:
        raise ResponsesError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    try:
        table = workbook.get_sheet_by_name(chosen)
        merged = table.merged_cell_ranges or []
        top, left = table.start or (0, 0)
    except Exception:  # noqa: BLE001 - as above, for damage found while reading the sheet
        raise UnreadableFile(f"{name}: the sheet '{chosen}' is damaged and cannot be read") from None
    if top + table.height > LIMITS.max_rows + 1:
        raise UnreadableFile(f"{name}: more than {LIMITS.max_rows:,} rows; split the file")
    # Rows one at a time: a list of every row would hold each cell as a Python object at once. They start at
    # the sheet's first row, and at its first column with anything in it.
    rows = _carry_merged(table.iter_rows(), merged, left)
    # Every message names the sheet too: a workbook's other sheets may look alike.
    return grid_from_rows(_counted(rows, top + table.height, progress), f"{name} (sheet '{chosen}')",
                          sheet=chosen, key=_kept_apart, first_column=left)


def _open_sheet(path: Path, name: str, sheet: str | None) -> tuple[str, Any]:
    """The name of the sheet to read (the first unless one is asked for) and the workbook holding it."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
    except Exception:  # noqa: BLE001 - calamine raises many kinds for a damaged file; all mean the same here
        raise UnreadableFile(f"{name}: the workbook is damaged and cannot be read") from None
    if not names:
        raise UnreadableFile(f"{name}: the workbook has no sheets")
    chosen = sheet if sheet is not None else names[0]
    if chosen not in names:
        raise ResponsesError(f"{name}: there is no sheet '{chosen}'; the sheets are {', '.join(map(repr, names))}")
    return chosen, workbook


def _kept_apart(value: Any) -> Any:
    """TRUE and FALSE are not 1 and 0: keep them apart from numbers in the grid's distinct values."""
    return ("bool", "TRUE" if value else "FALSE") if type(value) is bool else value


Merged = list[tuple[tuple[int, int], tuple[int, int]]]


def _carry_merged(rows: Iterator[list[Any]], merged: Merged, left: int) -> Iterator[list[Any]]:
    """Give every cell of a merged range the range's value, as the person who merged them meant. `left` is the
    sheet column of each row's first cell."""
    if not merged:
        yield from rows
        return
    starting: dict[int, list[tuple[int, int, int]]] = {}
    for (top, first), (bottom, last) in merged:
        starting.setdefault(top, []).append((bottom, first - left, last - left))
    active: list[tuple[int, int, int, Any]] = []
    for number, row in enumerate(rows):
        for bottom, first, last in starting.get(number, ()):
            if 0 <= first < len(row):
                active.append((bottom, first, last, row[first]))
        active = [span for span in active if span[0] >= number]
        for _, first, last, value in active:
            for column in range(first, min(last, len(row) - 1) + 1):
                row[column] = value
        yield row


_UNCALCULATED = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*'
    rb'(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
_CHUNK = 8 * 1024 * 1024


def _refuse_uncalculated(handle: IO[bytes], name: str, sheet: str) -> None:
    """Refuse a formula with no saved value: calamine would read it as blank, and a rating would vanish."""
    with zipfile.ZipFile(handle) as archive:
        part = _sheet_part(archive, sheet)
        if part is None:
            return
        with archive.open(part) as handle:
            tail = b""
            while chunk := handle.read(_CHUNK):
                block = tail + chunk
                if b"<f" in block or b":f" in block:
                    found = _UNCALCULATED.search(block)
                    if found:
                        cell = found.group(1).decode()
                        raise ResponsesError(
                            f"{name} (sheet '{sheet}'): row {cell.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}: cell {cell} "
                            "has a formula that was never calculated, so it has no value to read; open "
                            "the file in Excel or LibreOffice, let it calculate, and save it again")
                tail = block[-4096:]


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip entry holding a sheet's cells, from the workbook and its relationships."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rid = next((el.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
                for el in book.iter() if el.tag.endswith("}sheet") and el.get("name") == sheet), None)
    target = next((el.get("Target") for el in rels.iter() if el.get("Id") == rid), None)
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    return path if path in archive.namelist() else None
