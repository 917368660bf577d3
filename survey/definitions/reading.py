"""Stage one: bytes -> text -> plain data, remembering the line of every key and item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Code, Problem

MAX_BYTES = 1_000_000
Path = tuple[str | int, ...]


@dataclass(slots=True)
class Document:
    """Plain data read from YAML with the line (1-based) of every path in it."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of a path, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def too_large(file: str, size: int) -> Problem:
    """The problem of a file over the size limit."""
    return Problem(file, 1, Code.TOO_LARGE, "", f"the file is {size:,} bytes, over the 1 MB limit",
                   "split the questionnaire or remove embedded content; definitions are plain text")


def decode(data: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Check size and encoding; return the text or the problems."""
    if len(data) > MAX_BYTES:
        return None, [too_large(file, len(data))]
    if b"\x00" in data:
        return None, [
            Problem(file, 1, Code.NOT_TEXT, "", "the file is binary, not text",
                    "save the questionnaire as a plain UTF-8 YAML text file")
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Problem(file, line, Code.NOT_TEXT, "", f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
                    "save the file with UTF-8 encoding (in most editors: Save As > Encoding > UTF-8)")
        ]
    return text, []


class _Reader:
    """Turns a composed, alias-free YAML node tree into plain data, recording lines, refusing duplicate keys."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []

    def read(self, node: yaml.Node, path: Path) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                self.lines[path + (i,)] = item.start_mark.line + 1
                out.append(self.read(item, path + (i,)))
            return out
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception:  # noqa: BLE001 - a malformed date or number is kept as the text written
            return str(node.value)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(self.file, key_node.start_mark.line + 1, Code.WRONG_TYPE, _where(path),
                            "a key must be a plain word", "write keys as `name: value`")
                )
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in out:
                self.problems.append(
                    Problem(self.file, line, Code.DUPLICATE_KEY, _where(path),
                            f"key '{key}' appears twice (first on line {self.lines[path + (key,)]})",
                            "keep one of them")
                )
                continue
            self.lines[path + (key,)] = line
            out[key] = self.read(value_node, path + (key,))
        return out


def _where(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


MAX_DEPTH = 32


def _prescan(text: str, file: str) -> list[Problem]:
    # Refuse aliases and deep nesting from the event stream, before any tree is built: a definition never
    # needs either, expanding aliases is how "billion laughs" documents exhaust memory, and stopping at the
    # first too-deep level keeps the YAML scanner's look-ahead from turning "[[[[..." into minutes of work.
    problems: list[Problem] = []
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            problems.append(Problem(file, line, Code.ALIAS, "",
                                    "YAML anchors and aliases (& and *) are not supported",
                                    "write the repeated content out in full"))
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return [Problem(file, line, Code.YAML_SYNTAX, "",
                                f"the YAML is nested more than {MAX_DEPTH} levels deep",
                                "a questionnaire needs only a few levels: sections > duties > statements")]
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return problems


def parse(text: str, file: str) -> tuple[Document | None, list[Problem]]:
    """Parse YAML text into a Document, or return the problems (syntax errors with their line)."""
    try:
        refused = _prescan(text, file)
        if refused:
            return None, refused
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        return None, [
            Problem(file, line, Code.NOT_TEXT, "", f"character {exc.character!r} cannot appear in YAML",
                    "remove the control character (often pasted in from another program)")
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or "the YAML could not be read"
        return None, [
            Problem(file, line, Code.YAML_SYNTAX, "", f"YAML syntax error: {what}",
                    "check indentation, colons and quotes on this line and the one before")
        ]
    except yaml.YAMLError as exc:
        return None, [
            Problem(file, 1, Code.YAML_SYNTAX, "", f"YAML syntax error: {exc}",
                    "check the file is YAML text")
        ]
    if node is None:
        return None, [
            Problem(file, 1, Code.EMPTY, "", "the file is empty",
                    "start from the example in docs/questionnaire-format.md")
        ]
    reader = _Reader(loader, file)
    data = reader.read(node, ())
    reader.lines[()] = node.start_mark.line + 1
    return Document(file, data, reader.lines), reader.problems
