"""An agency's return as an Excel workbook to draft offline, and reading one back with every problem listed.

The workbook has an Instructions sheet, one sheet per section (a row per statement: id, duty, statement and
guidance locked; rating, commentary, evidence and action cells open) and a very hidden Identity sheet naming the
round, agency, return and definition version, the revision of each answer when it was downloaded, and an HMAC
signature over all of that and the sheet layout, so a file cannot be imported into the wrong return or with its
structure changed.

Reading refuses anything that is not a plain .xlsx before openpyxl parses it: old .xls files, CSV or other files
renamed, macros, external links, archives that expand too far (zip bombs) and XML with entity declarations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from survey.definitions import Questionnaire, format_value
from survey.exports.cells import looks_like_formula
from survey.spreadsheets import Limits, UnreadableFile, check_xlsx
from survey.text import clean_text, first_bad_link, link_problem

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


@dataclass(frozen=True, slots=True)
class CellValues:
    """What the workbook holds for one statement (the same fields as an answer)."""

    rating: float | None = None
    not_applicable: bool = False
    commentary: str = ""
    evidence_notes: str = ""
    evidence_links: str = ""
    action_what: str = ""
    action_who: str = ""
    action_by: dt.date | None = None


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


def _allowed(questionnaire: Questionnaire) -> list[str]:
    values = [format_value(v) for v in questionnaire.scale.values()]
    return values + ([NA] if questionnaire.scale.not_applicable else [])


def write_return_workbook(questionnaire: Questionnaire, identity: Identity, answers: dict[str, CellValues],
                          title: str, secret: str, out: str | Path | IO[bytes]) -> None:
    """Write the workbook for one return, with its current answers filled in."""
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    intro = wb.create_sheet(INSTRUCTIONS_SHEET)
    _instructions(intro, questionnaire, title)
    heads = columns(questionnaire)
    allowed = _allowed(questionnaire)
    for sheet_title, section in zip(sheet_titles(questionnaire), questionnaire.sections, strict=True):
        ws = wb.create_sheet(sheet_title)
        ws.append(heads)
        for cell in ws[1]:
            cell.font, cell.fill, cell.alignment = Font(bold=True), HEADER_FILL, WRAP
        for duty in section.duties:
            for st in duty.statements:
                v = answers.get(st.id, CellValues())
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
        f"Rating: choose from the list ({', '.join(_allowed(questionnaire))}). "
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


LIMITS = Limits("a return", MAX_BYTES, MAX_EXPANDED, MAX_ENTRIES)


def check_archive(data: bytes, name: str) -> None:
    """Refuse anything but a plain, reasonably sized .xlsx before it is parsed (survey.spreadsheets)."""
    try:
        check_xlsx(data, name, LIMITS)
    except UnreadableFile as exc:
        raise WorkbookError([str(exc)]) from None


@dataclass
class ReadResult:
    """A checked workbook: its identity and the values of every statement."""

    identity: Identity
    values: dict[str, CellValues]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value)).strip()


def read_return_workbook(data: bytes, name: str, questionnaire: Questionnaire, secret: str) -> ReadResult:
    """Check a workbook completely against a questionnaire; raise WorkbookError listing every problem."""
    check_archive(data, name)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        # Read again for the formulas themselves: with data_only a formula whose result was never saved (one
        # written by a script, or by a program that does not calculate) reads as an empty cell, which would
        # erase a saved answer.
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - any damage means the same to the person
        raise WorkbookError([f"{name}: the workbook is damaged and cannot be read"]) from None
    try:
        identity = _identity(wb, name, questionnaire, secret)
        _refuse_formulas(formulas, questionnaire)
        values = _values(wb, questionnaire)
    finally:
        wb.close()
        formulas.close()
    return ReadResult(identity, values)


def _refuse_formulas(wb: Any, questionnaire: Questionnaire) -> None:
    """WorkbookError naming every answer cell that holds a formula instead of a value."""
    problems = []
    for sheet_title, section in zip(sheet_titles(questionnaire), questionnaire.sections, strict=True):
        statements = [st for d in section.duties for st in d.statements]
        for number, row in enumerate(wb[sheet_title].iter_rows(min_row=2, max_row=1 + len(statements)), start=2):
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    st = statements[number - 2]
                    problems.append(f"{sheet_title}!{get_column_letter(cell.column)}{number} ({_shown(st.text)}): "
                                    "a formula is not an answer; type the value itself")
    if problems:
        raise WorkbookError(problems)


def _shown(text: str) -> str:
    return text if len(text) <= 60 else f"{text[:57].rstrip()}..."


def _identity(wb: Any, name: str, questionnaire: Questionnaire, secret: str) -> Identity:
    if IDENTITY_SHEET not in wb.sheetnames:
        raise WorkbookError([f"{name}: this workbook was not downloaded from a return (its identity is missing); "
                             "download the return's workbook and enter the answers there"])
    raw = {str(r[0]): r[1] for r in wb[IDENTITY_SHEET].iter_rows(values_only=True) if r and r[0] is not None}
    try:
        identity = Identity(int(raw["round"]), int(raw["agency"]), int(raw["return"]), str(raw["definition"]),
                            str(raw["issued"]), {str(k): int(v) for k, v in json.loads(raw["revisions"]).items()},
                            {str(k): str(v) for k, v in json.loads(raw["digests"]).items()})
        signature = str(raw["signature"])
    except (KeyError, TypeError, ValueError):
        raise WorkbookError([f"{IDENTITY_SHEET}: the workbook's identity has been changed; "
                             "download the return's workbook again"]) from None
    expected = [INSTRUCTIONS_SHEET, *sheet_titles(questionnaire), IDENTITY_SHEET]
    problems = []
    if not hmac.compare_digest(signature, sign(identity, questionnaire, secret)):
        problems.append(f"{IDENTITY_SHEET}: the workbook's identity or layout does not match its signature: it was "
                        "changed, or it is for another version of the questionnaire")
    if list(wb.sheetnames) != expected:
        problems.append(f"{name}: the sheets have been renamed, added or removed; expected "
                        f"{', '.join(expected[:-1])}")
    if problems:
        raise WorkbookError(problems)
    return identity


def _cell_date(value: Any) -> dt.date | None | str:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return text


def _values(wb: Any, questionnaire: Questionnaire) -> dict[str, CellValues]:
    problems: list[str] = []
    out: dict[str, CellValues] = {}
    heads = columns(questionnaire)
    allowed = _allowed(questionnaire)
    scale = set(questionnaire.scale.values())
    below = questionnaire.requires_action_below
    for sheet_title, section in zip(sheet_titles(questionnaire), questionnaire.sections, strict=True):
        rows = [list(r) for r in wb[sheet_title].iter_rows(values_only=True)]
        rows = [r + [None] * (len(heads) - len(r)) for r in rows]
        if not rows or [_text(c) for c in rows[0][:len(heads)]] != heads or any(
                c not in (None, "") for r in rows for c in r[len(heads):]):
            problems.append(f"{sheet_title}!A1: the columns have been changed; expected {', '.join(heads)}")
            continue
        statements = [st for d in section.duties for st in d.statements]
        # Each statement stays on the row it was downloaded on, and nothing is written below the last one.
        placed = [_text(r[0]) for r in rows[1:1 + len(statements)]]
        extra = [r for r in rows[1 + len(statements):] if any(c not in (None, "") for c in r)]
        if placed != [st.id for st in statements] or extra:
            problems.append(f"{sheet_title}!A2: rows have been added, removed or moved; the statement ids must stay "
                            "as downloaded")
            continue
        for number, (row, st) in enumerate(zip(rows[1:], statements, strict=False), start=2):
            where = f"{sheet_title}!{{col}}{number} ({_shown(st.text)})"
            raw = row[4]
            rating: float | None = None
            not_applicable = False
            if isinstance(raw, str) and raw.strip().upper() in (NA, "NA", "N/A") and NA in allowed:
                not_applicable = True
            elif isinstance(raw, bool):
                problems.append(f"{where.format(col='E')}: {raw!r} is not a rating; use one of {', '.join(allowed)}")
            elif isinstance(raw, int | float):
                if float(raw) in scale:
                    rating = float(raw)
                else:
                    problems.append(f"{where.format(col='E')}: {format_value(float(raw))} is not on the scale; use "
                                    f"one of {', '.join(allowed)}")
            elif raw not in (None, "") and str(raw).strip():
                text = str(raw).strip()
                try:
                    number_value = float(text)
                except ValueError:
                    problems.append(f"{where.format(col='E')}: {text[:40]!r} is not a rating; use one of "
                                    f"{', '.join(allowed)}")
                else:
                    if number_value in scale:
                        rating = number_value
                    else:
                        problems.append(f"{where.format(col='E')}: {text} is not on the scale; use one of "
                                        f"{', '.join(allowed)}")
            commentary, notes, links = _text(row[5]), _text(row[6]), _text(row[7])
            if len(commentary) > MAX_COMMENTARY:
                problems.append(f"{where.format(col='F')}: the commentary is {len(commentary)} characters; the most "
                                f"is {MAX_COMMENTARY}")
            if len(notes) > MAX_NOTES:
                problems.append(f"{where.format(col='G')}: the evidence notes are {len(notes)} characters; the most "
                                f"is {MAX_NOTES}")
            if len(links) > MAX_NOTES:
                problems.append(f"{where.format(col='H')}: the evidence links are {len(links)} characters; the most "
                                f"is {MAX_NOTES}")
            elif (bad := first_bad_link(links)) is not None:
                problems.append(f"{where.format(col='H')}: {link_problem(bad)}")
            what = who = ""
            by: dt.date | None = None
            if len(heads) > len(BASE_COLUMNS):
                what, who = _text(row[8]), _text(row[9])
                when = _cell_date(row[10])
                if isinstance(when, str):
                    problems.append(f"{where.format(col='K')}: {when[:40]!r} is not a date; enter one like "
                                    f"{example_date()}")
                else:
                    by = when
                if len(what) > MAX_NOTES:
                    problems.append(f"{where.format(col='I')}: the action is {len(what)} characters; the most is "
                                    f"{MAX_NOTES}")
                if len(who) > 200:
                    problems.append(f"{where.format(col='J')}: the action's owner is longer than 200 characters")
                if below is not None and rating is not None and rating < below and not (what and who and by):
                    gaps = [col for col, present in (("I", what), ("J", who), ("K", by)) if not present]
                    problems.append(f"{where.format(col=gaps[0])}: a rating below {format_value(below)} needs an "
                                    "action: what, who and by when")
            out[st.id] = CellValues(rating, not_applicable, commentary, notes, links, what, who, by)
    if problems:
        raise WorkbookError(problems)
    return out


__all__ = ["CellValues", "Identity", "ReadResult", "WorkbookError", "check_archive", "columns", "layout_digest",
           "read_return_workbook", "sheet_titles", "sign", "write_return_workbook"]
