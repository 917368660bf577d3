"""Input hygiene at the HTTP boundary: every form and query value is cleaned as it is parsed (survey/text.py),
ids in paths beyond what a database column holds are not found, and paths holding NUL are not found either."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from survey.text import clean_text

# The largest id our tables hold: keys are INTEGER, 32 bits on PostgreSQL (SQLite's are 64).
MAX_ID = 2**31 - 1


def _pairs(mapping: Any) -> Iterable[tuple[Any, Any]]:
    if mapping is None:
        return ()
    if isinstance(mapping, MultiDict):
        return mapping.items(multi=True)
    if isinstance(mapping, Mapping):
        return mapping.items()
    return mapping  # type: ignore[no-any-return]


class CleanMultiDict(ImmutableMultiDict[str, Any]):
    """Parsed form fields and query arguments with control characters and bidi overrides taken out."""

    def __init__(self, mapping: Any = None) -> None:
        super().__init__([(clean_text(key) if isinstance(key, str) else key,
                           clean_text(value) if isinstance(value, str) else value)
                          for key, value in _pairs(mapping)])


class CleanRequest(Request):
    """Flask's request, whose `form`, `args` and `values` are CleanMultiDicts."""

    parameter_storage_class = CleanMultiDict


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in a route: a number too big for a database id matches nothing (404), never a 500 or 503."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002 - werkzeug's names
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_hygiene(app: Flask) -> None:
    """Install the cleaning request class and the bounded converter (before any route is added)."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def _no_nul_in_path() -> None:
        if "\x00" in request.path:
            abort(404)
