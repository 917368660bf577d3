"""Evidence files of a return: downloaded as attachments only, removed from a draft."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, send_file, url_for
from flask_login import current_user

from survey.extensions import db
from survey.services import agency_returns, evidence, returns
from survey.web.agency.views import _load, bp
from survey.web.forms import ButtonForm


@bp.route("/returns/<int:return_id>/evidence/<int:file_id>")
def evidence_file(return_id: int, file_id: int) -> Any:
    """Download an evidence file: always as an attachment, never rendered by the browser."""
    ret, _ = _load(return_id)
    row = agency_returns.evidence_row(db.session(), ret.id, file_id)
    if row is None:
        abort(404)
    response = send_file(evidence.path_of(row, current_app.config["EVIDENCE_DIR"]), mimetype=row.content_type,
                         as_attachment=True, download_name=row.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/returns/<int:return_id>/evidence/<int:file_id>/remove", methods=["POST"])
def remove_evidence(return_id: int, file_id: int) -> Any:
    """Remove an evidence file from a draft return."""
    ret, _ = _load(return_id)
    row = agency_returns.evidence_row(db.session(), ret.id, file_id)
    if row is None:
        abort(404)
    if not returns.is_editable(ret):
        abort(403, "This return can no longer be changed.")
    evidence.remove(db.session(), row, current_user.principal.person_id, ret.round_id)
    flash(f"{row.filename} has been removed.", "success")
    back = ButtonForm().duty_id.data or ""
    if back:
        return redirect(url_for("agency.duty_page", return_id=ret.id, duty_id=back))
    return redirect(url_for("agency.check_answers", return_id=ret.id))
