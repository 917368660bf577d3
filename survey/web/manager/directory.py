"""Board manager pages for agencies and people: list, add, change, deactivate, import from a file."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from survey.extensions import db
from survey.models import Agency, Partnership, Person, Role
from survey.services import agencies, directory, invitations, mail
from survey.web.manager.views import bp
from survey.web.uploads import carried, posted_file

IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _partnerships() -> frozenset[int]:
    return frozenset(current_user.principal.manager_partnerships)


def _agency(agency_id: int) -> Agency:
    found = agencies.agency_in(db.session(), agency_id, _partnerships())
    if found is None:
        abort(404)
    return found


def _person(agency: Agency, person_id: int) -> Person:
    found = db.session.get(Person, person_id)
    if found is None or not any(r.agency_id == agency.id for r in found.roles):
        abort(404)
    return found


@bp.route("/agencies")
def agency_list() -> str:
    """The agencies of the manager's partnerships, with their people."""
    return render_template("manager/agencies.html", rows=agencies.agencies_of(db.session(), _partnerships()))


@bp.route("/agencies/new", methods=["GET", "POST"])
def new_agency() -> Any:
    """Add an agency to the partnership."""
    session = db.session()
    partnerships = session.scalars(select(Partnership).where(Partnership.id.in_(_partnerships()))
                                   .order_by(Partnership.name)).all()
    form = {"name": request.form.get("name", ""), "kind": request.form.get("kind", ""),
            "partnership": request.form.get("partnership", str(partnerships[0].id))}
    error = None
    if request.method == "POST":
        chosen = next((p for p in partnerships if str(p.id) == form["partnership"]), None)
        try:
            if chosen is None:
                raise agencies.DirectoryError("Choose one of your partnerships", "partnership")
            created = agencies.create_agency(session, chosen.id, form["name"], form["kind"],
                                             current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            session.rollback()
            error = exc
        else:
            flash(f"{created.name} has been added. Add its lead and contributors next.", "success")
            return redirect(url_for("manager.agency_page", agency_id=created.id))
    return render_template("manager/agency_form.html", agency=None, form=form, error=error,
                           partnerships=partnerships), (400 if error else 200)


@bp.route("/agencies/<int:agency_id>")
def agency_page(agency_id: int) -> str:
    """One agency: its details, its people and their roles, and whether it is active."""
    agency = _agency(agency_id)
    session = db.session()
    return render_template("manager/agency.html", agency=agency, members=agencies.members(session, agency),
                           open_rounds=agencies.open_rounds_for(session, agency))


@bp.route("/agencies/<int:agency_id>/change", methods=["GET", "POST"])
def change_agency(agency_id: int) -> Any:
    """Rename an agency or change its type."""
    agency = _agency(agency_id)
    form = {"name": request.form.get("name", agency.name), "kind": request.form.get("kind", agency.kind)}
    error = None
    if request.method == "POST":
        try:
            agencies.update_agency(db.session(), agency, form["name"], form["kind"], current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            db.session.rollback()
            error = exc
        else:
            flash("The agency's details have been changed.", "success")
            return redirect(url_for("manager.agency_page", agency_id=agency.id))
    return render_template("manager/agency_form.html", agency=agency, form=form, error=error,
                           partnerships=[]), (400 if error else 200)


@bp.route("/agencies/<int:agency_id>/active", methods=["POST"])
def agency_active(agency_id: int) -> Any:
    """Deactivate or reactivate an agency."""
    agency = _agency(agency_id)
    active = request.form.get("active") == "yes"
    agencies.set_agency_active(db.session(), agency, active, current_user.principal.person_id)
    flash(f"{agency.name} is {'active again' if active else 'deactivated: it is not offered for new rounds'}.",
          "success")
    return redirect(url_for("manager.agency_page", agency_id=agency.id))


def _invite(person: Person, agency: Agency) -> str:
    """Email a person about the agency's open rounds; returns what to tell the manager."""
    session = db.session()
    open_rounds = agencies.open_rounds_for(session, agency)
    if not open_rounds or not person.active:
        return ""
    compose = invitations.composer(session, current_app.config)
    messages = [compose(person, r, agency.name) for r in open_rounds]
    try:
        mail.send(session, mail.SmtpSettings.from_config(current_app.config), messages)
    except mail.MailError as exc:
        session.commit()
        return f" They could not be emailed ({exc}); use Send an invitation when email works again."
    session.commit()
    return f" They have been emailed about {', '.join(r.title for r in open_rounds)}."


@bp.route("/agencies/<int:agency_id>/people/new", methods=["GET", "POST"])
def add_person(agency_id: int) -> Any:
    """Give someone a role in an agency; they are invited to any open round."""
    agency = _agency(agency_id)
    form = {k: request.form.get(k, "") for k in ("name", "email", "role")}
    error = None
    if request.method == "POST":
        try:
            person = agencies.add_person(db.session(), agency, form["name"], form["email"],
                                         agencies.role_named(form["role"]),
                                         current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            db.session.rollback()
            error = exc
        else:
            flash(f"{person.name} is now {form['role']} for {agency.name}.{_invite(person, agency)}", "success")
            return redirect(url_for("manager.agency_page", agency_id=agency.id))
    return render_template("manager/person_form.html", agency=agency, person=None, form=form,
                           error=error), (400 if error else 200)


@bp.route("/agencies/<int:agency_id>/people/<int:person_id>", methods=["GET", "POST"])
def change_person(agency_id: int, person_id: int) -> Any:
    """Correct a person's details or change their role in the agency."""
    agency = _agency(agency_id)
    person = _person(agency, person_id)
    current = "lead" if any(r.agency_id == agency.id and r.role is Role.LEAD for r in person.roles) else "contributor"
    form = {"name": request.form.get("name", person.name), "email": request.form.get("email", person.email),
            "role": request.form.get("role", current)}
    error = None
    if request.method == "POST":
        try:
            agencies.change_person(db.session(), person, agency, form["name"], form["email"],
                                   agencies.role_named(form["role"]),
                                   current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            db.session.rollback()
            error = exc
        else:
            flash(f"{person.name}'s details have been changed.", "success")
            return redirect(url_for("manager.agency_page", agency_id=agency.id))
    return render_template("manager/person_form.html", agency=agency, person=person, form=form,
                           error=error), (400 if error else 200)


@bp.route("/agencies/<int:agency_id>/people/<int:person_id>/<any(remove, deactivate, reactivate, invite):action>",
          methods=["POST"])
def person_action(agency_id: int, person_id: int, action: str) -> Any:
    """Remove a person from the agency, deactivate or reactivate their account, or invite them again."""
    agency = _agency(agency_id)
    person = _person(agency, person_id)
    session = db.session()
    by = current_user.principal.person_id
    if person.id == by and action in ("remove", "deactivate"):
        flash("You cannot remove or deactivate yourself.", "info")
    elif action == "remove":
        agencies.remove_from_agency(session, person, agency, by)
        flash(f"{person.name} is no longer in {agency.name}. What they wrote is kept.", "success")
    elif action in ("deactivate", "reactivate"):
        agencies.set_person_active(session, person, action == "reactivate", by)
        flash(f"{person.name} {'can sign in again' if person.active else 'can no longer sign in'}.", "success")
    else:
        told = _invite(person, agency)
        flash(told.strip() if told else f"{agency.name} takes part in no open round, so there is nothing to invite "
              f"{person.name} to.", "info" if "could not" in told or not told else "success")
    return redirect(url_for("manager.agency_page", agency_id=agency.id))


@bp.route("/agencies/import", methods=["GET", "POST"])
def import_directory() -> Any:
    """Upload a CSV or XLSX of agencies and people, see what it will add, then confirm."""
    session = db.session()
    partnerships = session.scalars(select(Partnership).where(Partnership.id.in_(_partnerships()))
                                   .order_by(Partnership.name)).all()
    chosen = next((p for p in partnerships if str(p.id) == request.form.get("partnership")), partnerships[0])
    problems: list[str] = []
    if request.method == "GET":
        return render_template("manager/import.html", problems=problems, plan=None, partnerships=partnerships,
                               chosen=chosen)
    name, data, problem = posted_file(IMPORT_MAX_BYTES, "file", "Choose a CSV or XLSX file to import")
    if problem:
        problems = [problem]
    plan = rows = None
    if not problems:
        try:
            plan, rows = directory.plan_import(session, chosen, name, data)
        except directory.DirectoryImportError as exc:
            problems = exc.problems
    if problems:
        session.rollback()
        return render_template("manager/import.html", problems=problems, plan=None, partnerships=partnerships,
                               chosen=chosen), 400
    assert plan is not None  # noqa: S101 - planned above
    if request.form.get("confirm") == "yes":
        directory.apply_import(session, chosen, plan, current_user.principal.person_id)
        flash(f"Imported {name}: {plan.summary()}.", "success")
        return redirect(url_for("manager.agency_list"))
    session.rollback()
    return render_template("manager/import.html", problems=[], plan=plan, rows=rows, partnerships=partnerships,
                           chosen=chosen, filename=name, data=carried(data))
