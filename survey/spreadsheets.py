"""One set of checks for every spreadsheet or CSV file the product reads: return workbooks, the agencies import,
`survey score` and `survey questionnaire from-xlsx`. Each refuses a hostile or damaged file with one line that
names the file and says what to do, before anything large is parsed."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import IO, Any

XLSX_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or any password-protected Office file


BINARY_SNIFF = 4096  # a NUL this early means a binary file (a PDF, an old .xls); later, a stray character
RATIO_CHECKED_FROM = 16 * 1024 * 1024  # small files may compress as they like


class UnreadableFile(Exception):
    """The file cannot be read; the message names it and says why."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How large a file of one kind may be: on disk, expanded, in entries, rows and characters per cell."""

    holds: str  # what such a file holds, as in "far more than a return needs"
    max_bytes: int
    max_expanded: int
    max_entries: int = 2000
    max_rows: int = 10_000
    max_field: int = 128 * 1024
    # Sheet XML compresses about ten to one, twenty at most; a thousand to one is padding made to exhaust memory.
    max_ratio: int = 100


Package = bytes | IO[bytes]  # a workbook's bytes, or a file opened to read them from (for large files)


def check_xlsx(data: Package, name: str, limits: Limits) -> None:
    """Refuse anything but a plain, reasonably sized .xlsx before it is parsed."""
    head = _head(data)
    if head == OLE_SIGNATURE:
        raise UnreadableFile(f"{name}: this is an old Excel (.xls) file or a password-protected workbook; remove "
                             "any password and save it as .xlsx")
    if not head.startswith(XLSX_SIGNATURE):
        raise UnreadableFile(f"{name}: this is not an Excel .xlsx workbook (a CSV or another file renamed?)")
    names = _check_package(data, name, limits)
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnreadableFile(f"{name}: this is not an Excel .xlsx workbook")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UnreadableFile(f"{name}: the workbook contains macros; save it as a plain .xlsx workbook")
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise UnreadableFile(f"{name}: the workbook links to other files; remove the external links and save again")


def check_ods(data: Package, name: str, limits: Limits) -> None:
    """Refuse anything but a plain, reasonably sized OpenDocument spreadsheet (.ods) before it is parsed."""
    names = _check_package(data, name, limits)
    if "content.xml" not in names:
        raise UnreadableFile(f"{name}: this is not an OpenDocument spreadsheet (.ods)")
    if any(n.startswith("Basic/") or n.startswith("Scripts/") for n in names):
        raise UnreadableFile(f"{name}: the spreadsheet contains macros; save it without them")


def _head(data: Package) -> bytes:
    """A package's first eight bytes."""
    if isinstance(data, bytes):
        return data[:8]
    data.seek(0)
    return data.read(8)


def _size(data: Package) -> int:
    if isinstance(data, bytes):
        return len(data)
    return data.seek(0, io.SEEK_END)


def _check_package(data: Package, name: str, limits: Limits) -> set[str]:
    """The entry names of a zip package after its size, expansion and XML declarations are checked."""
    if _size(data) > limits.max_bytes:
        raise UnreadableFile(f"{name}: the file is larger than {_mb(limits.max_bytes)}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableFile(f"{name}: the workbook is damaged and cannot be read") from None
    expanded = sum(e.file_size for e in entries)
    ratio = expanded / max(1, sum(e.compress_size for e in entries))
    if (len(entries) > limits.max_entries or expanded > limits.max_expanded
            or (expanded > RATIO_CHECKED_FROM and ratio > limits.max_ratio)):
        raise UnreadableFile(f"{name}: the workbook expands to far more than {limits.holds} needs; it was not opened")
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(entry) as handle:
                    prolog = _prolog(handle, limits.max_expanded)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                raise UnreadableFile(f"{name}: the workbook is damaged and cannot be read") from None
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                raise UnreadableFile(f"{name}: the workbook contains XML declarations Excel never writes; it was not "
                                     "opened")
    return {e.filename for e in entries}


_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _prolog(handle: IO[bytes], limit: int) -> bytes:
    """An XML part's text before its root element: the only place a DOCTYPE (and so an entity) may be declared.
    Reading stops there, so a sheet of millions of cells is not inflated just to be checked."""
    head = b""
    while len(head) < limit:
        chunk = handle.read(64 * 1024)
        head += chunk
        found = _ROOT_ELEMENT.search(head)
        if found:
            return head[: found.start()]
        if not chunk:
            break
    return head


def xlsx_rows(data: bytes, name: str, limits: Limits) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows (cached values, not formulas), after `check_xlsx`; at most `max_rows` of them."""
    check_xlsx(data, name, limits)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        sheet = workbook.worksheets[0]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file; all mean the same here
        raise UnreadableFile(f"{name}: the workbook is damaged and cannot be read") from None

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > limits.max_rows + 1:  # the header and max_rows more
                    raise UnreadableFile(f"{name}: more than {limits.max_rows:,} rows; split the file")
                yield row
        except UnreadableFile:
            raise
        except Exception:  # noqa: BLE001 - as above, for damage found while reading on
            raise UnreadableFile(f"{name}: the workbook is damaged and cannot be read") from None
        finally:
            workbook.close()

    return rows()


def csv_text(data: bytes, name: str) -> str:
    """A CSV file's text: UTF-8 (with or without a byte order mark), UTF-16 (with or without one), or
    Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(f"{name}: this UTF-16 file is damaged; save it again as CSV UTF-8") from None
    if b"\x00" in data[:BINARY_SNIFF]:
        # Text saved as "Unicode" without a byte order mark: every other byte is zero for English text.
        sample = data[:BINARY_SNIFF]
        for encoding, zeros, letters in (("utf-16-le", sample[1::2], sample[0::2]),
                                         ("utf-16-be", sample[0::2], sample[1::2])):
            if zeros.count(0) > len(zeros) * 3 // 4 and letters.count(0) == 0 and len(data) % 2 == 0:
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    break
        raise UnreadableFile(f"{name}: this is not a CSV or XLSX file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in Windows-1252; accept it rather than make people re-save.
        return data.decode("cp1252", errors="replace")


def csv_rows(text: str, name: str, limits: Limits, dialect: Any = csv.excel) -> Iterator[list[str]]:
    """The rows of CSV text; a broken quote or an over-long cell is one line naming the row."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableFile(f"{name}: row {reader.line_num}: this is not a readable CSV file ({exc}); a cell "
                                 f"may be far too long (over {limits.max_field // 1024} KB), or a quote left open"
                                 ) from None
        number += 1
        if number > limits.max_rows + 1:
            raise UnreadableFile(f"{name}: more than {limits.max_rows:,} rows; split the file")
        if any(len(cell) > limits.max_field for cell in row):
            raise UnreadableFile(f"{name}: row {reader.line_num}: a cell is longer than {limits.max_field // 1024} KB")
        yield row


def header_dialect(text: str, columns: Collection[str]) -> Any:
    """The CSV dialect whose separator (comma, semicolon or tab) splits the header row into the most known column
    names: Excel saves CSV with semicolons where the decimal mark is a comma, and some tools save tabs."""
    first = next((line for line in text.lstrip("\ufeff").splitlines() if line.strip()), "")
    best, found = ",", 0
    for separator in (",", ";", "\t"):
        cells = next(csv.reader([first], delimiter=separator), [])
        known = sum(cell.strip().lower() in columns for cell in cells)
        if known > found:
            best, found = separator, known
    return type("HeaderDialect", (csv.excel,), {"delimiter": best})


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"
