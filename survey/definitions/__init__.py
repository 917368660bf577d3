"""Questionnaire definitions: file -> dict -> validated frozen objects. Pure Python, no Flask."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Code, DefinitionError, Problem
from .model import Duty, Grade, Questionnaire, Scale, ScalePoint, Section, Statement, format_value, rating_label
from .reading import MAX_BYTES, decode, parse, too_large
from .validate import validate

__all__ = [
    "Code", "DefinitionError", "Duty", "Grade", "Problem", "Questionnaire", "Scale", "ScalePoint", "Section",
    "Statement", "check_bytes", "default_paths", "format_value", "load_bytes", "rating_label", "load_file",
    "load_text", "to_yaml",
]


def check_bytes(data: bytes, file: str) -> tuple[Questionnaire | None, list[Problem]]:
    """Run every stage on raw bytes; return the questionnaire or every problem found."""
    text, problems = decode(data, file)
    if text is None:
        return None, problems
    doc, problems = parse(text, file)
    if doc is None:
        return None, problems
    questionnaire, more = validate(doc)
    problems = sorted(problems + more, key=lambda p: p.line)
    return (questionnaire if not problems else None), problems


def load_bytes(data: bytes, file: str = "<definition>") -> Questionnaire:
    """Load a definition from bytes or raise DefinitionError listing every problem."""
    questionnaire, problems = check_bytes(data, file)
    if questionnaire is None:
        raise DefinitionError(problems)
    return questionnaire


def load_text(text: str, file: str = "<definition>") -> Questionnaire:
    """Load a definition from text or raise DefinitionError."""
    return load_bytes(text.encode("utf-8"), file)


def load_file(path: str | Path) -> Questionnaire:
    """Load a definition file or raise DefinitionError (unreadable files included)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            # Refuse a large file before reading it into memory.
            raise DefinitionError([too_large(str(path), size)])
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DefinitionError([
            Problem(str(path), 1, Code.UNREADABLE, "", f"the file cannot be read ({reason})",
                    "check the path and that the file is readable")
        ]) from None
    return load_bytes(data, str(path))


def to_yaml(questionnaire: Questionnaire) -> str:
    """The normalised definition as YAML that loads back to the same content."""
    return yaml.safe_dump(questionnaire.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def default_paths(folder: str | Path) -> list[Path]:
    """The definition files in a folder (*.yaml and *.yml), sorted by name."""
    folder = Path(folder)
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
