"""Administrator pages: a person's data, exported (a subject access request) or erased."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from survey.extensions import db, login_manager
from survey.models import Person
from survey.services import data_protection

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin() -> Any:
    """Only administrators use these pages."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.principal.admin:
        abort(403)
    return None


@bp.route("/")
def people() -> str:
    """Find a person by name or email."""
    query = request.args.get("q", "").strip()[:200]
    found: list[Person] = []
    if query:
        pattern = f"%{query.lower()}%"
        found = list(db.session.scalars(select(Person).where(or_(func.lower(Person.email).like(pattern),
                                                                 func.lower(Person.name).like(pattern)))
                                        .order_by(Person.name).limit(50)))
    return render_template("admin/people.html", query=query, found=found)


def _person(person_id: int) -> Person:
    found = db.session.get(Person, person_id)
    if found is None:
        abort(404)
    return found


@bp.route("/people/<int:person_id>")
def person(person_id: int) -> str:
    """A person's account, roles and what can be done with their data."""
    return render_template("admin/person.html", person=_person(person_id), error=None)


@bp.route("/people/<int:person_id>/export.json")
def export(person_id: int) -> Response:
    """Everything held about a person, as JSON (a subject access request)."""
    found = _person(person_id)
    data = data_protection.export_person(db.session(), found)
    return Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="person-{found.id}.json"'})


@bp.route("/people/<int:person_id>/erase", methods=["POST"])
def erase(person_id: int) -> Any:
    """Erase a person once their email is typed to confirm; records they made stay under a pseudonym."""
    found = _person(person_id)
    if found.id == current_user.principal.person_id:
        return render_template("admin/person.html", person=found,
                               error="You cannot erase your own account; ask another administrator"), 400
    if found.erased_at is not None:
        return render_template("admin/person.html", person=found, error="This person has already been erased"), 400
    typed = request.form.get("confirm", "").strip().lower()
    if typed != found.email.lower():
        return render_template("admin/person.html", person=found,
                               error=f"Type {found.email} to confirm the erasure"), 400
    data_protection.erase_person(db.session(), found, current_user.principal.person_id)
    flash(f"The person is erased; their records are kept as “{found.name}”.", "success")
    return redirect(url_for("admin.person", person_id=found.id))
