"""A questionnaire definition from a simple spreadsheet, so a board can bring its existing Word or Excel tool.

The first sheet (or a CSV) has a header row naming the columns section, duty, statement id, text and guidance
(any order and case; statement id and guidance may be left out or blank). Each row is a statement; sections and
duties are taken in the order they first appear, and their ids are made from their titles.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from openpyxl.utils.cell import get_column_letter

from survey.spreadsheets import (
    OLE_SIGNATURE,
    XLSX_SIGNATURE,
    Limits,
    UnreadableFile,
    csv_rows,
    csv_text,
    header_dialect,
    xlsx_rows,
)

from .errors import DefinitionError, Problem

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
        text = csv_text(data, name)
        return [[c.strip() for c in r] for r in csv_rows(text, name, LIMITS, header_dialect(text, COLUMNS))]
    except UnreadableFile as exc:
        raise SheetError([str(exc)]) from None


def _cell(header: list[str | None], key: str, row: int) -> str:
    """Where a field of a row is, as a spreadsheet names it ("cell D5")."""
    column = header.index(key) if key in header else 0
    return f"cell {get_column_letter(column + 1)}{row}"


_WHERE = re.compile(r"^sections\[(\d+)\](?:\.duties\[(\d+)\](?:\.statements\[(\d+)\])?)?(?:\.(\w+))?")


def definition_from_sheet(data: bytes, name: str, questionnaire_id: str, title: str, version: str = "1") -> str:
    """The YAML text of a definition built from the sheet; raise SheetError listing every problem with its cell."""
    rows = [(number, r) for number, r in enumerate(_rows(data, name), start=1) if any(r)]
    if not rows:
        raise SheetError([f"{name}: the sheet is empty; the first row must name the columns section, duty, "
                          "statement id, text, guidance"])
    header_row, header_cells = rows[0]
    header = [COLUMNS.get(c.strip().lower()) for c in header_cells]
    missing = [c for c in ("section", "duty", "text") if c not in header]
    if missing:
        raise SheetError([f"{name}: row {header_row}: the columns must include section, duty and text (and may "
                          f"include statement id and guidance); missing: {', '.join(missing)}"])
    if len(rows) - 1 > MAX_ROWS:
        raise SheetError([f"{name}: {len(rows) - 1} statements is more than the {MAX_ROWS} one sheet may hold"])
    problems: list[str] = []
    sections: dict[str, dict[str, Any]] = {}
    duty_ids: set[str] = set()
    statement_ids: dict[str, int] = {}
    first_row: dict[int, int] = {}  # id() of a section, duty or statement document -> the row it came from
    last_section = last_duty = ""
    for number, raw in rows[1:]:
        row = {key: (raw[i] if i < len(raw) else "") for i, key in enumerate(header) if key}
        # A blank section or duty carries the one above down, as merged cells in Word tables do.
        section_title = row.get("section") or last_section
        duty_title = row.get("duty") or last_duty
        text = row.get("text", "")
        if not section_title or not duty_title:
            problems.append(f"{name}: {_cell(header, 'section' if not section_title else 'duty', number)}: "
                            "give the section and the duty")
            continue
        if not text:
            problems.append(f"{name}: {_cell(header, 'text', number)}: the statement text is blank")
            continue
        last_section, last_duty = section_title, duty_title
        section = sections.setdefault(section_title, {"id": slug(section_title), "title": section_title,
                                                      "duties": {}})
        first_row.setdefault(id(section), number)
        duty = section["duties"].get(duty_title)
        if duty is None:
            duty_id = slug(duty_title)
            base, n = duty_id, 2
            while duty_id in duty_ids:
                duty_id, n = f"{base}-{n}", n + 1
            duty_ids.add(duty_id)
            duty = section["duties"][duty_title] = {"id": duty_id, "title": duty_title, "statements": []}
            first_row[id(duty)] = number
        statement_id = row.get("id") or f"{duty['id']}-{len(duty['statements']) + 1}"
        if statement_id in statement_ids:
            problems.append(f"{name}: {_cell(header, 'id', number)}: statement id {statement_id!r} is also on row "
                            f"{statement_ids[statement_id]}")
            continue
        statement_ids[statement_id] = number
        statement: dict[str, Any] = {"id": statement_id, "text": text}
        if row.get("guidance"):
            statement["guidance"] = row["guidance"]
        duty["statements"].append(statement)
        first_row[id(statement)] = number
    if problems:
        raise SheetError(problems)
    section_docs: list[dict[str, Any]] = [{"id": s["id"], "title": s["title"],
                                           "duties": list(s["duties"].values())} for s in sections.values()]
    for section_doc, section in zip(section_docs, sections.values(), strict=True):
        first_row[id(section_doc)] = first_row[id(section)]
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
        raise SheetError([_in_sheet(p, name, header, section_docs, first_row) for p in exc.problems]) from None
    return text


def _in_sheet(problem: Problem, name: str, header: list[str | None], sections: list[dict[str, Any]],
              first_row: dict[int, int]) -> str:
    """A problem of the YAML made from the sheet, told by the cell it came from (not a line of that YAML)."""
    found = _WHERE.match(problem.where)
    if found is None:  # about the questionnaire as a whole: its id, title or version from the form
        return f"{name}: {problem.message} — {problem.fix}"
    section_at, duty_at, statement_at, field = found.groups()
    item: dict[str, Any] = sections[int(section_at)]
    key = "section"
    if duty_at is not None:
        item, key = item["duties"][int(duty_at)], "duty"
        if statement_at is not None:
            item = item["statements"][int(statement_at)]
            key = {"id": "id", "guidance": "guidance"}.get(field or "", "text")
    return f"{name}: {_cell(header, key, first_row[id(item)])}: {problem.message} — {problem.fix}"


__all__ = ["SheetError", "definition_from_sheet", "slug"]
