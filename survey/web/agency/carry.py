"""Starting a return from the agency's last one (the task list's button)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_login import current_user

from survey.extensions import db
from survey.services import carry_forward
from survey.services.returns import ReadOnly
from survey.web.agency.views import _load, bp


@bp.route("/returns/<int:return_id>/carry-forward", methods=["POST"])
def carry_forward_return(return_id: int) -> Any:
    """Fill a return nobody has started with the agency's answers from its last one, each to be confirmed."""
    ret, _ = _load(return_id)
    try:
        done = carry_forward.start(db.session(), ret, current_user.principal)
    except (carry_forward.CarryError, ReadOnly) as exc:
        flash(str(exc), "info")
        return redirect(url_for("agency.task_list", return_id=ret.id))
    count = len(done.carried)
    message = (f"{count} answer{'s' if count != 1 else ''} from {done.source_title} "
               f"{'are' if count != 1 else 'is'} in this return, each marked to check and confirm.")
    if done.reworded:
        message += f" {len(done.reworded)} of the statements have been reworded since."
    if done.ratings_dropped:
        message += (f" {len(done.ratings_dropped)} rating{'s' if len(done.ratings_dropped) != 1 else ''} could not "
                    "be carried because the scale has changed: rate those again.")
    flash(message, "success")
    return redirect(url_for("agency.task_list", return_id=ret.id))
