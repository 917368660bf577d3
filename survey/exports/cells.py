"""The one rule for text that a spreadsheet could take for a formula, for every CSV and workbook the product
writes: cells starting with = + - @, a tab or a carriage return."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run this text (as the first thing in a cell) instead of showing it."""
    return text.startswith(FORMULA_START)


def csv_cell(value: object) -> object:
    """A CSV value that opens as text: formula-like text gets a leading apostrophe; anything else as it is."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


__all__ = ["FORMULA_START", "csv_cell", "looks_like_formula"]
