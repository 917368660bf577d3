"""Dates as people type them into a GOV.UK date input (day, month, year boxes), the one form field for them, and
example dates that are always to come: one rule for every form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from wtforms import Field
from wtforms.utils import unset_value


def example(days_ahead: int = 30, today: dt.date | None = None) -> str:
    """A date a few weeks ahead as it is typed, like "31 3 2027", for hints and messages."""
    day = (today or dt.date.today()) + dt.timedelta(days=days_ahead)
    return f"{day.day} {day.month} {day.year}"


def not_real() -> str:
    """The message for a date that does not exist."""
    return f"Enter a real date, for example {example()}"


def from_parts(parts: tuple[str, str, str]) -> tuple[dt.date | None, str | None]:
    """The date typed as (day, month, year), or the message for one that is not real; (None, None) if blank."""
    if not any(parts):
        return None, None
    try:
        day, month, year = (int(p) for p in parts)
        if year < 1000:
            raise ValueError
        return dt.date(year, month, day), None
    except ValueError:
        return None, not_real()


def parts_from(form: Mapping[str, str], prefix: str) -> tuple[str, str, str]:
    """The three boxes of a date input named `prefix` in posted form data."""
    day, month, year = (str(form.get(f"{prefix}-{p}", "")).strip() for p in ("day", "month", "year"))
    return day, month, year


class GovDateField(Field):
    """A GOV.UK date input: three boxes named <name>-day, -month, -year; blank means no date."""

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.data = None if data is unset_value else data
        self.parts = ("", "", "")
        if formdata is None:
            if isinstance(data, dt.date):
                self.parts = (str(data.day), str(data.month), str(data.year))
            return
        self.parts = parts_from(formdata, self.name)
        self.data, problem = from_parts(self.parts)
        if problem:
            self.process_errors.append(problem)
