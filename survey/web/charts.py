"""Small server-rendered SVG charts: no script, readable without colour (each part carries its count as text)."""

from __future__ import annotations

from markupsafe import Markup, escape

from survey.definitions import Questionnaire, format_value
from survey.exports.trend import TrendRow, TrendTable, trend_svg
from survey.scoring import Figures

# Greys from light to dark, so the order of the scale reads without colour; counts are printed on each part.
SHADES = ("#f3f2f1", "#d8d7d6", "#b1b4b6", "#8a8d8f", "#6f777b", "#505a5f", "#383f43", "#0b0c0c")


def distribution(figures: Figures, questionnaire: Questionnaire, width: int = 160, height: int = 22) -> Markup:
    """A stacked bar of how many returns gave each rating, with a text equivalent for screen readers."""
    values = questionnaire.scale.values()
    total = sum(figures.counts) or 1
    described = ", ".join(f"{questionnaire.scale.label_for(v)}: {c}" for v, c in zip(values, figures.counts,
                                                                                     strict=True) if c)
    parts = []
    x = 0.0
    step = max(1, len(SHADES) // max(1, len(values)))
    for i, (value, count) in enumerate(zip(values, figures.counts, strict=True)):
        if not count:
            continue
        w = width * count / total
        shade = SHADES[min(i * step, len(SHADES) - 1)]
        ink = "#0b0c0c" if i * step < len(SHADES) // 2 else "#ffffff"
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{shade}" stroke="#0b0c0c" '
                     f'stroke-width="0.5"><title>{escape(questionnaire.scale.label_for(value))}: {count}</title>'
                     f'</rect>')
        if w >= 14:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{height / 2 + 4:.1f}" text-anchor="middle" font-size="11" '
                         f'fill="{ink}">{escape(format_value(value))}×{count}</text>')
        x += w
    svg = (f'<svg class="app-distribution" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{escape(described)}" focusable="false">{"".join(parts)}</svg>')
    return Markup(svg)  # noqa: S704 - built only from numbers and escaped labels


def _nearest(figures: Figures, questionnaire: Questionnaire) -> int | None:
    points = questionnaire.scale.points
    if figures.mean is None:
        return None
    mean = figures.mean
    return min(range(len(points)), key=lambda i: abs(points[i].value - mean))


def heat_class(figures: Figures, questionnaire: Questionnaire) -> str:
    """A CSS class for the mean's nearest scale point (app-heat-1 lowest ... app-heat-4 highest)."""
    nearest = _nearest(figures, questionnaire)
    if nearest is None:
        return ""
    return f"app-heat-{round(nearest * 3 / max(1, len(questionnaire.scale.points) - 1)) + 1}"


def nearest_label(figures: Figures, questionnaire: Questionnaire) -> str:
    """The label of the scale point nearest the mean: the heat colour's text equivalent."""
    nearest = _nearest(figures, questionnaire)
    return "" if nearest is None else questionnaire.scale.points[nearest].label


def trend_chart(row: TrendRow, table: TrendTable) -> Markup:
    """A row's means over the rounds as a small line, labelled with every mean in words."""
    return Markup(trend_svg(row, table.rounds, table.low, table.high))  # noqa: S704 - numbers and escaped text
