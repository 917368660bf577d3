"""Reading back a return workbook (survey.exports.return_workbook) with every problem listed.

Reading refuses anything that is not a plain .xlsx before openpyxl parses it: old .xls files, CSV or other files
renamed, macros, external links, archives that expand too far (zip bombs) and XML with entity declarations.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
import json
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from survey.answer_values import AnswerValues
from survey.definitions import Questionnaire, format_value
from survey.exports.return_workbook import (
    BASE_COLUMNS,
    IDENTITY_SHEET,
    INSTRUCTIONS_SHEET,
    MAX_BYTES,
    MAX_COMMENTARY,
    MAX_ENTRIES,
    MAX_EXPANDED,
    MAX_NOTES,
    NA,
    Identity,
    WorkbookError,
    allowed_ratings,
    columns,
    example_date,
    sheet_titles,
    sign,
)
from survey.spreadsheets import Limits, UnreadableFile, check_xlsx
from survey.text import clean_text, first_bad_link, link_problem

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
    values: dict[str, AnswerValues]


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


def _values(wb: Any, questionnaire: Questionnaire) -> dict[str, AnswerValues]:
    problems: list[str] = []
    out: dict[str, AnswerValues] = {}
    heads = columns(questionnaire)
    allowed = allowed_ratings(questionnaire)
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
            out[st.id] = AnswerValues(rating, not_applicable, commentary, notes, links, what, who, by)
    if problems:
        raise WorkbookError(problems)
    return out


__all__ = ["ReadResult", "check_archive", "read_return_workbook"]
