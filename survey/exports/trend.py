"""A questionnaire's figures over its rounds: the table and the small line chart the results page, the board paper
and the workbook's Trend sheet show (plain data in, text out; no Flask, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One section, duty or statement: its mean in each round, oldest first (None where it was not shown)."""

    level: str
    id: str
    text: str
    means: tuple[float | None, ...]
    labels: tuple[str, ...]

    @property
    def described(self) -> str:
        """The means in words, round by round: the chart's text equivalent."""
        return "; ".join(label or "not shown" for label in self.labels)


@dataclass(frozen=True, slots=True)
class TrendTable:
    """The rounds compared (oldest first, the round itself last) and a row per section, duty and statement."""

    rounds: tuple[str, ...]
    rows: tuple[TrendRow, ...]
    low: float
    high: float

    def of(self, level: str) -> list[TrendRow]:
        """The rows of one level ("duty", "statement" or "section")."""
        return [r for r in self.rows if r.level == level]


def trend_svg(row: TrendRow, rounds: tuple[str, ...], low: float, high: float, width: int = 120,
              height: int = 28) -> str:
    """A line through a row's means, round by round, a dot on each (gaps where a mean was not shown); its label
    says every mean in words, so the chart is never the only way to read it."""
    pad = 4
    step = (width - 2 * pad) / max(1, len(row.means) - 1)
    span = (high - low) or 1

    def y(value: float) -> float:
        return height - pad - (value - low) / span * (height - 2 * pad)

    parts: list[str] = []
    run: list[str] = []
    for i, mean in enumerate(row.means):
        if mean is None:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="#1d70b8" stroke-width="2"/>')
            run = []
            continue
        x = pad + i * step
        run.append(f"{x:.1f},{y(mean):.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y(mean):.1f}" r="2.5" fill="#1d70b8"/>')
    if len(run) > 1:
        parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="#1d70b8" stroke-width="2"/>')
    label = "; ".join(f"{title}: {shown or 'not shown'}" for title, shown in zip(rounds, row.labels, strict=True))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="app-trend" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="Mean by round: {escape(label)}" '
            f'focusable="false"><line x1="0" y1="{height - 1}" x2="{width}" y2="{height - 1}" stroke="#b1b4b6"/>'
            f'{"".join(parts)}</svg>')


__all__ = ["TrendRow", "TrendTable", "trend_svg"]
