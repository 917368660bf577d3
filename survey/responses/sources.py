"""Open a file of ratings as a grid: CSV (any separator Excel writes, UTF-8, UTF-16 or Windows-1252), XLSX or ODS.

Workbooks are read by python-calamine (cached values, not formulas); a formula Excel never calculated has no
value to read and is refused with its cell, rather than read as blank.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Literal

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


def read_grid(path: Path, sheet: str | None = None, reader: Reader = "auto") -> Grid:
    """The grid of a CSV, XLSX or ODS file; ResponsesError with one line on anything unreadable."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ResponsesError(f"{name}: the file is {size:,} bytes, over the {MAX_BYTES // 2**20} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise ResponsesError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    try:
        if data.startswith(XLSX_SIGNATURE) and _is_ods(data):
            grid = _workbook(data, name, sheet, ods=True)
        elif data.startswith((XLSX_SIGNATURE, OLE_SIGNATURE)):
            grid = _workbook(data, name, sheet, ods=False)
        else:
            if sheet is not None:
                raise ResponsesError(f"{name}: --sheet is for workbooks; this is a CSV file")
            grid = _csv(data, name, reader)
    except UnreadableFile as exc:
        raise ResponsesError(str(exc)) from None
    if grid is None:
        raise ResponsesError(f"{name}: the file is empty; expected a header row respondent,statement,rating")
    return grid


def _csv(data: bytes, name: str, reader: Reader) -> Grid | None:
    if reader == "polars" or (reader == "auto" and len(data) >= FAST_FROM and fast_csv.available()):
        dialect = _dialect(data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff"))
        grid = fast_csv.polars_grid(data, name, dialect, LIMITS.max_rows)
        if grid is not None:
            return grid
    text = csv_text(data, name)
    dialect = _dialect(text[:4096])
    # Excel in a European locale separates with semicolons and writes two and a half as 2,5.
    return grid_from_rows(csv_rows(text, name, LIMITS, dialect), name, decimal_comma=dialect.delimiter == ";")


def _dialect(head: str) -> Any:
    """The separator and quoting of a CSV file, from its first few thousand characters."""
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _is_ods(data: bytes) -> bool:
    """An OpenDocument spreadsheet starts with its uncompressed mimetype entry."""
    return data[30:38] == b"mimetype" and ODS_MIMETYPE in data[38:120]


def _workbook(data: bytes, name: str, sheet: str | None, *, ods: bool) -> Grid | None:
    if ods:
        check_ods(data, name, LIMITS)
    else:
        check_xlsx(data, name, LIMITS)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except Exception:  # noqa: BLE001 - calamine raises many kinds for a damaged file; all mean the same here
        raise UnreadableFile(f"{name}: the workbook is damaged and cannot be read") from None
    if not names:
        raise UnreadableFile(f"{name}: the workbook has no sheets")
    chosen = sheet if sheet is not None else names[0]
    if chosen not in names:
        raise ResponsesError(f"{name}: there is no sheet '{chosen}'; the sheets are {', '.join(map(repr, names))}")
    if not ods:
        _refuse_uncalculated(data, name, chosen)
    try:
        table = workbook.get_sheet_by_name(chosen)
        rows = table.to_python(skip_empty_area=False)
        merged = table.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - as above, for damage found while reading the sheet
        raise UnreadableFile(f"{name}: the sheet '{chosen}' is damaged and cannot be read") from None
    if len(rows) > LIMITS.max_rows + 1:
        raise UnreadableFile(f"{name}: more than {LIMITS.max_rows:,} rows; split the file")
    _carry_merged(rows, merged)
    # Every message names the sheet too: a workbook's other sheets may look alike.
    return grid_from_rows(rows, f"{name} (sheet '{chosen}')", sheet=chosen, key=_kept_apart)


def _kept_apart(value: Any) -> Any:
    """TRUE and FALSE are not 1 and 0: keep them apart from numbers in the grid's distinct values."""
    return ("bool", "TRUE" if value else "FALSE") if type(value) is bool else value


def _carry_merged(rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Give every cell of a merged range the range's value, as the person who merged them meant."""
    for (top, left), (bottom, right) in merged:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value


_UNCALCULATED = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*'
    rb'(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
_CHUNK = 8 * 1024 * 1024


def _refuse_uncalculated(data: bytes, name: str, sheet: str) -> None:
    """Refuse a formula with no saved value: calamine would read it as blank, and a rating would vanish."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
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
