"""Spreadsheet files as other programs save them, for tests that upload or import them."""

from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """A workbook with one sheet of these rows, as Excel saves it."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
