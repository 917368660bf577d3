"""Downloads shared by the manager's and the chair's pages: the board workbook and the board paper."""

from __future__ import annotations

import tempfile
from typing import Any

from flask import abort, current_app, send_file

from survey.extensions import db
from survey.models import Round
from survey.services import board_export
from survey.text import file_name


def send_board_workbook(round_: Round, moderated: bool = False, viewer: str = "manager") -> Any:
    """Write the board workbook to a temporary file (not memory: large rounds stream) and send it."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - send_file closes it after the response
    board_export.export_round(db.session(), round_, handle, current_app.config["SECRET_KEY"], moderated=moderated,
                              viewer=viewer)
    handle.seek(0)
    name = file_name(round_.title, "board workbook", "moderated" if moderated else "", ext="xlsx")
    return send_file(handle, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=name, max_age=0)


def send_board_paper(round_: Round, moderated: bool = False, viewer: str = "manager") -> Any:
    """The board paper as a PDF download."""
    handle = tempfile.TemporaryFile(suffix=".pdf")  # noqa: SIM115 - send_file closes it after the response
    try:
        board_export.write_paper(db.session(), round_, handle, current_app.config["SECRET_KEY"], moderated=moderated,
                                 viewer=viewer)
    except OSError:  # the Pango library is missing
        handle.close()
        abort(503, "The board paper needs the Pango library on the server; download the board workbook instead.")
    handle.seek(0)
    name = file_name(round_.title, "board paper", "moderated" if moderated else "", ext="pdf")
    return send_file(handle, mimetype="application/pdf", as_attachment=True, download_name=name, max_age=0)
