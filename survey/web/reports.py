"""An agency's report on a round, shared by the agency's and the manager's pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, render_template

from survey.extensions import db
from survey.models import Return
from survey.text import file_name


def report_response(ret: Return, back: str, pdf_url: str, pdf: bool) -> Any:
    """An agency's report on a round, as a print view or a PDF."""
    from survey.services import agency_report

    report = agency_report.build(db.session(), ret)
    if not pdf:
        return render_template("reports/agency.html", report=report, today=dt.date.today(), back=back,
                               pdf_url=pdf_url)
    html = render_template("reports/agency_pdf.html", report=report, today=dt.date.today())
    try:
        from weasyprint import HTML
    except OSError:  # the Pango library is missing
        abort(503, "PDF downloads need the Pango library on the server; use the print view instead.")
    # No base_url: the report needs nothing from outside itself, so WeasyPrint fetches nothing.
    data = HTML(string=html).write_pdf()
    name = file_name(ret.round.title, ret.agency.name, "report", ext="pdf")
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
