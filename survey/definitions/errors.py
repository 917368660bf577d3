"""The catalogue of problems a questionnaire definition can have.

Every problem names the file, the line, where in the questionnaire it is, what is wrong and how to fix it, so a
board manager editing YAML by hand can act on it without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Code(Enum):
    """Stable error codes; documented in docs/questionnaire-format.md."""

    UNREADABLE = "E001"
    TOO_LARGE = "E002"
    NOT_TEXT = "E003"
    YAML_SYNTAX = "E004"
    EMPTY = "E005"
    NOT_MAPPING = "E006"
    DUPLICATE_KEY = "E007"
    ALIAS = "E008"
    UNKNOWN_KEY = "E101"
    MISSING_KEY = "E102"
    WRONG_TYPE = "E103"
    BLANK_TEXT = "E104"
    BAD_ID = "E105"
    DUPLICATE_ID = "E106"
    EMPTY_LIST = "E107"
    SCALE_TOO_SMALL = "E201"
    SCALE_NOT_NUMBER = "E202"
    SCALE_DUPLICATE = "E203"
    SCALE_LABEL = "E204"
    SCALE_NOT_WHOLE = "E205"
    THRESHOLD = "E301"
    PRECISION = "E302"
    ACTION_BELOW = "E303"
    GRADES = "E304"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition file, with where it is and how to fix it."""

    file: str
    line: int
    code: Code
    where: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{self.file}:{self.line}: [{self.code.value}]{where} {self.message} — {self.fix}"


class DefinitionError(Exception):
    """Raised when a questionnaire definition is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
