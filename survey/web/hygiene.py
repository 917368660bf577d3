"""Input hygiene at the HTTP boundary: every form and query value is cleaned as it is parsed (survey/text.py),
ids in paths beyond what a database column holds are not found, and paths holding NUL are not found either."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Request, abort, current_app, request
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


class CappedFile:
    """A posted file's bytes kept up to a limit and one byte over, the rest read and let go.

    Werkzeug limits only the whole request. An evidence file a little over its limit would then refuse the whole
    page with a bare 413, and everything typed on it would be lost; kept like this, the page is shown again with
    the answers and a message saying the file is too large. Whoever reads more than the limit sees it is over."""

    def __init__(self, limit: int) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=512 * 1024)  # noqa: SIM115 - closed with the request
        self._room = limit + 1

    def write(self, data: bytes) -> int:
        """Keep what fits; report everything as written so the parser reads on."""
        if self._room > 0:
            self._file.write(data[:self._room])
            self._room -= min(len(data), self._room)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __iter__(self) -> Any:
        return iter(self._file)


class CleanRequest(Request):
    """Flask's request, whose `form`, `args` and `values` are CleanMultiDicts and whose files are capped."""

    parameter_storage_class = CleanMultiDict

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> Any:
        # The one hook werkzeug offers for where a posted file goes (documented on Request._get_file_stream).
        return CappedFile(file_part_limit(current_app.config))


# No file the pages accept is larger (workbooks 5 MB, imports 2 MB, evidence EVIDENCE_MAX_MB).
FILE_PART_FLOOR = 16 * 1024 * 1024


def file_part_limit(config: Mapping[str, Any]) -> int:
    """How much of one posted file is kept: more than any page accepts, so each can say the file is too large."""
    return max(FILE_PART_FLOOR, int(config["EVIDENCE_MAX_MB"]) * 1024 * 1024)


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
