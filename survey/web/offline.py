"""Offline Excel returns in the browser: download a return's workbook, upload it back (agency or manager)."""

from __future__ import annotations

import tempfile
from typing import Any

from flask import current_app, flash, redirect, render_template, request, send_file
from flask_login import current_user

from survey.exports.return_workbook import MAX_BYTES, WorkbookError
from survey.extensions import db
from survey.models import Return
from survey.services import return_workbooks, returns
from survey.text import file_name
from survey.web.forms import ButtonForm
from survey.web.uploads import carried, is_confirmation, posted_file


def send_workbook(ret: Return) -> Any:
    """The return's workbook as a download."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - send_file closes it after the response
    return_workbooks.write(db.session(), ret, current_app.config["SECRET_KEY"], handle)
    handle.seek(0)
    return send_file(handle, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=file_name(ret.round.title, ret.agency.name, ext="xlsx"),
                     max_age=0)


def import_page(ret: Return, back: str, done: str) -> Any:
    """Upload a workbook: every problem listed by cell, conflicts shown before anything online is replaced."""
    q = returns.questionnaire_for(ret)
    if request.method == "GET":
        return render_template("offline/import.html", ret=ret, back=back, problems=[], planned=None)
    name, data, problem = posted_file(MAX_BYTES, "workbook.xlsx", "Choose the completed .xlsx workbook to upload")
    if problem:
        return render_template("offline/import.html", ret=ret, back=back, planned=None, problems=[problem]), 400
    session = db.session()
    try:
        planned = return_workbooks.plan(session, data, name, current_app.config["SECRET_KEY"], expected=ret)
    except WorkbookError as exc:
        return render_template("offline/import.html", ret=ret, back=back, planned=None, problems=exc.problems), 400
    if planned.conflicts and not is_confirmation():
        return render_template("offline/import.html", ret=ret, back=back, problems=[], planned=planned, q=q,
                               filename=name, data=carried(data))
    overwrite = frozenset(ButtonForm().keep_file.data or ()) & {c.statement_id for c in planned.conflicts}
    try:
        result = return_workbooks.apply(session, planned, current_user.principal, overwrite)
    except returns.ReadOnly as exc:
        return render_template("offline/import.html", ret=ret, back=back, planned=None, problems=[str(exc)]), 400
    kept = len(result.conflicts)
    message = (f"{name} imported: {len(result.saved)} statement{'s' if len(result.saved) != 1 else ''} saved"
               if result.saved else f"{name} changes nothing: every answer in it is already saved")
    if kept:
        message += f"; {kept} answer{'s' if kept != 1 else ''} changed online kept as they are online"
    flash(message + ".", "success")
    return redirect(done)
