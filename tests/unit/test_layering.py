"""The layering docs/development.md promises, read off the source: who may import what, and who commits."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "survey"
# Plain, typed Python: no web framework and no database.
PURE = ["definitions", "exports", "responses", "answer_values.py", "rag.py", "scoring.py", "disclosure.py", "text.py",
        "placeholders.py", "timezone.py", "spreadsheets.py"]
WEB = ("flask", "flask_login", "flask_wtf", "flask_limiter", "werkzeug", "wtforms", "govuk_frontend_wtf")
DATABASE = ("sqlalchemy", "alembic", "psycopg", "survey.models", "survey.db", "survey.services", "survey.extensions")
LONGEST = 400


def modules(*parts: str) -> Iterator[Path]:
    """The Python files under the named parts of the package (all of it when none are named)."""
    for part in parts or ("",):
        path = PACKAGE / part
        if path.is_file():
            yield path
            continue
        yield from (p for p in sorted(path.rglob("*.py")) if "migrations" not in p.parts)


def imported(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (inside functions too), as written."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def under(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def shown(path: Path) -> str:
    return str(path.relative_to(PACKAGE)) if path.is_relative_to(PACKAGE) else path.name


def offences(paths: Iterator[Path], roots: tuple[str, ...]) -> list[str]:
    return [f"{shown(path)} imports {name}" for path in paths for name in sorted(imported(path))
            if under(name, roots)]


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from flask import g\n    session.commit()\n")
    assert offences(iter([sample]), WEB) == ["sample.py imports flask", "sample.py imports flask.g"]
    assert offences(iter([sample]), DATABASE) == []
    assert committing(sample) == ["sample.py:5"]


def test_services_never_import_the_web_stack() -> None:
    assert offences(modules("services"), WEB) == []


@pytest.mark.parametrize("part", PURE)
def test_the_pure_packages_import_neither_web_nor_database(part: str) -> None:
    assert offences(modules(part), WEB + DATABASE) == []


def test_the_commands_on_files_load_neither_web_nor_database() -> None:
    # `survey score` and `survey validate` start in a fraction of a second because their modules stay light.
    assert offences(modules("cli/base.py", "cli/definitions.py"), WEB + DATABASE + ("survey.cli.app",)) == []


def committing(path: Path) -> list[str]:
    """Where a file ends a transaction itself (a call of .commit() or .rollback())."""
    return [f"{shown(path)}:{node.lineno}" for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback")]


def test_views_and_commands_never_commit_or_roll_back() -> None:
    # Services own their transactions (survey.db.unit_of_work); a view or command only calls them.
    found = [line for path in modules("web", "cli") for line in committing(path)]
    assert found == []


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in modules() if (n := len(p.read_text().splitlines())) > LONGEST}
    assert long == {}


def test_every_command_is_listed_where_it_is_defined() -> None:
    # `survey` imports a command's module only when the command is asked for, so the list must be complete.
    import importlib

    from survey.cli.base import COMMAND_MODULES, main

    helpers = {"__init__", "base", "app"}
    for path in modules("cli"):
        if path.stem not in helpers:
            importlib.import_module(f"survey.cli.{path.stem}")
    defined = {name: command.callback.__module__.rsplit(".", 1)[-1]
               for name, command in main.commands.items() if command.callback}
    assert defined == COMMAND_MODULES


def test_views_read_posts_through_forms() -> None:
    # Only infrastructure reads the posted fields directly, before any form exists (docs/development.md).
    infrastructure = {"web/__init__.py", "web/auth/session.py", "web/uploads.py", "web/auth/views.py"}
    readers = {shown(path) for path in modules("web") if "request.form" in path.read_text()}
    assert readers - infrastructure == set()
    assert readers == infrastructure, "a file listed here no longer reads request.form: take it off the list"
