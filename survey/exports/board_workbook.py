"""The board workbook: the collated results of a round as an Excel file for board discussion.

Sheets: Summary (the Appendix 3 layout, then means by duty with a bar chart), one sheet per section, Commentary
(anonymised, by duty), Responses (anonymised long table: respondent, statement, rating), Development (areas and
actions) and About. Written with openpyxl's write-only mode, so memory does not grow with the number of answers:
the Responses rows stream from an iterator straight to the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from survey import disclosure
from survey.definitions import Questionnaire
from survey.exports.cells import looks_like_formula
from survey.scoring import Figures

SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One row of the Appendix 3 table: a section, a duty or a statement, with what may be shown of it."""

    level: str
    id: str
    text: str
    section: str
    figures: Figures | None
    previous_mean: float | None = None
    change: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """An action agreed for an area for development."""

    what: str
    owner: str
    due: dt.date | None
    status: str


@dataclass(frozen=True, slots=True)
class Area:
    """An area for development agreed by the chair."""

    title: str
    rationale: str
    statements: tuple[str, ...]
    actions: tuple[Action, ...] = ()


@dataclass
class BoardData:
    """Everything the board workbook holds; built by the service layer, written here without a database."""

    questionnaire: Questionnaire
    round_title: str
    partnership: str
    counted: int
    total: int
    rows: list[SummaryRow]
    comments: dict[str, list[tuple[str, str, bool]]]  # duty id -> (statement id, text, chosen as an example)
    responses: Iterable[tuple[str, str, float | None, bool]]  # respondent, statement id, rating, not applicable
    about: list[tuple[str, Any]] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    previous_title: str = ""
    ratings_kind: str = "the agencies' own ratings"

    @property
    def k(self) -> int:
        """The anonymity threshold."""
        return self.questionnaire.anonymity_threshold

    @property
    def enough(self) -> bool:
        """At least k returns are counted."""
        return disclosure.enough_returns(self.counted, self.k)


def safe_text(value: str) -> str:
    """Text with the characters a workbook cannot hold removed."""
    return ILLEGAL.sub("", value)


def _text(ws: Any, value: str, font: Font | None = None, wrap: bool = False) -> Any:
    # Always a string cell: text starting with = + - @ or a tab is kept as text, never run as a formula.
    cell = WriteOnlyCell(ws, value=safe_text(value))
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    if wrap:
        cell.alignment = WRAP
    return cell


def _number(ws: Any, value: float | int | None, number_format: str, font: Font | None = None) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


def _header(ws: Any, titles: list[str]) -> list[Any]:
    cells = []
    for title in titles:
        cell = _text(ws, title, BOLD)
        cell.fill = HEADER_FILL
        cells.append(cell)
    return cells


def _setup(ws: Any, widths: list[float], landscape: bool = True) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _sheet_titles(sections: Iterable[str]) -> list[str]:
    """Sheet names "1. Title" cut to Excel's 31 characters with an ellipsis; always unique."""
    out = []
    for number, title in enumerate(sections, start=1):
        name = f"{number}. {' '.join(SHEET_NAME_BAD.sub(' ', title).split())}".rstrip("'")
        out.append(name if len(name) <= 31 else name[:30].rstrip() + "…")
    return out


def _table(ws: Any, data: BoardData, rows: list[SummaryRow], number_format: str) -> int:
    """The Appendix 3 columns; returns the number of data rows written."""
    scale = data.questionnaire.scale
    values = scale.values()
    titles = ["Section", "Duty", "Statement", "Id", "Mode", "Mean", "Range", "n"]
    if data.previous_title:
        titles += [f"Mean in {data.previous_title}", "Change"]
    titles += [f"Rated {scale.label_for(v)}" for v in values]
    ws.append(_header(ws, titles))
    for row in rows:
        bold = BOLD if row.level != "statement" else None
        place = {"section": 0, "duty": 1, "statement": 2}[row.level]
        cells: list[Any] = [None, None, None]
        cells[place] = _text(ws, row.text, bold, wrap=True)
        cells.append(_text(ws, row.id, bold))
        f = row.figures
        if f is None:
            cells += [_text(ws, row.note or "not shown"), None, None, None]
        else:
            cells += [_text(ws, f.mode_label, bold), _number(ws, f.mean, number_format, bold),
                      _number(ws, f.range, "0.0" if scale.half_points else "0", bold), _number(ws, f.n, "0", bold)]
        if data.previous_title:
            cells += [_number(ws, row.previous_mean, number_format), _text(ws, row.change) if row.change else None]
        if f is not None:
            cells += [_number(ws, c, "0") for c in f.counts]
        ws.append(cells)
    last = len(rows) + 1
    if rows:
        ws.conditional_formatting.add(
            f"F2:F{last}", ColorScaleRule(start_type="num", start_value=values[0], start_color="F8696B",
                                          mid_type="num", mid_value=(values[0] + values[-1]) / 2,
                                          mid_color="FFEB84", end_type="num", end_value=values[-1],
                                          end_color="63BE7B"))  # type: ignore[no-untyped-call]
    return len(rows)


def _table_sheet(wb: Workbook, title: str, data: BoardData, rows: list[SummaryRow],
                 number_format: str) -> tuple[Any, int]:
    """A sheet holding the Appendix 3 table of some rows; returns it and the number of rows written."""
    ws = wb.create_sheet(title)
    extra = [14, 10] if data.previous_title else []
    _setup(ws, [28, 30, 60, 16, 10, 8, 8, 6, *extra, *[11] * len(data.questionnaire.scale.values())])
    return ws, _table(ws, data, rows, number_format)


def _summary(wb: Workbook, data: BoardData, number_format: str) -> None:
    ws, written = _table_sheet(wb, "Summary", data, data.rows, number_format)
    duties = [r for r in data.rows if r.level == "duty"]
    ws.append([])
    ws.append(_header(ws, ["Means by duty", "Mean"]))
    first = written + 4
    for row in duties:
        mean = row.figures.mean if row.figures is not None else None
        ws.append([_text(ws, row.text), _number(ws, mean, number_format)])
    if duties and data.enough:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Mean rating by duty"
        chart.y_axis.title = "Mean"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = data.questionnaire.scale.values()[-1]
        chart.legend = None
        chart.add_data(Reference(ws, min_col=2, min_row=first - 1, max_row=first + len(duties) - 1),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=first + len(duties) - 1))
        chart.height = max(7.5, 0.6 * len(duties))
        chart.width = 22
        ws.add_chart(chart, f"C{first}")


def _commentary(wb: Workbook, data: BoardData) -> None:
    ws = wb.create_sheet("Commentary")
    _setup(ws, [40, 16, 100, 12], landscape=False)
    ws.append(_header(ws, ["Duty", "Statement", "Comment", "Example"]))
    if not data.enough:
        ws.append([_text(ws, f"Commentary is shown once at least {data.k} returns are counted.")])
        return
    # The examples the board manager chose come first, as Appendix 3 prints them; then the other comments.
    for examples in (True, False):
        for _, duty in data.questionnaire.duties():
            for statement_id, text, example in data.comments.get(duty.id, []):
                if example is examples:
                    ws.append([_text(ws, duty.title, wrap=True), _text(ws, statement_id), _text(ws, text, wrap=True),
                               _text(ws, "yes") if example else None])


def _responses(wb: Workbook, data: BoardData) -> None:
    ws = wb.create_sheet("Responses")
    _setup(ws, [12, 18, 18, 16, 8, 18], landscape=False)
    ws.append(_header(ws, ["respondent", "section", "duty", "statement", "rating", "rating label"]))
    if not data.enough:
        ws.append([_text(ws, f"Responses are shown once at least {data.k} returns are counted.")])
        return
    q = data.questionnaire
    where = {st.id: (section.id, duty.id) for section, duty, st in q.statements()}
    labels = {v: safe_text(q.scale.label_for(v)) for v in q.scale.values()}
    # Ids are validated identifiers and labels come from the definition: cells that need no escaping are written
    # as plain values, which is what keeps a million rows fast.
    plain = not any(looks_like_formula(label) for label in labels.values())
    na = q.scale.not_applicable_label
    for respondent, statement_id, rating, not_applicable in data.responses:
        section_id, duty_id = where.get(statement_id, ("", ""))
        if not_applicable:
            ws.append([respondent, section_id, duty_id, statement_id, "N/A", na])
        elif rating is not None:
            label = labels.get(rating, "")
            ws.append([respondent, section_id, duty_id, statement_id, rating,
                       label if plain else _text(ws, label)])


def _development(wb: Workbook, data: BoardData) -> None:
    ws = wb.create_sheet("Development")
    _setup(ws, [36, 50, 24, 50, 24, 12, 14])
    ws.append(_header(ws, ["Area for development", "Rationale", "Statements", "Action", "Owner", "Due", "Status"]))
    if not data.areas:
        ws.append([_text(ws, "No areas for development have been agreed for this round yet.")])
    for area in data.areas:
        linked = ", ".join(area.statements)
        if not area.actions:
            ws.append([_text(ws, area.title, wrap=True), _text(ws, area.rationale, wrap=True), _text(ws, linked)])
        for action in area.actions:
            due = WriteOnlyCell(ws, value=action.due) if action.due else None  # type: ignore[arg-type]
            if due is not None:
                due.number_format = "d mmm yyyy"
            ws.append([_text(ws, area.title, wrap=True), _text(ws, area.rationale, wrap=True), _text(ws, linked),
                       _text(ws, action.what, wrap=True), _text(ws, action.owner), due, _text(ws, action.status)])


def _about(wb: Workbook, data: BoardData) -> None:
    ws = wb.create_sheet("About")
    _setup(ws, [34, 80], landscape=False)
    ws.append(_header(ws, ["About this workbook", ""]))
    q = data.questionnaire
    lines: list[tuple[str, Any]] = [
        ("Round", data.round_title), ("Partnership", data.partnership), ("Questionnaire", q.title),
        ("Questionnaire version", q.version), ("Returns counted", data.counted), ("Returns in the round", data.total),
        ("Anonymity threshold (k)", data.k), ("Figures", f"Collated from {data.ratings_kind}"),
        *data.about,
        ("Scale", ", ".join(f"{p.value:g} = {p.label}" for p in q.scale.points)),
        ("Mode", "every rating with the highest count, joined by /"),
        ("Mean", f"to {q.precision} decimal place{'s' if q.precision != 1 else ''}, rounded as Excel's ROUND does"),
        ("Range", "highest rating minus lowest; not applicable and blank answers are not counted"),
        ("Anonymity", f"Figures, distributions and comments are shown only when at least {data.k} returns are "
                      "counted; a duty or section is shown only if every statement in it is. Respondents are "
                      "labelled in an order that reveals neither agency nor submission order. The only names in this "
                      "workbook are the owners of the board's actions on the Development sheet."),
    ]
    for key, value in lines:
        if isinstance(value, dt.datetime | dt.date):
            cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
            cell.number_format = "d mmm yyyy hh:mm" if isinstance(value, dt.datetime) else "d mmm yyyy"
            ws.append([_text(ws, key, BOLD), cell])
        elif isinstance(value, int | float):
            ws.append([_text(ws, key, BOLD), value])
        else:
            ws.append([_text(ws, key, BOLD), _text(ws, str(value), wrap=True)])


def write_board_workbook(data: BoardData, out: str | Path | IO[bytes]) -> None:
    """Write the board workbook to a path or a binary file."""
    wb = Workbook(write_only=True)
    number_format = "0" if data.questionnaire.precision == 0 else "0." + "0" * data.questionnaire.precision
    _summary(wb, data, number_format)
    sections = data.questionnaire.sections
    for section, title in zip(sections, _sheet_titles(s.title for s in sections), strict=True):
        _table_sheet(wb, title, data, [r for r in data.rows if r.section == section.id], number_format)
    _commentary(wb, data)
    _responses(wb, data)
    _development(wb, data)
    _about(wb, data)
    wb.save(out)


__all__ = ["Action", "Area", "BoardData", "SummaryRow", "safe_text", "write_board_workbook"]
