"""Files from the agency's evidence library chosen on a duty page, read to be attached as uploads are."""

from __future__ import annotations

from typing import Any

from flask import current_app

from survey.definitions import Duty
from survey.extensions import db
from survey.models import Return
from survey.services import evidence_library, returns
from survey.web.agency.forms import names


def chosen(form: Any, duty: Duty, ret: Return) -> list[returns.Upload]:
    """The library files chosen for the duty's statements; a choice that cannot be attached gets its message on
    its field (see `refused`)."""
    out = []
    for statement in duty.statements:
        field = form[names(statement.id)["reuse"]]
        if not field.data:
            continue
        try:
            name, data = evidence_library.take(db.session(), ret.agency_id, ret.partnership_id, field.data,
                                               current_app.config["EVIDENCE_DIR"])
        except evidence_library.LibraryError as exc:
            field.errors = [*field.errors, str(exc)]
        else:
            out.append(returns.Upload(statement.id, name, data))
    return out


def refused(form: Any, duty: Duty) -> bool:
    """Whether a library choice on the page could not be attached."""
    return any(form[names(s.id)["reuse"]].errors for s in duty.statements)
