"""The board workbook's Trend sheet: each duty's and statement's mean in every round of the questionnaire, with a
line chart of the duties' means over the rounds."""

from __future__ import annotations

from typing import Any

from openpyxl.chart import LineChart, Reference

from survey.exports.sheet_layout import BOLD, PLAIN, longest_word, new_sheet
from survey.exports.trend import TrendTable


def write_trend_sheet(wb: Any, trend: TrendTable, page_title: tuple[str, str], number_format: str) -> None:
    """The Trend sheet: duties first (charted), then every statement; a blank cell where a mean was not shown."""
    rounds = len(trend.rounds)
    widths = [14, 50, *(max(10, longest_word(t) + 2) for t in trend.rounds)]
    sheet = new_sheet(wb, "Trend", widths, page_title=page_title)
    sheet.header(["Id", "Duty or statement", *trend.rounds])
    duties = trend.of("duty")
    for rows in (duties, trend.of("statement")):
        for row in rows:
            font = BOLD if row.level == "duty" else PLAIN
            sheet.append([sheet.text(row.id, font), sheet.text(row.text, font, wrap=True),
                          *(sheet.number(mean, number_format, font) for mean in row.means)])
    if not duties:
        return
    chart = LineChart()
    chart.title = "Mean rating by duty, round by round"
    chart.y_axis.title = "Mean"
    chart.y_axis.scaling.min = trend.low
    chart.y_axis.scaling.max = trend.high
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    # One series a duty, named by its title (column B), across the rounds' columns.
    chart.add_data(Reference(sheet.ws, min_col=2, max_col=2 + rounds, min_row=2, max_row=1 + len(duties)),
                   from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=3, max_col=2 + rounds, min_row=1, max_row=1))
    chart.width, chart.height = 24, 12
    sheet.ws.add_chart(chart, f"B{sheet.rows + 3}")


__all__ = ["write_trend_sheet"]
