"""The board paper: a round's results as the PDF a chair puts on the table, from the same figures as the workbook.

A title page (partnership, questionnaire, round, dates, returns counted of invited, k), the Appendix 3 table by
section and duty with last round's mean and the direction, the trend over every round of the questionnaire, a
chart of how the ratings were spread for each duty (with the same counts in words beneath it), the examples of
commentary the board manager chose, the areas for development with their actions and their colours, and how the
figures are worked out. Rendered by WeasyPrint as a tagged PDF
(PDF/UA-1) with its language and title, so that a screen reader reads it in order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import IO, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from survey.config import ROOT
from survey.exports.board_workbook import BoardData, SummaryRow, facts, method
from survey.exports.trend import TrendRow, trend_svg

# Colours for the rating bars, poor to outstanding, with enough contrast between neighbours to tell apart in print.
COLOURS = ("#d4351c", "#f47738", "#ffdd00", "#85994b", "#00703c", "#005a30", "#003078", "#4c2c92")
BAR = 14  # height of one statement's bar in the chart, in SVG units
LABEL = 150  # width kept for the statement ids at the left of the chart


@dataclass(frozen=True, slots=True)
class Chart:
    """One duty's spread of ratings: the SVG, and the same counts as lines of text."""

    title: str
    svg: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PaperRow:
    """One row of the results table."""

    level: str
    id: str
    text: str
    figures: Any
    range_label: str
    note: str
    previous_label: str
    change: str


@cache
def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(ROOT / "templates" / "reports"), autoescape=select_autoescape())
    environment.filters["css_string"] = _css_string
    return environment


def _css_string(value: str) -> Markup:
    """Text for a CSS string (the page headers): quotes and backslashes escaped, line breaks and angle brackets
    (which would end the style element) left out. Marked safe: a style element shows entities as written, so
    HTML-escaping it would print "&amp;" for a partnership's "&"."""
    cleaned = "".join(c for c in value if c.isprintable() and c not in "<>")
    return Markup(cleaned.replace("\\", "\\\\").replace('"', '\\"'))  # noqa: S704 - made safe for CSS above


def board_paper_html(data: BoardData) -> str:
    """The board paper as HTML (print CSS included), ready for WeasyPrint."""
    q = data.questionnaire
    precision = q.precision
    rows = [PaperRow(r.level, r.id, r.text, r.figures, r.figures.range_label if r.figures else "", r.note,
                     f"{r.previous_mean:.{precision}f}" if r.previous_mean is not None else "", r.change)
            for r in data.rows]
    shown_facts = [(key, _shown(value)) for key, value in facts(data) if key not in ("Round", "Partnership")]
    paper = {
        "title": f"{data.round_title}: board paper", "partnership": data.partnership,
        "round_title": data.round_title, "questionnaire": q.title, "version": q.version, "facts": shown_facts,
        "enough": data.enough, "k": data.k, "counted": data.counted, "previous_title": data.previous_title,
        "rows": rows, "id_chars": max([8, *(len(r.id) for r in rows)]) + 1, "charts": _charts(data),
        "examples": _examples(data), "areas": data.areas,
        "trend": data.trend if data.enough else None, "trend_rows": _trend_rows(data),
        "method": method(data),
        "legend": [(q.scale.label_for(v), COLOURS[i % len(COLOURS)]) for i, v in enumerate(q.scale.values())],
    }
    return _environment().get_template("board_paper.html").render(paper=paper)


def write_board_paper(data: BoardData, out: str | Path | IO[bytes]) -> None:
    """Write the board paper as a tagged PDF to a path or a binary file (WeasyPrint needs the Pango library)."""
    from weasyprint import HTML

    # No base_url: the paper needs nothing from outside itself, so WeasyPrint fetches nothing.
    HTML(string=board_paper_html(data)).write_pdf(out, pdf_variant="pdf/ua-1", pdf_tags=True)


def _shown(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%-d %B %Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%-d %B %Y")
    return str(value)


def _charts(data: BoardData) -> list[Chart]:
    """A stacked bar per statement for each duty whose figures are shown."""
    if not data.enough:
        return []
    q = data.questionnaire
    labels = [q.scale.label_for(v) for v in q.scale.values()]
    out = []
    duty_titles = {d.id: d.title for _, d in q.duties()}
    statements_of = {d.id: [st.id for st in d.statements] for _, d in q.duties()}
    by_id: dict[str, SummaryRow] = {r.id: r for r in data.rows if r.level == "statement"}
    for duty_id, title in duty_titles.items():
        shown = [by_id[s] for s in statements_of[duty_id] if s in by_id and by_id[s].figures is not None
                 and by_id[s].figures.n]  # type: ignore[union-attr]
        if shown:
            out.append(Chart(title, _svg(title, shown), tuple(_line(r, labels) for r in shown)))
    return out


def _svg(title: str, rows: list[SummaryRow]) -> str:
    """Stacked horizontal bars, one per statement, each the whole width split by the share of each rating."""
    width, bar_width = 640, 640 - LABEL
    height = BAR * 1.6 * len(rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" width="100%" '
             f'role="img" aria-label="{escape(title)}: how the ratings of each statement were spread">']
    for i, row in enumerate(rows):
        figures = row.figures
        assert figures is not None  # noqa: S101 - only rows with figures are charted
        y = i * BAR * 1.6
        parts.append(f'<text x="0" y="{y + BAR * 0.8:.1f}" font-size="10" font-family="Liberation Sans, Arial, '
                     f'sans-serif">{escape(row.id)}</text>')
        x = float(LABEL)
        for k, count in enumerate(figures.counts):
            if not count:
                continue
            share = bar_width * count / figures.n
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{share:.1f}" height="{BAR}" '
                         f'fill="{COLOURS[k % len(COLOURS)]}"/>')
            x += share
    parts.append("</svg>")
    return "".join(parts)


def _line(row: SummaryRow, labels: list[str]) -> str:
    """The counts of one statement in words: its text equivalent."""
    figures = row.figures
    assert figures is not None  # noqa: S101 - only rows with figures are charted
    counts = ", ".join(f"{label} {count}" for label, count in zip(labels, figures.counts, strict=True) if count)
    return f"{row.id}: {counts} (n {figures.n}, mean {figures.mean_label})"


def _trend_rows(data: BoardData) -> list[tuple[TrendRow, str]]:
    """Each duty followed by its statements, with the small line of its means."""
    trend = data.trend
    if trend is None or not data.enough:
        return []
    return [(row, trend_svg(row, trend.rounds, trend.low, trend.high)) for row in trend.rows
            if row.level != "section"]


def _examples(data: BoardData) -> list[tuple[str, list[str]]]:
    """The comments chosen as examples, by duty, in the questionnaire's order."""
    if not data.enough:
        return []
    out = []
    for _, duty in data.questionnaire.duties():
        chosen = [text for _, text, example in data.comments.get(duty.id, []) if example]
        if chosen:
            out.append((duty.title, chosen))
    return out


__all__ = ["board_paper_html", "write_board_paper"]
