"""The board's own words in its emails: texts with {placeholders}, checked when saved and filled when sent.

Only `{name}` placeholders from a known list are replaced, by plain text: nothing in a text can reach an
attribute, an index or a format specification (unlike str.format), and a brace that names no placeholder is
refused when the text is saved, with the list of those that can be used."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# What each editable text may use; every one is filled for every email of that kind.
PLACEHOLDERS: Mapping[str, Sequence[str]] = {
    "invitation": ("name", "partnership", "round", "agency", "deadline"),
    "reminder": ("name", "partnership", "round", "agency", "deadline", "days_left"),
    "overdue": ("name", "partnership", "round", "agency", "deadline", "days_overdue"),
}
MAX_TEXT = 3000


def problems(text: str, allowed: Sequence[str]) -> list[str]:
    """What is wrong with a text (empty list if nothing): unknown placeholders, stray braces, too long."""
    found = []
    if len(text) > MAX_TEXT:
        found.append(f"The text must be {MAX_TEXT} characters or fewer")
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text) if m.group(1) not in allowed})
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        usable = ", ".join("{" + name + "}" for name in allowed)
        found.append(f"{names} {'is not a placeholder' if len(unknown) == 1 else 'are not placeholders'}; "
                     f"use {usable}")
    if _PLACEHOLDER.sub("", text).count("{") or _PLACEHOLDER.sub("", text).count("}"):
        found.append("A brace { or } is not part of a placeholder; placeholders look like {agency}")
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each known placeholder replaced by its value (checked texts have no others)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
