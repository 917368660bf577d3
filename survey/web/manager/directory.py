"""Board manager pages for agencies and people: list, add, change, deactivate, import from a file."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

# WTForms 3.2's named (value, label) choice; its type stubs predate it.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from survey.extensions import db
from survey.models import Agency, Partnership, Person
from survey.services import agencies, directory, directory_audit, invitations, mail
from survey.text import possessive
from survey.web.forms import ButtonForm, refuse
from survey.web.manager.forms import AgencyForm, MemberForm
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


def _member(agency: Agency, person_id: int) -> agencies.Member:
    """The person's membership of the agency for one of the manager's partnerships, else 404."""
    found = agencies.membership_of(db.session(), agency, person_id, _partnerships())
    if found is None:
        abort(404)
    return found


def _partnership_for(agency: Agency, chosen: str) -> tuple[int | None, list[Partnership]]:
    """Which of the manager's partnerships a new membership is for: the one chosen, or the only one."""
    links = agencies.agency_links(db.session(), agency, _partnerships())
    choices = [link.partnership for link in links]
    if len(choices) == 1:
        return choices[0].id, choices
    return next((p.id for p in choices if str(p.id) == chosen), None), choices


@bp.route("/agencies")
def agency_list() -> str:
    """The agencies of the manager's partnerships, with their people."""
    return render_template("manager/agencies.html", rows=agencies.agencies_of(db.session(), _partnerships()))


@bp.route("/agencies/changes")
def directory_changes() -> str:
    """Every change to the agencies and people of the manager's partnerships: who, when, from what to what."""
    return render_template("manager/directory_changes.html",
                           lines=directory_audit.directory_log(db.session(), _partnerships()))


@bp.route("/agencies/new", methods=["GET", "POST"])
def new_agency() -> Any:
    """Add an agency to the partnership."""
    session = db.session()
    partnerships = session.scalars(select(Partnership).where(Partnership.id.in_(_partnerships()))
                                   .order_by(Partnership.name)).all()
    form = AgencyForm(data={"partnership": str(partnerships[0].id)})
    form.partnership.choices = [SelectChoice(str(p.id), p.name) for p in partnerships]
    if form.validate_on_submit():
        chosen = next((p for p in partnerships if str(p.id) == form.partnership.data), None)
        try:
            if chosen is None:
                raise agencies.DirectoryError("Choose one of your partnerships", "partnership")
            created = agencies.create_agency(session, chosen.id, form.name.data or "", form.kind.data or "",
                                             current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            shared = (" It already works with another partnership: it is the same organisation, and its people, "
                      "rounds and returns for your partnership stay yours alone."
                      if agencies.serves_others(session, created, frozenset({chosen.id})) else "")
            flash(f"{created.name} has been added.{shared} Add its lead and contributors next.", "success")
            return redirect(url_for("manager.agency_page", agency_id=created.id))
    return render_template("manager/agency_form.html", agency=None, form=form,
                           partnerships=partnerships), (400 if form.errors else 200)


@bp.route("/agencies/<int:agency_id>")
def agency_page(agency_id: int) -> str:
    """One agency: its details, its people and their roles, and whether it is active."""
    agency = _agency(agency_id)
    session = db.session()
    mine = _partnerships()
    links = agencies.agency_links(session, agency, mine)
    return render_template("manager/agency.html", agency=agency, members=agencies.members(session, agency, mine),
                           open_rounds=agencies.open_rounds_for(session, agency, mine),
                           active=any(link.active for link in links),
                           shared=agencies.serves_others(session, agency, mine))


@bp.route("/agencies/<int:agency_id>/change", methods=["GET", "POST"])
def change_agency(agency_id: int) -> Any:
    """Rename an agency or change its type."""
    agency = _agency(agency_id)
    form = AgencyForm(data={"name": agency.name, "kind": agency.kind, "short_names": agency.short_names})
    if form.validate_on_submit():
        try:
            agencies.update_agency(db.session(), agency, form.name.data or "", form.kind.data or "",
                                   _partnerships(), current_user.principal.person_id, form.short_names.data or "")
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash("The agency's details have been changed.", "success")
            return redirect(url_for("manager.agency_page", agency_id=agency.id))
    return render_template("manager/agency_form.html", agency=agency, form=form,
                           partnerships=[]), (400 if form.errors else 200)


@bp.route("/agencies/<int:agency_id>/active", methods=["POST"])
def agency_active(agency_id: int) -> Any:
    """Deactivate or reactivate an agency."""
    agency = _agency(agency_id)
    active = ButtonForm().active.data == "yes"
    agencies.set_agency_active(db.session(), agency, _partnerships(), active, current_user.principal.person_id)
    flash(f"{agency.name} is {'active again' if active else 'deactivated: it is not offered for new rounds'}.",
          "success")
    return redirect(url_for("manager.agency_page", agency_id=agency.id))


def _invite(person: Person, agency: Agency, partnership_id: int) -> str:
    """Email a person about the agency's open rounds for a partnership; returns what to tell the manager."""
    session = db.session()
    open_rounds = agencies.open_rounds_for(session, agency, frozenset({partnership_id}))
    if not open_rounds or not person.active:
        return ""
    compose = invitations.composer(session, current_app.config)
    messages = [compose(person, [(r, agency.name) for r in open_rounds])]  # one email, however many rounds
    problem = mail.send_recorded(session, mail.SmtpSettings.from_config(current_app.config), messages)
    if problem:
        return f" They could not be emailed ({problem}); use Send an invitation when email works again."
    return f" They have been emailed about {', '.join(r.title for r in open_rounds)}."


@bp.route("/agencies/<int:agency_id>/people/new", methods=["GET", "POST"])
def add_person(agency_id: int) -> Any:
    """Give someone a membership of the agency; they are invited to any open round of the partnership."""
    agency = _agency(agency_id)
    form = MemberForm()
    partnership_id, choices = _partnership_for(agency, form.partnership.data or "")
    form.offer([(p.id, p.name) for p in choices])
    if form.validate_on_submit():
        try:
            if partnership_id is None:
                raise agencies.DirectoryError("Choose the partnership the person works with", "partnership")
            joined = invitations.add_member(db.session(), agency, partnership_id, form.name.data or "",
                                            form.email.data or "", agencies.role_named(form.role.data or ""),
                                            current_app.config, current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            person = joined.added.person
            kept = (f" {form.email.data} already had an account, so it keeps the name {person.name} and its "
                    "own password." if joined.added.existing_account else "")
            flash(f"{person.name} is now {form.role.data} for {agency.name}.{kept}{_told(joined)}", "success")
            return redirect(url_for("manager.agency_page", agency_id=agency.id))
    return render_template("manager/person_form.html", agency=agency, person=None, member=None, form=form,
                           partnerships=choices, may_edit_account=True), (400 if form.errors else 200)


def _told(joined: invitations.Joined) -> str:
    """What to tell the manager about the email a new member was sent."""
    if not joined.batch:
        return ""
    problem = mail.problem(db.session(), mail.SmtpSettings.from_config(current_app.config), joined.batch)
    if problem:
        return f" They could not be emailed yet ({problem})."
    if joined.rounds:
        return f" They have been emailed about {', '.join(r.title for r in joined.rounds)}."
    return " They have been emailed about it."


@bp.route("/agencies/<int:agency_id>/people/<int:person_id>", methods=["GET", "POST"])
def change_person(agency_id: int, person_id: int) -> Any:
    """Change a person's role in the agency (or correct the details of an account never used)."""
    agency = _agency(agency_id)
    member = _member(agency, person_id)
    person = member.person
    form = MemberForm(data={"name": person.name, "email": person.email, "role": member.role.value})
    may_edit = agencies.manager_may_edit_account(person, _partnerships())
    if form.validate_on_submit():
        try:
            agencies.change_person(db.session(), person, agency, member.partnership_id, _partnerships(),
                                   form.name.data or "", form.email.data or "",
                                   agencies.role_named(form.role.data or ""), current_user.principal.person_id)
        except agencies.DirectoryError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash(f"{possessive(person.name)} details have been changed.", "success")
            return redirect(url_for("manager.agency_page", agency_id=agency.id))
    return render_template("manager/person_form.html", agency=agency, person=person, member=member, form=form,
                           partnerships=[], may_edit_account=may_edit), (400 if form.errors else 200)


@bp.route("/agencies/<int:agency_id>/people/<int:person_id>/<any(remove, deactivate, reactivate, invite):action>",
          methods=["POST"])
def person_action(agency_id: int, person_id: int, action: str) -> Any:
    """End or deactivate a person's membership of the agency, bring it back, or invite them again."""
    agency = _agency(agency_id)
    member = _member(agency, person_id)
    person = member.person
    session = db.session()
    by = current_user.principal.person_id
    if person.id == by and action in ("remove", "deactivate"):
        flash("You cannot remove or deactivate yourself.", "info")
    elif action == "remove":
        agencies.remove_from_agency(session, person, agency, _partnerships(), by)
        flash(f"{person.name} is no longer in {agency.name}. What they wrote is kept.", "success")
    elif action in ("deactivate", "reactivate"):
        agencies.set_membership_active(session, person, agency, _partnerships(), action == "reactivate", by)
        flash(f"{person.name} {'can work on' if action == 'reactivate' else 'can no longer work on'} "
              f"{possessive(agency.name)} returns for your partnership.", "success")
    else:
        told = _invite(person, agency, member.partnership_id)
        flash(told.strip() if told else f"{agency.name} takes part in no open round, so there is nothing to invite "
              f"{person.name} to.", "info" if "could not" in told or not told else "success")
    return redirect(url_for("manager.agency_page", agency_id=agency.id))


@bp.route("/agencies/import", methods=["GET", "POST"])
def import_directory() -> Any:
    """Upload a CSV or XLSX of agencies and people, see what it will add, then confirm."""
    session = db.session()
    partnerships = session.scalars(select(Partnership).where(Partnership.id.in_(_partnerships()))
                                   .order_by(Partnership.name)).all()
    buttons = ButtonForm()
    chosen = next((p for p in partnerships if str(p.id) == buttons.partnership.data), partnerships[0])
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
        return render_template("manager/import.html", problems=problems, plan=None, partnerships=partnerships,
                               chosen=chosen), 400
    assert plan is not None  # noqa: S101 - planned above
    if buttons.confirm.data == "yes":
        directory.apply_import(session, chosen, plan, current_user.principal.person_id)
        flash(f"Imported {name}: {plan.summary()}.", "success")
        return redirect(url_for("manager.agency_list"))
    return render_template("manager/import.html", problems=[], plan=plan, rows=rows, partnerships=partnerships,
                           chosen=chosen, filename=name, data=carried(data))
