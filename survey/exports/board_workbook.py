"""The board workbook: the collated results of a round as an Excel file for board discussion.

Sheets: Summary (a title block, the Appendix 3 layout, then means by duty with a bar chart), one sheet per
section, Commentary (anonymised, by duty), Responses (anonymised long table: respondent, statement, rating),
Development (areas and actions), Trend (every round of the questionnaire, from its second) and About. Written
with openpyxl's write-only mode, so memory does not grow with the number of answers: the Responses rows stream from
an iterator straight to the file. Every sheet prints on A4 (sheet_layout.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule

from survey import disclosure
from survey.definitions import Questionnaire
from survey.exports.cells import looks_like_formula
from survey.exports.sheet_layout import BOLD, PLAIN, TITLE, Sheet, longest_word, new_sheet, safe_text
from survey.exports.trend import TrendTable
from survey.exports.trend_sheet import write_trend_sheet
from survey.rag import RULE
from survey.scoring import Figures

SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
SUMMARY_HEADER_ROW = 5  # below the title block: title, partnership, returns counted, a blank row


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
    rag: str = ""  # "Amber: not started and due in 12 days"
    progress: str = ""  # the latest note of progress, dated, and how many there are


@dataclass(frozen=True, slots=True)
class Area:
    """An area for development agreed by the chair."""

    title: str
    rationale: str
    statements: tuple[str, ...]
    actions: tuple[Action, ...] = ()
    carried_from: str = ""  # the earlier round it was agreed after, when its open actions carry on in this one


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
    trend: TrendTable | None = None  # every closed round of the questionnaire so far, when there is an earlier one

    @property
    def k(self) -> int:
        """The anonymity threshold."""
        return self.questionnaire.anonymity_threshold

    @property
    def enough(self) -> bool:
        """At least k returns are counted."""
        return disclosure.enough_returns(self.counted, self.k)


def _sheet_titles(sections: Iterable[str]) -> list[str]:
    """Sheet names "1. Title" cut to Excel's 31 characters with an ellipsis; always unique."""
    out = []
    for number, title in enumerate(sections, start=1):
        name = f"{number}. {' '.join(SHEET_NAME_BAD.sub(' ', title).split())}".rstrip("'")
        out.append(name if len(name) <= 31 else name[:30].rstrip() + "…")
    return out


def _table(sheet: Sheet, data: BoardData, rows: list[SummaryRow], number_format: str) -> None:
    """The Appendix 3 columns: a header row, then one row per section, duty and statement."""
    scale = data.questionnaire.scale
    values = scale.values()
    first = sheet.rows + 2
    sheet.header(_titles(data))
    for row in rows:
        font = BOLD if row.level != "statement" else PLAIN
        place = {"section": 0, "duty": 1, "statement": 2}[row.level]
        cells: list[Any] = [None, None, None]
        cells[place] = sheet.text(row.text, font, wrap=True)
        cells.append(sheet.text(row.id, font))
        f = row.figures
        if f is None:
            # Not wrapped: the note runs on over the empty figure and count cells beside it.
            cells += [sheet.text(row.note or "not shown"), None, None, None]
        else:
            cells += [sheet.text(f.mode_label, font), sheet.number(f.mean, number_format, font),
                      sheet.number(f.range, "0.0" if scale.half_points else "0", font),
                      sheet.number(f.n, "0", font)]
        if data.previous_title:
            cells += [sheet.number(row.previous_mean, number_format),
                      sheet.text(row.change) if row.change else None]
        if f is not None:
            cells += [sheet.number(c, "0") for c in f.counts]
        sheet.append(cells)
    if rows:
        sheet.ws.conditional_formatting.add(
            f"F{first}:F{sheet.rows}", ColorScaleRule(
                start_type="num", start_value=values[0], start_color="F8696B",
                mid_type="num", mid_value=(values[0] + values[-1]) / 2, mid_color="FFEB84",
                end_type="num", end_value=values[-1], end_color="63BE7B"))  # type: ignore[no-untyped-call]


def _titles(data: BoardData) -> list[str]:
    scale = data.questionnaire.scale
    titles = ["Section", "Duty", "Statement", "Id", "Mode", "Mean", "Range", "n"]
    if data.previous_title:
        titles += [f"Mean in {data.previous_title}", "Change"]
    return titles + [f"Rated {scale.label_for(v)}" for v in scale.values()]


def _table_sheet(wb: Workbook, title: str, data: BoardData, rows: list[SummaryRow], number_format: str,
                 header_row: int = 1) -> Sheet:
    """A sheet holding the Appendix 3 table of some rows, its columns wide enough for every id and header."""
    id_width = max([10, *(len(r.id) + 2 for r in rows)])
    extra = [12, 10] if data.previous_title else []
    widths = [18, 24, 50, min(id_width, 40), 8, 7, 7, 5, *extra, *[9] * len(data.questionnaire.scale.values())]
    # Wide enough for every word of its header: a header wraps between words, never inside one.
    widths = [max(width, longest_word(title) + 2) for width, title in zip(widths, _titles(data), strict=True)]
    return new_sheet(wb, title, widths, header_row=header_row, page_title=(data.partnership, data.round_title))


def _summary(wb: Workbook, data: BoardData, number_format: str) -> None:
    sheet = _table_sheet(wb, "Summary", data, data.rows, number_format, header_row=SUMMARY_HEADER_ROW)
    q = data.questionnaire
    sheet.append([sheet.text(data.round_title, TITLE)])
    sheet.append([sheet.text(f"{data.partnership}: {q.title} (version {q.version})", BOLD)])
    sheet.append([sheet.text(f"{data.counted} of {data.total} returns counted; figures from {data.ratings_kind}; "
                             f"anonymity threshold {data.k} (see About)")])
    sheet.append([])
    _table(sheet, data, data.rows, number_format)
    duties = [r for r in data.rows if r.level == "duty"]
    sheet.append([])
    titles = ["Means by duty", "Mean"] + ([f"Mean in {data.previous_title}"] if data.previous_title else [])
    sheet.header(titles)
    first = sheet.rows + 1
    for row in duties:
        mean = row.figures.mean if row.figures is not None else None
        cells = [sheet.text(row.text, wrap=True), sheet.number(mean, number_format)]
        if data.previous_title:
            cells.append(sheet.number(row.previous_mean, number_format))
        sheet.append(cells)
    if duties and data.enough:
        sheet.ws.add_chart(_duty_chart(sheet, q, first, len(duties), len(titles) - 1), f"C{first}")


def _duty_chart(sheet: Sheet, q: Questionnaire, first: int, duties: int, series: int) -> BarChart:
    """Mean rating by duty, every duty labelled, with last round's means beside this round's where there are any."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Mean rating by duty"
    chart.y_axis.title = "Mean"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = q.scale.values()[-1]
    chart.x_axis.tickLblSkip = 1  # else a spreadsheet labels every other duty when they are many
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"  # the first duty at the top, as in the table
    chart.legend = None if series == 1 else chart.legend
    chart.add_data(Reference(sheet.ws, min_col=2, max_col=1 + series, min_row=first - 1,
                             max_row=first + duties - 1), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=first, max_row=first + duties - 1))
    chart.height = max(7.5, 0.9 * duties * series)
    chart.width = 24
    return chart


def _id_widths(q: Questionnaire) -> list[float]:
    """Column widths that hold every section, duty and statement id whole."""
    levels = ([s.id for s in q.sections], [d.id for _, d in q.duties()], [st.id for _, _, st in q.statements()])
    return [min(40, max([12, *(len(i) + 2 for i in ids)])) for ids in levels]


def _commentary(wb: Workbook, data: BoardData) -> None:
    ids = _id_widths(data.questionnaire)
    sheet = new_sheet(wb, "Commentary", [30, ids[2], 80, 9], landscape=False,
                      page_title=(data.partnership, data.round_title))
    sheet.header(["Duty", "Statement", "Comment", "Example"])
    if not data.enough:
        sheet.append([sheet.text(f"Commentary is shown once at least {data.k} returns are counted.")])
        return
    # The examples the board manager chose come first, as Appendix 3 prints them; then the other comments.
    for examples in (True, False):
        for _, duty in data.questionnaire.duties():
            for statement_id, text, example in data.comments.get(duty.id, []):
                if example is examples:
                    sheet.append([sheet.text(duty.title, wrap=True), sheet.text(statement_id, wrap=True),
                                  sheet.text(text, wrap=True), sheet.text("yes") if example else None])


def _responses(wb: Workbook, data: BoardData) -> None:
    sheet = new_sheet(wb, "Responses", [12, *_id_widths(data.questionnaire), 8, 18], landscape=False,
                      page_title=(data.partnership, data.round_title))
    ws = sheet.ws
    sheet.header(["respondent", "section", "duty", "statement", "rating", "rating label"])
    if not data.enough:
        sheet.append([sheet.text(f"Responses are shown once at least {data.k} returns are counted.")])
        return
    q = data.questionnaire
    where = {st.id: (section.id, duty.id) for section, duty, st in q.statements()}
    labels = {v: safe_text(q.scale.label_for(v)) for v in q.scale.values()}
    # Ids are validated identifiers and labels come from the definition: cells that need no escaping are written
    # as plain values straight to the sheet, which is what keeps a million rows fast.
    plain = not any(looks_like_formula(label) for label in labels.values())
    na = q.scale.not_applicable_label
    for respondent, statement_id, rating, not_applicable in data.responses:
        section_id, duty_id = where.get(statement_id, ("", ""))
        if not_applicable:
            ws.append([respondent, section_id, duty_id, statement_id, "N/A", na])
        elif rating is not None:
            label = labels.get(rating, "")
            ws.append([respondent, section_id, duty_id, statement_id, rating,
                       label if plain else sheet.text(label)])


def _development(wb: Workbook, data: BoardData) -> None:
    sheet = new_sheet(wb, "Development", [30, 40, 20, 40, 20, 12, 12, 24, 40, 20],
                      page_title=(data.partnership, data.round_title))
    sheet.header(["Area for development", "Rationale", "Statements", "Action", "Owner", "Due", "Status", "RAG",
                  "Latest progress", "Agreed after"])
    if not data.areas:
        sheet.append([sheet.text("No areas for development have been agreed for this round yet.")])
    for area in data.areas:
        linked = ", ".join(area.statements)
        first = [sheet.text(area.title, wrap=True), sheet.text(area.rationale, wrap=True),
                 sheet.text(linked, wrap=True)]
        if not area.actions:
            sheet.append(first)
        for action in area.actions:
            sheet.append([*first, sheet.text(action.what, wrap=True), sheet.text(action.owner, wrap=True),
                          sheet.date(action.due) if action.due else None, sheet.text(action.status),
                          sheet.text(action.rag, wrap=True), sheet.text(action.progress, wrap=True),
                          sheet.text(area.carried_from or data.round_title, wrap=True)])
            first = [sheet.text(area.title, wrap=True), sheet.text(area.rationale, wrap=True),
                     sheet.text(linked, wrap=True)]


def facts(data: BoardData) -> list[tuple[str, Any]]:
    """What the round is: the workbook's About sheet and the board paper's title page."""
    q = data.questionnaire
    return [("Round", data.round_title), ("Partnership", data.partnership), ("Questionnaire", q.title),
            ("Questionnaire version", q.version), ("Returns counted", data.counted),
            ("Returns in the round", data.total), ("Anonymity threshold (k)", data.k),
            ("Figures", f"Collated from {data.ratings_kind}"), *data.about]


def method(data: BoardData) -> list[tuple[str, str]]:
    """How the figures are worked out and what is withheld: the About sheet and the board paper's appendix."""
    q = data.questionnaire
    return [
        ("Scale", ", ".join(f"{p.value:g} = {p.label}" for p in q.scale.points)),
        ("Mode", "every rating with the highest count, joined by /"),
        ("Mean", f"to {q.precision} decimal place{'s' if q.precision != 1 else ''}, rounded as Excel's ROUND does"),
        ("Range", "highest rating minus lowest; not applicable and blank answers are not counted"),
        ("Anonymity", f"Figures, distributions and comments are shown only when at least {data.k} returns are "
                      "counted; a duty or section is shown only if every statement in it is. Respondents are "
                      "labelled in an order that reveals neither agency nor submission order. The only names shown "
                      "are those of the owners of the board's actions for development."),
        ("RAG", RULE),
    ]


def _about(wb: Workbook, data: BoardData) -> None:
    sheet = new_sheet(wb, "About", [30, 80], landscape=False, page_title=(data.partnership, data.round_title))
    sheet.header(["About this workbook", ""])
    for key, value in [*facts(data), *method(data)]:
        if isinstance(value, dt.datetime | dt.date):
            shown = "d mmm yyyy hh:mm" if isinstance(value, dt.datetime) else "d mmm yyyy"
            sheet.append([sheet.text(key, BOLD), sheet.date(value, shown)])
        elif isinstance(value, int | float):
            sheet.append([sheet.text(key, BOLD), sheet.number(value, "General")])
        else:
            sheet.append([sheet.text(key, BOLD), sheet.text(str(value), wrap=True)])


def write_board_workbook(data: BoardData, out: str | Path | IO[bytes]) -> None:
    """Write the board workbook to a path or a binary file."""
    wb = Workbook(write_only=True)
    number_format = "0" if data.questionnaire.precision == 0 else "0." + "0" * data.questionnaire.precision
    _summary(wb, data, number_format)
    sections = data.questionnaire.sections
    for section, title in zip(sections, _sheet_titles(s.title for s in sections), strict=True):
        rows = [r for r in data.rows if r.section == section.id]
        _table(_table_sheet(wb, title, data, rows, number_format), data, rows, number_format)
    _commentary(wb, data)
    _responses(wb, data)
    _development(wb, data)
    if data.trend is not None and data.enough:
        write_trend_sheet(wb, data.trend, (data.partnership, data.round_title), number_format)
    _about(wb, data)
    wb.save(out)


__all__ = ["Action", "Area", "BoardData", "SummaryRow", "facts", "method", "safe_text", "write_board_workbook"]
