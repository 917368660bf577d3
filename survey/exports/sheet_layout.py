"""How the board workbook's sheets look on screen and on paper: one font every office suite has, cells that never
run as formulas, rows as tall as their wrapped text, and pages with the partnership, round and page number."""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

# Arial is in Excel and Numbers, and LibreOffice draws it with Liberation Sans, whose letters are the same widths:
# a row sized for it here is the right size everywhere. (Left unnamed, a bold font falls back to a serif.)
FONT = "Arial"
PLAIN = Font(name=FONT, size=10)
BOLD = Font(name=FONT, size=10, bold=True)
TITLE = Font(name=FONT, size=14, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
LINE = 13.0  # points per line of 10 pt Arial
PADDING = 3.0  # points above and below a cell's text
TALLEST = 409.0  # Excel's highest row, in points


def safe_text(value: str) -> str:
    """Text with the characters a workbook cannot hold removed."""
    return ILLEGAL.sub("", value)


def lines_needed(text: str, width: float) -> int:
    """How many lines a text takes in a wrapped cell of this column width (in Excel's character units).

    A column unit is one digit of the default font; 10 pt Arial fits a little more ordinary text than that, but
    words wrap whole, so the count assumes one character a unit less a margin and errs towards taller rows."""
    per_line = max(1, math.floor(width) - 1)
    return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True, break_on_hyphens=True)))
               for part in text.split("\n"))


def longest_word(text: str) -> int:
    """The length of a text's longest word."""
    return max((len(word) for word in text.split()), default=0)


@dataclass
class Sheet:
    """A write-only sheet that knows its column widths and how many rows it has, so that every row is given the
    height its wrapped cells need before it is written (a write-only sheet cannot change a row once written)."""

    ws: Any
    widths: Sequence[float]
    rows: int = 0

    def text(self, value: str, font: Font = PLAIN, wrap: bool = False) -> Any:
        """A text cell; always a string, so text starting with = + - @ or a tab is kept as text, never run."""
        cell = WriteOnlyCell(self.ws, value=safe_text(value))
        cell.data_type = "s"
        cell.font = font
        cell.alignment = WRAP if wrap else TOP
        return cell

    def number(self, value: float | int | None, number_format: str, font: Font = PLAIN) -> Any:
        """A number cell, or an empty cell for None."""
        if value is None:
            return None
        cell = WriteOnlyCell(self.ws, value=value)
        cell.number_format = number_format
        cell.font = font
        cell.alignment = TOP
        return cell

    def date(self, value: Any, number_format: str = "d mmm yyyy") -> Any:
        """A date or time cell."""
        cell = WriteOnlyCell(self.ws, value=value)
        cell.number_format = number_format
        cell.font = PLAIN
        cell.alignment = TOP
        return cell

    def header(self, titles: list[str]) -> None:
        """The header row: bold on grey, wrapped so that a long title is whole."""
        cells = []
        for title in titles:
            cell = self.text(title, BOLD, wrap=True)
            cell.fill = HEADER_FILL
            cells.append(cell)
        self.append(cells)

    def append(self, cells: list[Any]) -> None:
        """Write a row, as tall as its most wrapped cell needs."""
        self.rows += 1
        lines = 1
        for index, cell in enumerate(cells):
            if isinstance(cell, Cell) and cell.alignment.wrap_text and isinstance(cell.value, str):
                width = self.widths[index] if index < len(self.widths) else 8.43
                lines = max(lines, lines_needed(cell.value, width))
        if lines > 1:
            self.ws.row_dimensions[self.rows].height = min(TALLEST, lines * LINE + PADDING)
        self.ws.append(cells)


def new_sheet(wb: Any, title: str, widths: Sequence[float], *, header_row: int = 1, landscape: bool = True,
              page_title: tuple[str, str] = ("", "")) -> Sheet:
    """A sheet with its column widths, frozen header and page set-up: A4, fitted to the page width, the header
    row repeated on every page, the partnership and round at the top and "Page n of m" at the foot."""
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    partnership, round_title = page_title
    ws.oddHeader.left.text = _header_text(partnership)
    ws.oddHeader.center.text = _header_text(round_title)
    ws.oddHeader.right.text = "&A"  # the sheet's name
    ws.oddFooter.center.text = "Page &P of &N"
    for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.center):
        part.font = f"{FONT},Regular"
        part.size = 9
    return Sheet(ws, widths)


def _header_text(value: str) -> str:
    """Text for a page header: & starts a code there ("&P", the page), so a partnership's own & is doubled."""
    return safe_text(value).replace("&", "&&")[:100]
