"""Areas for development and their actions: the pages chairs and managers share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from survey.extensions import db
from survey.models import Agency, AreaAction, DevelopmentArea, PartnershipAgency, Round
from survey.rag import RULE
from survey.services import action_follow_up, development, results
from survey.services.definitions import questionnaire_of
from survey.web.development_forms import ActionForm, AreaForm, ProgressForm
from survey.web.forms import refuse


def areas_page(round_: Round, viewer: str) -> str:
    """A round's agreed areas with their actions, and the candidates the rules suggest."""
    session = db.session()
    collated = results.results_for(session, round_, viewer=viewer)
    config = current_app.config
    areas = development.areas_of(session, round_.id)
    agreed = {str(sid) for area in areas for sid in area.statement_ids}
    return render_template("development/areas.html", round=round_, viewer=viewer, areas=areas,
                           carried=action_follow_up.carried_areas(session, round_),
                           open_actions=action_follow_up.open_actions,
                           candidates=development.candidates(collated, int(config["DEVELOPMENT_LOWEST"]),
                                                             float(config["DEVELOPMENT_WIDE_RANGE"]), agreed),
                           lowest=config["DEVELOPMENT_LOWEST"], wide=config["DEVELOPMENT_WIDE_RANGE"],
                           today=dt.date.today(), progress=development.progress_text)


def area_form(round_: Round, area: DevelopmentArea | None, done_endpoint: str) -> Any:
    """Agree (or change) an area: title, rationale, linked statements."""
    questionnaire = questionnaire_of(round_.definition_version)
    form = AreaForm(data={"title": area.title if area else "", "rationale": area.rationale if area else "",
                          "statements": list(area.statement_ids) if area else request.args.getlist("statement")})
    if form.validate_on_submit():
        try:
            saved = development.save_area(db.session(), round_, form.title.data or "", form.rationale.data or "",
                                          form.statements.data or [], current_user.principal.person_id, area)
        except development.DevelopmentError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash(f"Area for development “{saved.title}” saved. Add its actions next." if area is None else
                  "The area has been changed.", "success")
            return redirect(url_for(done_endpoint, round_id=round_.id) + f"#area-{saved.id}")
    return render_template("development/area_form.html", round=round_, area=area, form=form,
                           chosen=form.statements.data or [], q=questionnaire), (400 if form.errors else 200)


def _agencies(round_: Round) -> list[Agency]:
    return list(db.session.scalars(select(Agency).join(PartnershipAgency).where(
        PartnershipAgency.partnership_id.in_(round_.partnership_ids)).distinct().order_by(Agency.name)))


def action_form(area: DevelopmentArea, action: AreaAction | None, done_endpoint: str) -> Any:
    """Add (or change) an action: what, owner (an agency or a person), due date, status."""
    round_ = area.round
    agencies = _agencies(round_)
    form = ActionForm(data={"what": action.what if action else "",
                            "owner_agency": str(action.owner_agency_id or "") if action else "",
                            "owner_name": action.owner_name if action else "",
                            "due_on": action.due_on if action else None,
                            "status": action.status.value if action else "not started"})
    if form.validate_on_submit():
        owner = form.owner_agency.data or ""
        try:
            if owner and not owner.isdigit():
                raise development.DevelopmentError("Choose one of the partnership's agencies", "owner")
            owner_id = int(owner) if owner else None
            if owner_id is not None and owner_id not in {a.id for a in agencies}:
                raise development.DevelopmentError("Choose one of the partnership's agencies", "owner")
            development.save_action(db.session(), area, form.what.data or "", owner_id, form.owner_name.data or "",
                                    form.due_on.data, form.status.data or "", current_user.principal.person_id,
                                    dt.date.today(), action)
        except development.DevelopmentError as exc:
            refuse(form, str(exc), {"owner": "owner_agency"}.get(exc.field, exc.field))
        else:
            flash("The action has been saved.", "success")
            return redirect(url_for(done_endpoint, round_id=round_.id) + f"#area-{area.id}")
    return render_template("development/action_form.html", area=area, action=action, form=form,
                           agencies=agencies), (400 if form.errors else 200)


def area_in(area_id: int, partnerships: frozenset[int]) -> DevelopmentArea:
    """An area of one of the given partnerships' rounds, else 404."""
    found = db.session.get(DevelopmentArea, area_id)
    if found is None or not found.round.run_by(partnerships):
        abort(404)
    return found


def action_in(action_id: int, partnerships: frozenset[int]) -> AreaAction:
    """An action of one of the given partnerships' areas, else 404."""
    found = db.session.get(AreaAction, action_id)
    if found is None or not found.area.round.run_by(partnerships):
        abort(404)
    return found


def carried_context(round_: Round) -> dict[str, Any]:
    """Last round's areas for the results page: by statement, listed once, with their progress."""
    before, linked = development.carried_from_previous(db.session(), round_)
    listed = {area.id: area for areas in linked.values() for area in areas}
    return {"carried": linked, "carried_round": before, "carried_areas": sorted(listed.values(), key=lambda a: a.id),
            "progress": development.progress_text, "today": dt.date.today()}


def progress_page(action: AreaAction, viewer: str) -> Any:
    """An action's history: its colour and why, notes of progress with evidence links; add a note, set the colour."""
    form = ProgressForm(data={"colour": action.rag_override or "auto", "reason": action.rag_reason})
    if form.validate_on_submit():
        by = current_user.principal.person_id
        try:
            if form.which.data == "rag":
                action_follow_up.set_rag(db.session(), action, form.colour.data or "", form.reason.data or "", by)
                message = "The colour has been saved."
            else:
                action_follow_up.add_note(db.session(), action, form.text.data or "", form.links.data or "", by)
                message = "The note has been added."
        except action_follow_up.FollowUpError as exc:
            refuse(form, str(exc), exc.field)
        else:
            flash(message, "success")
            return redirect(url_for(f"{viewer}.action_progress", action_id=action.id))
    return render_template("development/progress.html", action=action, area=action.area, form=form, viewer=viewer,
                           today=dt.date.today(), rag_rule=RULE), (400 if form.errors else 200)
