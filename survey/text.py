"""Text hygiene, one rule for every way text comes in (forms, links, workbooks, CSV files): no control characters
a database or a reader would trip over, and no bidirectional overrides that make shown text read otherwise."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

# C0 controls but tab, newline and carriage return, and DEL: PostgreSQL refuses NUL in text, and none of them
# means anything in an answer. Word's manual line break (vertical tab) and page break (form feed) become newlines.
_TABLE: dict[int, str | None] = {code: None for code in (*range(0x20), 0x7F) if code not in (0x09, 0x0A, 0x0D)}
_TABLE.update({0x0B: "\n", 0x0C: "\n"})
# Embeddings, overrides and isolates (the "Trojan Source" characters): they reorder the text shown after them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TABLE.update(dict.fromkeys(map(ord, BIDI_CONTROLS)))


def clean_text(value: str) -> str:
    """The text without control characters (tab and line breaks kept) and without bidirectional overrides."""
    if value.isascii() and value.isprintable():
        return value  # the common case, checked at C speed
    return value.translate(_TABLE)


_BIDI_TABLE: dict[int, None] = dict.fromkeys(map(ord, BIDI_CONTROLS))


def without_bidi(value: str) -> str:
    """The text without bidirectional overrides (for showing text stored before they were refused at input)."""
    if value.isascii():
        return value
    return value.translate(_BIDI_TABLE)


# An evidence link: http(s) only (no javascript:, data: or ftp:), no spaces or quotes.
LINK = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def first_bad_link(lines: str) -> str | None:
    """The first line of an evidence links text that is not a link (for the message), or None if all are."""
    for line in lines.splitlines():
        if line.strip() and not LINK.match(line.strip()):
            return line.strip()
    return None


def link_problem(bad: str) -> str:
    """What to tell someone whose links text holds `bad`: the one wording for the form and the workbook."""
    return f"Enter each link on its own line, starting with https:// (not {bad[:40]!r})"


def email_address(text: str) -> str | None:
    """The address in lower case if it is a well-formed email address (by email-validator, as the sign-in form
    checks it), else None: one rule for forms, imports and the command line."""
    text = text.strip()
    if not text or len(text) > 254:
        return None
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return None
    return text.lower()


def possessive(name: str) -> str:
    """A name with its possessive: "Essex Police's", but "Children's Services'" (no "Services's")."""
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun: "1 challenge", "2 challenges"."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def file_name(*parts: str, ext: str) -> str:
    """A download's file name from what it holds, like "section-11-audit-2026-essex-police.xlsx": plain letters,
    digits and hyphens only, so it is safe in a header and on every file system."""
    words = unicodedata.normalize("NFKD", " ".join(parts)).encode("ascii", "ignore").decode().lower()
    stem = re.sub(r"[^a-z0-9]+", "-", words).strip("-")[:120].rstrip("-") or "download"
    return f"{stem}.{ext}"
