"""Validated, immutable questionnaire objects: questionnaire > sections > duties > statements."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ScalePoint:
    """One labelled rating, e.g. 3 = Good."""

    value: float
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Scale:
    """The ratings a statement takes."""

    points: tuple[ScalePoint, ...]
    half_points: bool = False
    not_applicable: bool = False
    not_applicable_label: str = "Not applicable"

    @property
    def low(self) -> float:
        """The lowest rating."""
        return self.points[0].value

    @property
    def high(self) -> float:
        """The highest rating."""
        return self.points[-1].value

    def values(self) -> tuple[float, ...]:
        """Every rating allowed, ascending, with half points where the scale allows them."""
        whole = [p.value for p in self.points]
        if not self.half_points:
            return tuple(whole)
        out: list[float] = []
        for a, b in zip(whole, whole[1:], strict=False):
            out.append(a)
            if b - a == 1:
                out.append(a + 0.5)
        out.append(whole[-1])
        return tuple(out)

    def allows(self, value: float) -> bool:
        """True when the value is one of the allowed ratings."""
        return value in self.values()

    def label_for(self, value: float) -> str:
        """The label of a rating; half points read as e.g. "2.5"."""
        for p in self.points:
            if p.value == value:
                return p.label
        return format_value(value)


def format_value(value: float) -> str:
    """Show a rating as people write it: 3, 2.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def rating_label(value: float, scale: Scale) -> str:
    """A rating as "3 – Good", or "2.5" for a half point (pages and emails alike)."""
    label = scale.label_for(value)
    shown = format_value(value)
    return label if label == shown else f"{shown} – {label}"


@dataclass(frozen=True, slots=True)
class Statement:
    """One thing rated."""

    id: str
    text: str
    guidance: str = ""
    evidence_prompt: str = ""


@dataclass(frozen=True, slots=True)
class Duty:
    """A statutory duty or area inside a section; figures are collated per duty too."""

    id: str
    title: str
    statements: tuple[Statement, ...]
    description: str = ""
    commentary_prompt: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A top grouping of duties."""

    id: str
    title: str
    duties: tuple[Duty, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade a return earns: the first of the questionnaire's grades whose conditions it meets."""

    label: str
    mean_at_least: float | None = None  # the return's mean over every statement it rated
    # The share of the statements it rated that are below requires_action_below (or the middle of the scale).
    share_below_at_most: float | None = None

    def met_by(self, mean: float, share_below: float) -> bool:
        """Whether a return with this mean and share of statements below the threshold earns this grade."""
        return ((self.mean_at_least is None or mean >= self.mean_at_least - 1e-9)
                and (self.share_below_at_most is None or share_below <= self.share_below_at_most + 1e-9))


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """A whole validated questionnaire definition."""

    id: str
    title: str
    version: str
    scale: Scale
    sections: tuple[Section, ...]
    description: str = ""
    precision: int = 1
    anonymity_threshold: int = 3
    anonymous_results: bool = True
    requires_action_below: float | None = None
    grades: tuple[Grade, ...] = ()  # bands a return is graded by, best first; the last has no conditions
    source: str = field(default="", compare=False)

    def grade_of(self, mean: float | None, share_below: float) -> str:
        """The grade of a return with this mean and share of statements below the threshold ("" with no grades
        defined, or nothing rated)."""
        if mean is None:
            return ""
        return next((g.label for g in self.grades if g.met_by(mean, share_below)), "")

    def duties(self) -> Iterator[tuple[Section, Duty]]:
        """Every duty with its section, in order."""
        for section in self.sections:
            for duty in section.duties:
                yield section, duty

    def statements(self) -> Iterator[tuple[Section, Duty, Statement]]:
        """Every statement with its duty and section, in order."""
        for section, duty in self.duties():
            for statement in duty.statements:
                yield section, duty, statement

    def statement_text(self, statement_id: str) -> str:
        """What a statement says, for messages and lists people read (its id where there is no such statement)."""
        for _, _, statement in self.statements():
            if statement.id == statement_id:
                return statement.text
        return statement_id

    def statement_ids(self) -> tuple[str, ...]:
        """Statement ids in definition order."""
        return tuple(s.id for _, _, s in self.statements())

    def to_dict(self) -> dict[str, Any]:
        """The normalised definition as plain data (what the content hash covers)."""
        return {
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "description": self.description,
            "precision": self.precision,
            "anonymity_threshold": self.anonymity_threshold,
            "anonymous_results": self.anonymous_results,
            "requires_action_below": self.requires_action_below,
            # Only when defined, so that the fingerprints of questionnaires without grades stay as they were.
            **({"grades": [{"label": g.label, "mean_at_least": g.mean_at_least,
                            "share_below_at_most": g.share_below_at_most} for g in self.grades]}
               if self.grades else {}),
            "scale": {
                "points": [
                    {"value": p.value, "label": p.label, "description": p.description}
                    for p in self.scale.points
                ],
                "half_points": self.scale.half_points,
                "not_applicable": self.scale.not_applicable,
                "not_applicable_label": self.scale.not_applicable_label,
            },
            "sections": [
                {
                    "id": s.id,
                    "title": s.title,
                    "description": s.description,
                    "duties": [
                        {
                            "id": d.id,
                            "title": d.title,
                            "description": d.description,
                            "commentary_prompt": d.commentary_prompt,
                            "statements": [
                                {
                                    "id": st.id,
                                    "text": st.text,
                                    "guidance": st.guidance,
                                    "evidence_prompt": st.evidence_prompt,
                                }
                                for st in d.statements
                            ],
                        }
                        for d in s.duties
                    ],
                }
                for s in self.sections
            ],
        }

    @property
    def content_hash(self) -> str:
        """SHA-256 of the normalised definition: equal content, equal hash, whatever the file's layout."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
