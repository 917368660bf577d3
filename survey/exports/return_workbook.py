"""An agency's return as an Excel workbook to draft offline, and reading one back with every problem listed.

The workbook has an Instructions sheet, one sheet per section (a row per statement: id, duty, statement and
guidance locked; rating, commentary, evidence and action cells open) and a very hidden Identity sheet naming the
round, agency, return and definition version, the revision of each answer when it was downloaded, and an HMAC
signature over all of that and the sheet layout, so a file cannot be imported into the wrong return or with its
structure changed.

survey.exports.return_workbook_reader reads one back."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from survey.answer_values import AnswerValues
from survey.definitions import Questionnaire, format_value
from survey.exports.cells import looks_like_formula

IDENTITY_SHEET = "Identity"
INSTRUCTIONS_SHEET = "Instructions"
MAX_BYTES = 5 * 1024 * 1024
MAX_EXPANDED = 60 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_COMMENTARY = 5000
MAX_NOTES = 2000
NA = "N/A"
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
OPEN_FILL = PatternFill("solid", fgColor="FFF7D6")
WRAP = Alignment(wrap_text=True, vertical="top")
BASE_COLUMNS = ["Statement id", "Duty", "Statement", "Guidance", "Rating", "Commentary", "Evidence notes",
                "Evidence links"]
ACTION_COLUMNS = ["Action: what", "Action: who", "Action: by (date)"]


def example_date() -> str:
    """A date three months ahead as a spreadsheet shows it, like 31/03/2027, for hints and messages."""
    return (dt.date.today() + dt.timedelta(days=90)).strftime("%d/%m/%Y")


@dataclass(frozen=True, slots=True)
class Identity:
    """Which return a workbook belongs to, and the revision of each answer when it was downloaded."""

    round_id: int
    agency_id: int
    return_id: int
    definition_hash: str
    issued_at: str
    revisions: dict[str, int] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)

    def payload(self) -> str:
        """The canonical text the signature covers."""
        return json.dumps({"round": self.round_id, "agency": self.agency_id, "return": self.return_id,
                           "definition": self.definition_hash, "issued": self.issued_at,
                           "revisions": self.revisions, "digests": self.digests}, sort_keys=True)


class WorkbookError(Exception):
    """The workbook cannot be imported; `problems` lists every one as "Sheet!Cell: message"."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def sheet_titles(questionnaire: Questionnaire) -> list[str]:
    """The section sheet names: "1. Title" cut to Excel's 31 characters."""
    out = []
    for number, section in enumerate(questionnaire.sections, start=1):
        name = f"{number}. {' '.join(SHEET_NAME_BAD.sub(' ', section.title).split())}".rstrip("'")
        out.append(name if len(name) <= 31 else name[:30].rstrip() + "…")
    return out


def columns(questionnaire: Questionnaire) -> list[str]:
    """The column headings of a section sheet."""
    return BASE_COLUMNS + (ACTION_COLUMNS if questionnaire.requires_action_below is not None else [])


def layout_digest(questionnaire: Questionnaire) -> str:
    """A fingerprint of where each statement sits, so an edited structure is noticed."""
    places = [[title, row, st.id] for title, section in zip(sheet_titles(questionnaire), questionnaire.sections,
                                                            strict=True)
              for row, st in enumerate((st for d in section.duties for st in d.statements), start=2)]
    return hashlib.sha256(json.dumps([places, columns(questionnaire)]).encode()).hexdigest()


def sign(identity: Identity, questionnaire: Questionnaire, secret: str) -> str:
    """The HMAC signature of an identity and the layout."""
    message = f"{identity.payload()}|{layout_digest(questionnaire)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def allowed_ratings(questionnaire: Questionnaire) -> list[str]:
    """What a rating cell may hold: each value of the scale as text, and N/A where the scale allows it."""
    values = [format_value(v) for v in questionnaire.scale.values()]
    return values + ([NA] if questionnaire.scale.not_applicable else [])


def write_return_workbook(questionnaire: Questionnaire, identity: Identity, answers: dict[str, AnswerValues],
                          title: str, secret: str, out: str | Path | IO[bytes]) -> None:
    """Write the workbook for one return, with its current answers filled in."""
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    intro = wb.create_sheet(INSTRUCTIONS_SHEET)
    _instructions(intro, questionnaire, title)
    heads = columns(questionnaire)
    allowed = allowed_ratings(questionnaire)
    for sheet_title, section in zip(sheet_titles(questionnaire), questionnaire.sections, strict=True):
        ws = wb.create_sheet(sheet_title)
        ws.append(heads)
        for cell in ws[1]:
            cell.font, cell.fill, cell.alignment = Font(bold=True), HEADER_FILL, WRAP
        for duty in section.duties:
            for st in duty.statements:
                v = answers.get(st.id, AnswerValues())
                rating: Any = NA if v.not_applicable else v.rating
                row: list[Any] = [st.id, duty.title, st.text, st.guidance, rating, v.commentary, v.evidence_notes,
                                  v.evidence_links]
                if len(heads) > len(BASE_COLUMNS):
                    row += [v.action_what, v.action_who, v.action_by]
                ws.append(row)
        last = ws.max_row
        for line in ws.iter_rows(min_row=2, max_row=last):
            for cell in line:
                cell.alignment = WRAP
                if cell.column >= 5:  # answer cells are the only ones people may change
                    cell.protection = Protection(locked=False)
                    cell.fill = OPEN_FILL
                if cell.column == 11 and cell.value is not None:
                    cell.number_format = "d mmm yyyy"
                elif isinstance(cell.value, str) and looks_like_formula(cell.value):
                    cell.data_type = "s"  # text, never a formula
        rating_check = DataValidation(type="list", formula1=f'"{",".join(allowed)}"', allow_blank=True,
                                      showErrorMessage=True, errorTitle="Not a rating",
                                      error=f"Choose one of {', '.join(allowed)}")
        rating_check.add(f"E2:E{max(last, 2)}")
        ws.add_data_validation(rating_check)
        if len(heads) > len(BASE_COLUMNS):
            date_check = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                                        showErrorMessage=True, error=f"Enter a date, for example {example_date()}")
            date_check.add(f"K2:K{max(last, 2)}")
            ws.add_data_validation(date_check)
        for i, width in enumerate([16, 26, 60, 40, 10, 50, 40, 30, 40, 20, 14][:len(heads)], start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "C2"
        ws.protection.sheet = True
        ws.protection.formatRows = False  # people may make rows taller to read long text
        ws.protection.formatColumns = False
    hidden = wb.create_sheet(IDENTITY_SHEET)
    data = [("round", identity.round_id), ("agency", identity.agency_id), ("return", identity.return_id),
            ("definition", identity.definition_hash), ("issued", identity.issued_at),
            ("revisions", json.dumps(identity.revisions, sort_keys=True)),
            ("digests", json.dumps(identity.digests, sort_keys=True)),
            ("signature", sign(identity, questionnaire, secret))]
    for key, value in data:
        hidden.append([key, value])
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    wb.security = None
    wb.save(out)


def _instructions(ws: Any, questionnaire: Questionnaire, title: str) -> None:
    lines = [
        title,
        "",
        "Fill in the yellow cells on each section sheet, then upload this file on the return's page "
        "(Upload a completed workbook). Everything is checked before anything is saved.",
        f"Rating: choose from the list ({', '.join(allowed_ratings(questionnaire))}). "
        + ", ".join(f"{format_value(p.value)} = {p.label}" for p in questionnaire.scale.points) + ".",
        f"Commentary: up to {MAX_COMMENTARY} characters. Evidence notes: up to {MAX_NOTES} characters.",
    ]
    if questionnaire.requires_action_below is not None:
        lines.append(f"A rating below {format_value(questionnaire.requires_action_below)} needs an action: what, "
                     "who and by when (a date).")
    lines += [
        "Do not rename, add or remove sheets, rows or columns: the file would no longer match the return.",
        "If someone changes an answer online after you downloaded this file, the upload shows both versions "
        "and asks which to keep before anything is replaced.",
        "Files are uploaded into this return only; a file for another agency or round is refused.",
    ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120
    for row in ws.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


__all__ = ["Identity", "WorkbookError", "allowed_ratings", "columns", "layout_digest", "sheet_titles",
           "sign", "write_return_workbook"]
