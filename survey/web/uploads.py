"""Files posted to preview-then-confirm pages: uploaded the first time, carried in the confirmation form after."""

from __future__ import annotations

import base64
import binascii

from flask import abort, request


def posted_file(max_bytes: int, default_name: str, choose: str) -> tuple[str, bytes, str | None]:
    """The posted file's name and bytes, and what is wrong with it (None when nothing is).

    A confirmation carries the previewed bytes back (field `data`, base64) so that every worker can finish the
    job without keeping files between requests; the caller checks them again as if newly uploaded."""
    if is_confirmation():
        name = request.form.get("filename", default_name)[:200]
        try:
            return name, base64.b64decode(request.form["data"], validate=True), None
        except (binascii.Error, ValueError):
            abort(400)
    upload = request.files.get("file")
    if not upload or not upload.filename:
        return default_name, b"", choose
    name = upload.filename
    data = upload.read(max_bytes + 1)
    if not data:
        return name, data, f"{name} is empty"
    if len(data) > max_bytes:
        return name, data, f"{name} is larger than {max_bytes // (1024 * 1024)} MB"
    return name, data, None


def is_confirmation() -> bool:
    """Whether this post confirms a file already previewed (it carries the file's bytes back)."""
    return "data" in request.form


def carried(data: bytes) -> str:
    """The bytes to put in a confirmation form's `data` field."""
    return base64.b64encode(data).decode()
