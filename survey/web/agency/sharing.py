"""Answer once for several boards: copy a return into the agency's returns to its other boards (and submit the
copies), or start a return from another board's, and see where each copy went and what differs."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from survey.extensions import db
from survey.links import external_url
from survey.models import Return
from survey.services import agency_returns, shared_returns
from survey.web.agency.forms import ShareForm
from survey.web.agency.views import _load, bp


@bp.app_template_global("other_boards")
def other_boards(ret: Return) -> list[shared_returns.Sibling]:
    """The agency's returns to its other boards for the same questionnaire version that the signed-in person works
    on (for the task list and the submitted page)."""
    return shared_returns.siblings(db.session(), ret, current_user.principal)


@bp.route("/returns/<int:return_id>/other-boards", methods=["GET", "POST"])
def other_boards_page(return_id: int) -> Any:
    """Where this return's answers went, what differs, and copying them (or starting this one from another's)."""
    ret, questionnaire = _load(return_id)
    session = db.session()
    form = ShareForm()
    found = shared_returns.siblings(session, ret, current_user.principal)
    if not found:
        abort(404)
    if request.method == "POST" and form.validate_on_submit():
        source, targets = ret, form.targets.data or []
        if form.source.data:
            source = next((s.ret for s in found if str(s.ret.id) == form.source.data), None) or abort(404)
            targets = [ret.id]
        try:
            outcomes = shared_returns.copy(session, source, targets, current_user.principal,
                                           submit_too=bool(form.submit_too.data),
                                           folder=current_app.config["EVIDENCE_DIR"],
                                           max_bytes=current_app.config["EVIDENCE_MAX_MB"] * 1024 * 1024)
        except shared_returns.ShareError as exc:
            form.targets.errors = [*form.targets.errors, str(exc)]
        else:
            for outcome in outcomes:
                flash(_told(outcome), "info" if outcome.refused else "success")
                if outcome.submitted:  # the agency is sent each board's confirmation, as when submitting there
                    copy = next(s.ret for s in found if s.ret.id == outcome.return_id)
                    agency_returns.send_confirmation(session, copy, questionnaire, current_app.config, external_url(
                        current_app.config, url_for("agency.print_view", return_id=copy.id)))
            return redirect(url_for("agency.other_boards_page", return_id=ret.id))
    texts = {s.id: s.text for _, _, s in questionnaire.statements()}
    return render_template("agency/other_boards.html", ret=ret, q=questionnaire, siblings=found, form=form,
                           texts=texts), 400 if form.errors else 200


def _told(outcome: shared_returns.Outcome) -> str:
    if outcome.refused:
        return f"Nothing was copied to {outcome.board}: {outcome.refused}."
    files = f" and {outcome.files} evidence file{'s' if outcome.files != 1 else ''}" if outcome.files else ""
    done = f"{outcome.changed} answer{'s' if outcome.changed != 1 else ''}{files} copied to {outcome.board}"
    return done + (", and submitted." if outcome.submitted else ".")
