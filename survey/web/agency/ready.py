"""A contributor tells the agency's leads that a return is ready for them to sign off."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, url_for
from flask_login import current_user

from survey.extensions import db
from survey.services import invitations, mail, ready_for_sign_off
from survey.web.agency.views import _load, bp


@bp.route("/returns/<int:return_id>/ready", methods=["POST"])
def tell_leads(return_id: int) -> Any:
    """Email the agency's leads that the return is complete (at most once an hour)."""
    ret, _ = _load(return_id)
    settings = mail.SmtpSettings.from_config(current_app.config)
    try:
        batch, leads = ready_for_sign_off.tell_leads(db.session(), ret, current_user.principal, settings,
                                                     invitations.ready_composer(current_app.config))
    except ready_for_sign_off.NotReady as exc:
        flash(f"{exc}.", "info")
    else:
        names = ", ".join(p.name for p in leads)
        problem = mail.problem(db.session(), settings, batch, "emails")
        flash(f"{names} {'has' if len(leads) == 1 else 'have'} been told the return is ready to sign off"
              f"{' (' + problem + ')' if problem else ''}.", "success")
    return redirect(url_for("agency.check_answers", return_id=ret.id))
