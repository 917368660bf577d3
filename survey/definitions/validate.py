"""Stage two: plain data -> validated, normalised, frozen Questionnaire; every problem is collected."""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

from .errors import Code, Problem
from .model import Duty, Grade, Questionnaire, Scale, ScalePoint, Section, Statement
from .reading import Document, Path, _where

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

# Allowed keys per level: True = required.
KEYS: dict[str, dict[str, bool]] = {
    "questionnaire": {
        "id": True, "title": True, "version": True, "scale": True, "sections": True, "description": False,
        "precision": False, "anonymity_threshold": False, "anonymous_results": False,
        "requires_action_below": False, "grades": False,
    },
    "grade": {"label": True, "mean_at_least": False, "share_below_at_most": False},
    "scale": {"points": True, "half_points": False, "not_applicable": False, "not_applicable_label": False},
    "point": {"value": True, "label": False, "description": False},  # a missing label is E204
    "section": {"id": True, "title": True, "duties": True, "description": False},
    "duty": {"id": True, "title": True, "statements": True, "description": False, "commentary_prompt": False},
    "statement": {"id": True, "text": True, "guidance": False, "evidence_prompt": False},
}


class _Validator:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.ids: dict[str, Path] = {}

    def problem(self, path: Path, code: Code, message: str, fix: str) -> None:
        self.problems.append(Problem(self.doc.file, self.doc.line(path), code, _where(path), message, fix))

    # -- generic checks -------------------------------------------------------------------------------------
    def mapping(self, value: Any, path: Path, level: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            what = "the file" if not path else f"'{_where(path)}'"
            self.problem(path, Code.NOT_MAPPING, f"{what} must be a mapping of keys to values, not {_kind(value)}",
                         f"write it as `key: value` lines; a {level} has: {', '.join(KEYS[level])}")
            return None
        allowed = KEYS[level]
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
                fix = f"did you mean '{close[0]}'?" if close else f"allowed keys are: {', '.join(allowed)}"
                self.problem(path + (key,), Code.UNKNOWN_KEY, f"unknown key '{key}' in a {level}", fix)
        for key, required in allowed.items():
            if required and key not in value:
                self.problem(path, Code.MISSING_KEY, f"a {level} needs the key '{key}'",
                             f"add `{key}:` to this {level}")
        return value

    def text(self, obj: dict[str, Any], path: Path, key: str, *, required: bool = False) -> str:
        if key not in obj:
            return ""
        value = obj[key]
        if value is None and not required:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(path + (key,), Code.WRONG_TYPE, f"'{key}' must be text, not {_kind(value)}",
                         "write it as plain text (quote it if it contains a colon)")
            return ""
        text = str(value).strip()
        if required and not text:
            self.problem(path + (key,), Code.BLANK_TEXT, f"'{key}' is blank", f"write the {key}")
        return text

    def ident(self, obj: dict[str, Any], path: Path) -> str:
        if "id" not in obj:
            return ""
        raw = obj["id"]
        ident = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        if not ID_PATTERN.match(ident):
            self.problem(path + ("id",), Code.BAD_ID, f"id {raw!r} is not a valid id",
                         "use letters, digits, '.', '_' or '-' (starting with a letter or digit, at most 80)")
            return ident
        if ident in self.ids:
            first = self.ids[ident]
            first_line = self.doc.line(first + ("id",))
            self.problem(path + ("id",), Code.DUPLICATE_ID,
                         f"id '{ident}' is used twice (first at {_where(first)}, line {first_line})",
                         "give every section, duty and statement its own id")
        else:
            self.ids[ident] = path
        return ident

    def items(self, obj: dict[str, Any], path: Path, key: str, what: str) -> list[tuple[Path, Any]]:
        if key not in obj:
            return []
        value = obj[key]
        if not isinstance(value, list):
            self.problem(path + (key,), Code.WRONG_TYPE, f"'{key}' must be a list, not {_kind(value)}",
                         f"write each {what} on its own line starting with '- '")
            return []
        if not value:
            owner = _where(path) or "the questionnaire"
            self.problem(path + (key,), Code.EMPTY_LIST, f"'{key}' of {owner} is empty",
                         f"add at least one {what}, or remove the empty {_where(path) or 'list'}")
        return [(path + (key, i), item) for i, item in enumerate(value)]

    def flag(self, obj: dict[str, Any], path: Path, key: str, default: bool) -> bool:
        value = obj.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(path + (key,), Code.WRONG_TYPE, f"'{key}' must be true or false, not {value!r}",
                         f"write `{key}: true` or `{key}: false`")
            return default
        return value

    def whole(self, obj: dict[str, Any], path: Path, key: str, default: int, low: int, high: int | None,
              code: Code) -> int:
        value = obj.get(key, default)
        if value is None:
            return default
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            self.problem(path + (key,), code, f"'{key}' is {value!r}; it must be a whole number {bounds}",
                         f"set `{key}:` to a whole number {bounds}")
            return default
        return value

    # -- levels ----------------------------------------------------------------------------------------------
    def questionnaire(self) -> Questionnaire | None:
        root = self.mapping(self.doc.data, (), "questionnaire")
        if root is None:
            return None
        ident = self.ident(root, ())
        title = self.text(root, (), "title", required=True)
        version = self.text(root, (), "version", required=True)
        description = self.text(root, (), "description")
        precision = self.whole(root, (), "precision", 1, 0, 3, Code.PRECISION)
        k = self.whole(root, (), "anonymity_threshold", 3, 1, None, Code.THRESHOLD)
        anonymous = self.flag(root, (), "anonymous_results", True)
        scale = self.scale(root["scale"], ("scale",)) if "scale" in root else None
        action_below = self.action_below(root, scale)
        grades = self.grades(root, scale)
        sections = tuple(s for s in (self.section(p, v) for p, v in self.items(root, (), "sections", "section"))
                         if s is not None)
        if self.problems or scale is None:
            return None
        return Questionnaire(
            id=ident, title=title, version=version, description=description, scale=scale,
            sections=sections, precision=precision, anonymity_threshold=k, anonymous_results=anonymous,
            requires_action_below=action_below, grades=grades, source=self.doc.file,
        )

    def action_below(self, root: dict[str, Any], scale: Scale | None) -> float | None:
        value = root.get("requires_action_below")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.problem(("requires_action_below",), Code.ACTION_BELOW,
                         f"'requires_action_below' is {value!r}, not a rating",
                         "set it to a rating on the scale, e.g. 3 (ratings below 3 need an action)")
            return None
        if scale is not None and not (scale.low < value <= scale.high):
            self.problem(("requires_action_below",), Code.ACTION_BELOW,
                         f"'requires_action_below' is {value:g}, outside the scale {scale.low:g}..{scale.high:g}",
                         f"choose a rating above {scale.low:g} and at most {scale.high:g}")
            return None
        return float(value)

    def grades(self, root: dict[str, Any], scale: Scale | None) -> tuple[Grade, ...]:
        out: list[Grade] = []
        for path, value in self.items(root, (), "grades", "grade"):
            obj = self.mapping(value, path, "grade")
            if obj is None:
                continue
            label = self.text(obj, path, "label", required=True)
            if label and label in {g.label for g in out}:
                self.problem(path + ("label",), Code.GRADES, f"the grade '{label}' is defined twice",
                             "give every grade its own label")
            low, high = (scale.low, scale.high) if scale is not None else (-math.inf, math.inf)
            mean = self.bound(obj, path, "mean_at_least", low, high, "a rating on the scale, e.g. 2.5")
            share = self.bound(obj, path, "share_below_at_most", 0, 1, "a share from 0 to 1, e.g. 0.25")
            out.append(Grade(label, mean, share))
        if out and (out[-1].mean_at_least is not None or out[-1].share_below_at_most is not None):
            self.problem(("grades", len(out) - 1), Code.GRADES,
                         f"the last grade, '{out[-1].label}', has conditions, so a return could have no grade",
                         "end the list with a grade that has only a label (e.g. Inadequate)")
        for i, grade in enumerate(out[:-1]):
            if grade.mean_at_least is None and grade.share_below_at_most is None:
                self.problem(("grades", i), Code.GRADES,
                             f"the grade '{grade.label}' has no conditions, so no grade after it is ever given",
                             "give it `mean_at_least:` or `share_below_at_most:`, or make it the last grade")
        return tuple(out)

    def bound(self, obj: dict[str, Any], path: Path, key: str, low: float, high: float, what: str) -> float | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or not low <= value <= high:
            shown = f"{value:g}" if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)
            self.problem(path + (key,), Code.GRADES, f"'{key}' is {shown}, not {what.split(', e.g.')[0]}",
                         f"set it to {what}")
            return None
        return float(value)

    def scale(self, value: Any, path: Path) -> Scale | None:
        obj = self.mapping(value, path, "scale")
        if obj is None:
            return None
        before = len(self.problems)
        half = self.flag(obj, path, "half_points", False)
        na = self.flag(obj, path, "not_applicable", False)
        na_label = self.text(obj, path, "not_applicable_label") or "Not applicable"
        points: list[ScalePoint] = []
        seen: dict[float, Path] = {}
        for p_path, item in self.items(obj, path, "points", "scale point"):
            point = self.mapping(item, p_path, "point")
            if point is None:
                continue
            raw = point.get("value")
            label = self.text(point, p_path, "label")
            if "label" in point and not label:
                self.problem(p_path + ("label",), Code.SCALE_LABEL, "the scale point has a blank label",
                             "give every point a label, e.g. `label: Good`")
            elif "label" not in point:
                self.problem(p_path, Code.SCALE_LABEL, f"scale point {raw!r} has no label",
                             "add `label:` with the words people choose, e.g. `label: Good`")
            if "value" not in point:
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
                self.problem(p_path + ("value",), Code.SCALE_NOT_NUMBER, f"scale value {raw!r} is not a number",
                             "use whole numbers, e.g. 1, 2, 3, 4")
                continue
            if not float(raw).is_integer():
                self.problem(p_path + ("value",), Code.SCALE_NOT_WHOLE, f"scale value {raw!r} is not a whole number",
                             "list whole-number points only; set `half_points: true` to allow halves between them")
                continue
            if float(raw) in seen:
                self.problem(p_path + ("value",), Code.SCALE_DUPLICATE,
                             f"scale value {raw!r} appears twice (first on line {self.doc.line(seen[float(raw)])})",
                             "give every point its own value")
                continue
            seen[float(raw)] = p_path
            points.append(ScalePoint(float(raw), label, self.text(point, p_path, "description")))
        if len(self.problems) == before and len(points) < 2:
            self.problem(path + ("points",), Code.SCALE_TOO_SMALL, "a scale needs at least two points",
                         "list the ratings, e.g. 1 Poor, 2 Adequate, 3 Good, 4 Outstanding")
        if len(self.problems) > before:
            return None
        return Scale(tuple(sorted(points, key=lambda p: p.value)), half, na, na_label)

    def section(self, path: Path, value: Any) -> Section | None:
        obj = self.mapping(value, path, "section")
        if obj is None:
            return None
        ident = self.ident(obj, path)
        title = self.text(obj, path, "title", required=True)
        duties = tuple(d for d in (self.duty(p, v) for p, v in self.items(obj, path, "duties", "duty")) if d)
        return Section(ident, title, duties, self.text(obj, path, "description"))

    def duty(self, path: Path, value: Any) -> Duty | None:
        obj = self.mapping(value, path, "duty")
        if obj is None:
            return None
        ident = self.ident(obj, path)
        title = self.text(obj, path, "title", required=True)
        statements = tuple(
            s for s in (self.statement(p, v) for p, v in self.items(obj, path, "statements", "statement")) if s
        )
        return Duty(ident, title, statements, self.text(obj, path, "description"),
                    self.text(obj, path, "commentary_prompt"))

    def statement(self, path: Path, value: Any) -> Statement | None:
        obj = self.mapping(value, path, "statement")
        if obj is None:
            return None
        return Statement(
            self.ident(obj, path), self.text(obj, path, "text", required=True),
            self.text(obj, path, "guidance"), self.text(obj, path, "evidence_prompt"),
        )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return f"the text {str(value)[:40]!r}"


def validate(doc: Document) -> tuple[Questionnaire | None, list[Problem]]:
    """Validate a parsed document; return the questionnaire when there are no problems."""
    validator = _Validator(doc)
    questionnaire = validator.questionnaire()
    return (questionnaire if not validator.problems else None), validator.problems
