"""A questionnaire definition from a simple spreadsheet, so a board can bring its existing Word or Excel tool.

The first sheet (or a CSV) has a header row naming the columns section, duty, statement id, text and guidance
(any order and case; statement id and guidance may be left out or blank). Each row is a statement; sections and
duties are taken in the order they first appear, and their ids are made from their titles.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from survey.spreadsheets import OLE_SIGNATURE, XLSX_SIGNATURE, Limits, UnreadableFile, csv_rows, csv_text, xlsx_rows

from .errors import DefinitionError

COLUMNS = {"section": "section", "duty": "duty", "statement id": "id", "statement_id": "id", "id": "id",
           "text": "text", "statement": "text", "guidance": "guidance"}
SCALE = [{"value": 1, "label": "Poor"}, {"value": 2, "label": "Adequate"}, {"value": 3, "label": "Good"},
         {"value": 4, "label": "Outstanding"}]
MAX_ROWS = 2000


class SheetError(Exception):
    """The spreadsheet cannot become a definition; `problems` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def slug(text: str) -> str:
    """An id from a title: lower case words joined by hyphens, at most 60 characters."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60].strip("-") or "item"


LIMITS = Limits("a questionnaire", max_bytes=5 * 1024 * 1024, max_expanded=60 * 1024 * 1024, max_rows=MAX_ROWS)


def _rows(data: bytes, name: str) -> list[list[str]]:
    try:
        if data.startswith((XLSX_SIGNATURE, OLE_SIGNATURE)):
            return [["" if c is None else str(c).strip() for c in r] for r in xlsx_rows(data, name, LIMITS)]
        return [[c.strip() for c in r] for r in csv_rows(csv_text(data, name), name, LIMITS)]
    except UnreadableFile as exc:
        raise SheetError([str(exc)]) from None


def definition_from_sheet(data: bytes, name: str, questionnaire_id: str, title: str, version: str = "1") -> str:
    """The YAML text of a definition built from the sheet; raise SheetError listing every problem."""
    rows = [r for r in _rows(data, name) if any(r)]
    if not rows:
        raise SheetError([f"{name}: the sheet is empty; the first row must name the columns section, duty, "
                          "statement id, text, guidance"])
    header = [COLUMNS.get(c.strip().lower()) for c in rows[0]]
    missing = [c for c in ("section", "duty", "text") if c not in header]
    if missing:
        raise SheetError([f"{name}: row 1: the columns must include section, duty and text (and may include "
                          f"statement id and guidance); missing: {', '.join(missing)}"])
    if len(rows) - 1 > MAX_ROWS:
        raise SheetError([f"{name}: {len(rows) - 1} statements is more than the {MAX_ROWS} one sheet may hold"])
    problems: list[str] = []
    sections: dict[str, dict[str, Any]] = {}
    duty_ids: set[str] = set()
    statement_ids: dict[str, int] = {}
    last_section = last_duty = ""
    for number, raw in enumerate(rows[1:], start=2):
        row = {key: (raw[i] if i < len(raw) else "") for i, key in enumerate(header) if key}
        # A blank section or duty carries the one above down, as merged cells in Word tables do.
        section_title = row.get("section") or last_section
        duty_title = row.get("duty") or last_duty
        text = row.get("text", "")
        if not section_title or not duty_title:
            problems.append(f"{name}: row {number}: give the section and the duty")
            continue
        if not text:
            problems.append(f"{name}: row {number}: the statement text is blank")
            continue
        last_section, last_duty = section_title, duty_title
        section = sections.setdefault(section_title, {"id": slug(section_title), "title": section_title,
                                                      "duties": {}})
        duty = section["duties"].get(duty_title)
        if duty is None:
            duty_id = slug(duty_title)
            base, n = duty_id, 2
            while duty_id in duty_ids:
                duty_id, n = f"{base}-{n}", n + 1
            duty_ids.add(duty_id)
            duty = section["duties"][duty_title] = {"id": duty_id, "title": duty_title, "statements": []}
        statement_id = row.get("id") or f"{duty['id']}-{len(duty['statements']) + 1}"
        if statement_id in statement_ids:
            problems.append(f"{name}: row {number}: statement id {statement_id!r} is also on row "
                            f"{statement_ids[statement_id]}")
            continue
        statement_ids[statement_id] = number
        statement: dict[str, Any] = {"id": statement_id, "text": text}
        if row.get("guidance"):
            statement["guidance"] = row["guidance"]
        duty["statements"].append(statement)
    if problems:
        raise SheetError(problems)
    section_docs: list[dict[str, Any]] = [{"id": s["id"], "title": s["title"],
                                           "duties": list(s["duties"].values())} for s in sections.values()]
    # Section ids made from titles may clash with each other or with a duty's; number them apart.
    seen: set[str] = set()
    for section_doc in section_docs:
        base, n = section_doc["id"], 2
        while section_doc["id"] in seen or section_doc["id"] in duty_ids:
            section_doc["id"], n = f"{base}-{n}", n + 1
        seen.add(section_doc["id"])
    document = {
        "id": questionnaire_id, "title": title, "version": str(version), "precision": 1, "anonymity_threshold": 3,
        "anonymous_results": True, "scale": {"half_points": False, "not_applicable": False, "points": SCALE},
        "sections": section_docs,
    }
    text = (f"# Made by `survey questionnaire from-xlsx` from {name}; check it, then edit the scale and "
            "settings as the board needs.\n" + yaml.safe_dump(document, sort_keys=False, allow_unicode=True,
                                                               width=110))
    from survey.definitions import load_text  # the package imports this module's siblings first

    try:
        load_text(text, f"{questionnaire_id}.yaml")
    except DefinitionError as exc:
        raise SheetError([str(p) for p in exc.problems]) from None
    return text


__all__ = ["SheetError", "definition_from_sheet", "slug"]
