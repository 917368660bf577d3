"""Administrator pages: partnerships and the people who run them; a person's data, exported (a subject access
request) or erased."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from survey.extensions import db, login_manager
from survey.models import Partnership, Person, Role
from survey.services import agencies, boards, data_protection, invitations, mail, second_factor
from survey.text import possessive
from survey.web.auth.session import second_factor_first
from survey.web.forms import AccountForm, BoardPersonForm, ButtonForm, PartnershipForm, RenamePartnershipForm, refuse

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin() -> Any:
    """Only administrators use these pages."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.principal.admin:
        abort(403)
    return second_factor_first()


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
def person(person_id: int) -> Any:
    """A person's account, roles and what can be done with their data."""
    return _person_page(_person(person_id))


def _person_page(found: Person, error: str | None = None, admin_error: bool = False) -> Any:
    page = render_template("admin/person.html", person=found, roles=boards.roles_in_words(found), error=error,
                           admin_error=admin_error)
    return (page, 400) if error else page


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
        return _person_page(found, "You cannot erase your own account; ask another administrator")
    if found.erased_at is not None:
        return _person_page(found, "This person has already been erased")
    typed = (ButtonForm().confirm.data or "").strip().lower()
    if typed != found.email.lower():
        return _person_page(found, f"Type {found.email} to confirm the erasure")
    data_protection.erase_person(db.session(), found, current_user.principal.person_id)
    flash(f"The person is erased; their records are kept as “{found.name}”.", "success")
    return redirect(url_for("admin.person", person_id=found.id))


# -- partnerships and the people who run them ------------------------------------------------------------------------
@bp.route("/partnerships")
def partnerships() -> str:
    """The partnerships this installation serves, with their board managers and chairs."""
    return render_template("admin/partnerships.html", rows=boards.list_partnerships(db.session()))


@bp.route("/partnerships/new", methods=["GET", "POST"])
def new_partnership() -> Any:
    """Add a partnership."""
    form = PartnershipForm()
    if form.validate_on_submit():
        try:
            created = boards.create_partnership(db.session(), form.name.data or "", form.slug.data or "",
                                                current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash(f"{created.name} has been added. Now give it a board manager.", "success")
            return redirect(url_for("admin.partnership", partnership_id=created.id))
    return render_template("admin/new_partnership.html", form=form), (400 if form.errors else 200)


def _partnership(partnership_id: int) -> Partnership:
    found = db.session.get(Partnership, partnership_id)
    if found is None:
        abort(404)
    return found


@bp.route("/partnerships/<int:partnership_id>", methods=["GET", "POST"])
def partnership(partnership_id: int) -> Any:
    """A partnership's board managers and chairs; add one (they are emailed, with a password link if new)."""
    found = _partnership(partnership_id)
    form = BoardPersonForm()
    if form.validate_on_submit():
        session = db.session()
        try:
            role = boards.board_role_named(form.role.data or "", boards.BOARD_ROLES)
            person = boards.add_board_person(session, form.name.data or "", form.email.data or "", role, found,
                                             current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash(f"{person.name} is now {boards.describe(role, found)}.{_tell(person, role, found)}", "success")
            return redirect(url_for("admin.partnership", partnership_id=found.id))
    (row,) = boards.list_partnerships(db.session(), only=found)
    return render_template("admin/partnership.html", row=row, form=form), (400 if form.errors else 200)


@bp.route("/partnerships/<int:partnership_id>/name", methods=["GET", "POST"])
def rename_partnership(partnership_id: int) -> Any:
    """Change a partnership's full name (its short name stays)."""
    found = _partnership(partnership_id)
    form = RenamePartnershipForm(data={"name": found.name})
    if form.validate_on_submit():
        try:
            old = boards.rename_partnership(db.session(), found, form.name.data or "",
                                            current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            if old is not None:
                flash(f"{old} is now called {found.name}.", "success")
            return redirect(url_for("admin.partnership", partnership_id=found.id))
    return render_template("admin/rename_partnership.html", partnership=found, form=form), (
        400 if form.errors else 200)


def _tell(person: Person, role: Role, partnership: Partnership | None) -> str:
    """Email someone the role they were given; returns what to tell the administrator."""
    session = db.session()
    message = invitations.role_granted(session, person, boards.describe(role, partnership), current_app.config)
    problem = mail.send_recorded(session, mail.SmtpSettings.from_config(current_app.config), [message])
    if problem:
        return f" They could not be emailed ({problem}): they can use “Forgot your password?” to get in."
    return " They have been emailed."


@bp.route("/partnerships/<int:partnership_id>/people/<int:person_id>/<any(manager, chair):role>/remove",
          methods=["POST"])
def remove_board_role(partnership_id: int, person_id: int, role: str) -> Any:
    """Take a board role away; the person's account and what they did stay."""
    found = _partnership(partnership_id)
    person = _person(person_id)
    chosen = boards.board_role_named(role, boards.BOARD_ROLES)
    if boards.remove_board_role(db.session(), person, chosen, found, current_user.principal.person_id):
        flash(f"{person.name} is no longer {boards.describe(chosen, found)}.", "success")
    return redirect(url_for("admin.partnership", partnership_id=found.id))


@bp.route("/people/<int:person_id>/account", methods=["GET", "POST"])
def account(person_id: int) -> Any:
    """Change a person's name or email address (the account is theirs and the administrator's alone)."""
    found = _person(person_id)
    if found.erased_at is not None:
        abort(404)
    form = AccountForm(data={"name": found.name, "email": found.email})
    if form.validate_on_submit():
        try:
            agencies.change_account(db.session(), found, form.name.data or "", form.email.data or "",
                                    current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash(f"{possessive(found.name)} account has been changed.", "success")
            return redirect(url_for("admin.person", person_id=found.id))
    return render_template("admin/account.html", person=found, form=form), (400 if form.errors else 200)


@bp.route("/people/<int:person_id>/active", methods=["POST"])
def account_active(person_id: int) -> Any:
    """Deactivate an account everywhere (no sign-in at all) or bring it back."""
    found = _person(person_id)
    active = ButtonForm().active.data == "yes"
    if found.id == current_user.principal.person_id and not active:
        flash("You cannot deactivate your own account.", "info")
    else:
        agencies.set_person_active(db.session(), found, active, current_user.principal.person_id)
        flash(f"{found.name} {'can sign in again' if active else 'can no longer sign in'}.", "success")
    return redirect(url_for("admin.person", person_id=found.id))


@bp.route("/people/<int:person_id>/second-factor/reset", methods=["POST"])
def reset_second_factor(person_id: int) -> Any:
    """Take away a person's second factor (a lost phone and no recovery codes); they set up a new one when they
    next sign in, and their open sessions end."""
    found = _person(person_id)
    if found.totp_enabled_at is None:
        flash(f"{found.name} has no second factor to reset.", "info")
    else:
        second_factor.reset(db.session(), found, current_user.principal.person_id)
        flash(f"{possessive(found.name)} second factor has been reset: they set up a new one when they next sign "
              "in.", "success")
    return redirect(url_for("admin.person", person_id=found.id))


@bp.route("/people/<int:person_id>/administrator", methods=["POST"])
def administrator(person_id: int) -> Any:
    """Make a person an administrator, or no longer one."""
    found = _person(person_id)
    session = db.session()
    if ButtonForm().make.data == "yes":
        try:
            boards.add_board_person(session, found.name, found.email, Role.ADMIN, None,
                                    current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            return _person_page(found, str(exc), admin_error=True)
        flash(f"{found.name} is now an administrator.{_tell(found, Role.ADMIN, None)}", "success")
    else:
        try:
            boards.remove_board_role(session, found, Role.ADMIN, None, current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            return _person_page(found, str(exc), admin_error=True)
        flash(f"{found.name} is no longer an administrator.", "success")
    return redirect(url_for("admin.person", person_id=found.id))
