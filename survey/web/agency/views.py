"""Agency pages: returns, the task list, duty pages, conflicts, check answers, sign-off, print, evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from survey.db import read_first
from survey.definitions import Duty, Questionnaire
from survey.extensions import db, login_manager
from survey.links import external_url
from survey.models import Return, utcnow
from survey.services import (
    agency_attention,
    agency_returns,
    carry_forward,
    evidence,
    evidence_library,
    pending_uploads,
    ready_for_sign_off,
    return_snapshots,
    returns,
    stash,
    unsaved,
)
from survey.services.access import Forbidden, NotFound, return_for_agency_user
from survey.timezone import london
from survey.web import page_cache
from survey.web.agency import forms, library

bp = Blueprint("agency", __name__, url_prefix="/agency")


@bp.before_request
def require_agency_user() -> Any:
    """Only people with a role in an agency use these pages."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.principal.is_agency_user:
        abort(403)
    return None


def _load(return_id: int, with_answers: bool = True) -> tuple[Return, Questionnaire]:
    try:
        ret = return_for_agency_user(db.session(), current_user.principal, return_id, with_answers)
    except NotFound:
        abort(404)
    return ret, returns.questionnaire_for(ret)


def _find_duty(questionnaire: Questionnaire, duty_id: str) -> tuple[int, Duty] | None:
    for index, (_, duty) in enumerate(questionnaire.duties()):
        if duty.id == duty_id:
            return index, duty
    return None


def _duty(questionnaire: Questionnaire, duty_id: str) -> tuple[int, Duty]:
    found = _find_duty(questionnaire, duty_id)
    if found is None:
        abort(404)
    return found


@bp.route("/")
def home() -> str:
    """What needs attention, then the returns of the person's agencies: open ones first, then past ones."""
    rows = agency_returns.for_memberships(db.session(), current_user.principal.memberships)
    attention = agency_attention.items_for(db.session(), current_user.principal, rows, dt.date.today())
    return render_template("agency/home.html", rows=rows, attention=attention)


@bp.route("/returns/<int:return_id>")
def task_list(return_id: int) -> str:
    """A return as a GOV.UK task list: each duty with its status and who last edited it."""
    ret, questionnaire = _load(return_id)
    rows = returns.progress(ret, questionnaire)
    resume = next((r.duty.id for r in rows if r.duty.id == ret.resume_duty_id and r.status != "completed"), None)
    resume = resume or next((r.duty.id for r in rows if r.status != "completed"), None)
    from survey.services import action_plans, moderation

    board = [v for v in moderation.statements_of(db.session(), ret) if v.moderation or v.challenges]
    carried = action_plans.carried_into(db.session(), ret)
    return render_template("agency/task_list.html", ret=ret, q=questionnaire, rows=rows, resume=resume,
                           editable=returns.is_editable(ret), deadline=agency_returns.deadline_of(ret),
                           completed=sum(r.status == "completed" for r in rows), board=board, carried=carried,
                           today=dt.date.today(), carry_source=carry_forward.can_start(db.session(), ret),
                           waiting=unsaved.duties_waiting(db.session(), current_user.principal.person_id, ret.id))


def _head(return_id: int) -> tuple[return_snapshots.ReturnHead, Questionnaire]:
    session = db.session()
    try:
        ret = return_snapshots.head(session, current_user.principal, return_id)
    except NotFound:
        abort(404)
    return ret, return_snapshots.questionnaire(session, ret)


def _content(ret: return_snapshots.ReturnHead, duty: Duty) -> return_snapshots.StoredContent:
    return return_snapshots.content(db.session(), ret, [s.id for s in duty.statements])


def _last_year(ret: return_snapshots.ReturnHead, questionnaire: Questionnaire, duty: Duty) -> tuple[Any, ...]:
    return carry_forward.last_year(db.session(), ret.carried_from_id, questionnaire, [s.id for s in duty.statements])


def _render_duty(ret: return_snapshots.ReturnHead, stored: return_snapshots.StoredContent,
                 questionnaire: Questionnaire, duty: Duty, index: int, form: Any, restored: bool = False,
                 waiting: int = 0, pending: dict[str, Any] | None = None,
                 colleagues: tuple[tuple[str, int], ...] = (), last_year: tuple[Any, ...] | None = None,
                 files_before: tuple[Any, ...] | None = None, **placeholders: Any) -> str:
    total = sum(1 for _ in questionnaire.duties())
    if last_year is None:
        last_year = _last_year(ret, questionnaire, duty)
    if files_before is None:
        files_before = evidence_library.library(db.session(), ret.agency_id, ret.partnership_id)
    return render_template("agency/duty.html", ret=ret, q=questionnaire, duty=duty, form=form,
                           to_confirm=stored.to_confirm(), last_year=dict(last_year), library=files_before,
                           names=forms.names, files=stored.files_by_statement(), index=index, total=total,
                           restored=restored, waiting=waiting, pending=pending or {}, colleagues=colleagues,
                           section=next(s for s, d in questionnaire.duties() if d.id == duty.id),
                           max_mb=current_app.config["EVIDENCE_MAX_MB"], **placeholders)


@bp.route("/returns/<int:return_id>/duties/<duty_id>", methods=["GET", "POST"])
@read_first
def duty_page(return_id: int, duty_id: str) -> Any:
    """One duty's statements: rating, commentary, evidence and actions, saved as a draft."""
    if request.method == "GET":
        return _show_duty(return_id, duty_id)
    ret, questionnaire = _load(return_id, with_answers=False)
    index, duty = _duty(questionnaire, duty_id)
    if not returns.is_editable(ret):
        flash("This return can no longer be changed.", "info")
        return redirect(url_for("agency.check_answers", return_id=ret.id))
    form = forms.duty_form_class(questionnaire, duty.id)()
    valid = form.validate()
    valid = forms.check_actions(form, questionnaire, duty, dt.date.today()) and valid
    uploads = []
    for statement in duty.statements:
        field = form[forms.names(statement.id)["evidence"]]
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            continue
        data = upload.read(current_app.config["EVIDENCE_MAX_MB"] * 1024 * 1024 + 1)
        try:
            evidence.check(upload.filename, data, current_app.config["EVIDENCE_MAX_MB"] * 1024 * 1024)
        except evidence.EvidenceError as exc:
            field.errors = [*field.errors, str(exc)]
            valid = False
        else:
            uploads.append(returns.Upload(statement.id, upload.filename, data))
    # Files chosen from the library are attached only with a page that saves: until then the choice stays chosen.
    reused = library.chosen(form, duty, ret)
    valid = valid and not library.refused(form, duty)
    principal = current_user.principal
    pending = {s.id: form[forms.names(s.id)["pending"]].data or "" for s in duty.statements}
    if not valid:
        # Files that were fine wait for the next save of the page: nobody has to find and choose them again.
        kept = pending_uploads.shown(db.session(), principal.person_id, ret.id, pending)
        for upload in uploads:
            kept[upload.statement_id] = pending_uploads.keep(db.session(), principal.person_id, ret.id,
                                                             upload.statement_id, upload.filename, upload.data)
        head, _ = _head(ret.id)
        return _render_duty(head, _content(head, duty), questionnaire, duty, index, form, pending=kept), 400
    try:
        result = returns.save_statements(db.session(), ret, principal, duty.id,
                                         forms.inputs_of(form, duty, form.page.data or ""), uploads + reused,
                                         _evidence_folder(), then=form.action.data or "continue",
                                         pending=pending)
    except returns.ReadOnly as exc:
        flash(str(exc), "info")
        return redirect(url_for("agency.check_answers", return_id=ret.id))
    if result.conflicts:
        return redirect(url_for("agency.conflict", return_id=ret.id, duty_id=duty.id))
    return _after_save(ret, questionnaire, index, form.action.data or "continue")


def _evidence_folder() -> returns.EvidenceFolder:
    return returns.EvidenceFolder(current_app.config["EVIDENCE_DIR"],
                                  current_app.config["EVIDENCE_MAX_MB"] * 1024 * 1024)


def _show_duty(return_id: int, duty_id: str) -> Any:
    """The duty page as stored now; unchanged pages come from the page cache."""
    def statement_ids(questionnaire: Questionnaire) -> list[str]:
        # No such duty reads nothing; `_duty` below then answers 404.
        found = _find_duty(questionnaire, duty_id)
        return [s.id for s in found[1].statements] if found else []

    try:
        ret, questionnaire, stored = return_snapshots.snapshot(db.session(), current_user.principal, return_id,
                                                               statement_ids)
    except NotFound:
        abort(404)
    index, duty = _duty(questionnaire, duty_id)
    if not ret.editable:
        flash("This return can no longer be changed.", "info")
        return redirect(url_for("agency.check_answers", return_id=ret.id))
    form_class = forms.duty_form_class(questionnaire, duty.id)
    waiting = len(unsaved.entries(db.session(), current_user.principal.person_id, ret.id, duty.id))
    colleagues = return_snapshots.colleagues_saving(db.session(), stored, current_user.principal.person_id)
    token = request.args.get("restore")
    if token:
        form = form_class(formdata=None)
        forms.fill(form, duty, stored.stored())
        restored = False
        files: dict[str, Any] = {}
        kept = stash.take(db.session(), token, current_user.principal.person_id, "expired")
        if kept is not None and kept.path == request.path:
            form = form_class(formdata=MultiDict([(k, v) for k, vs in kept.data.items() for v in vs]),
                              meta={"csrf": False})
            form.validate()
            restored = True
            files = pending_uploads.shown(db.session(), current_user.principal.person_id, ret.id,
                                          {s.id: (kept.data.get(f"pending-{s.id}") or [""])[0]
                                           for s in duty.statements})
        return _render_duty(ret, stored, questionnaire, duty, index, form, restored=restored, waiting=waiting,
                            colleagues=colleagues, pending=files)

    last_year = _last_year(ret, questionnaire, duty)
    files_before = evidence_library.library(db.session(), ret.agency_id, ret.partnership_id)

    def render(placeholders: dict[str, Any]) -> str:
        form = form_class(formdata=None)
        forms.fill(form, duty, stored.stored())
        return _render_duty(ret, stored, questionnaire, duty, index, form, waiting=waiting, colleagues=colleagues,
                            last_year=last_year, files_before=files_before, **placeholders)

    # The key holds every stored value the page shows, and the person and roles its header shows.
    return page_cache.cached_page((ret, stored, duty.id, current_user.principal, waiting, colleagues, last_year,
                                   files_before), render)


def _after_save(ret: Return, questionnaire: Questionnaire, index: int, action: str) -> Any:
    if action == "later":
        flash("Your answers have been saved. You can come back to this return at any time before the deadline.",
              "success")
        return redirect(url_for("agency.task_list", return_id=ret.id))
    duties = [d for _, d in questionnaire.duties()]
    if index + 1 < len(duties):
        return redirect(url_for("agency.duty_page", return_id=ret.id, duty_id=duties[index + 1].id))
    return redirect(url_for("agency.check_answers", return_id=ret.id))


@bp.route("/returns/<int:return_id>/duties/<duty_id>/autosave", methods=["POST"])
@read_first
def autosave(return_id: int, duty_id: str) -> Any:
    """Save typed answers in the background (the page works without it); returns new revisions as JSON."""
    ret, questionnaire = _load(return_id, with_answers=False)
    _, duty = _duty(questionnaire, duty_id)
    if not returns.is_editable(ret):
        return jsonify(status="read-only"), 409
    form = forms.duty_form_class(questionnaire, duty.id)()
    if not form.validate():
        errors = {name: errs for name, errs in form.errors.items() if not name.startswith("evidence-")}
        if errors:
            return jsonify(status="invalid", errors=errors), 400
    inputs = forms.inputs_of(form, duty, form.page.data or "")
    try:
        result = returns.save_statements(db.session(), ret, current_user.principal, duty.id, inputs)
    except returns.ReadOnly:
        return jsonify(status="read-only"), 409
    sent = {item.statement_id: item.values for item in inputs}
    return jsonify(
        status="conflict" if result.conflicts else "saved",
        saved={sid: {"rev": rev, "base": sent[sid].digest()} for sid, rev in result.revisions.items()},
        conflicts=[c.statement_id for c in result.conflicts],
        review=url_for("agency.conflict", return_id=ret.id, duty_id=duty.id) if result.conflicts else None,
        at=london(utcnow()).strftime("%H:%M"),
    )


@bp.route("/returns/<int:return_id>/duties/<duty_id>/conflict", methods=["GET", "POST"])
@read_first
def conflict(return_id: int, duty_id: str) -> Any:
    """Two people changed the same statement: show both versions and let this person choose what to keep."""
    ret, questionnaire = _load(return_id)
    index, duty = _duty(questionnaire, duty_id)
    principal = current_user.principal
    texts = {st.id: st for st in duty.statements}
    kept = [k for k in returns.kept_versions(db.session(), principal.person_id, ret.id, duty.id)
            if k.statement_id in texts]
    if not kept:
        flash("Nothing on this page is waiting for your choice: your versions were saved or let go.", "info")
        return redirect(url_for("agency.duty_page", return_id=ret.id, duty_id=duty.id))
    form = forms.conflict_form_class(tuple((k.statement_id, texts[k.statement_id].text) for k in kept))()
    again = False
    if request.method == "POST" and form.validate():
        choices = {k.statement_id: form[f"keep-{k.statement_id}"].data for k in kept}
        then = unsaved.then_of(db.session(), principal.person_id, ret.id, duty.id)
        try:
            result = returns.resolve_conflicts(db.session(), ret, principal, duty.id, choices)
        except returns.ReadOnly as exc:
            flash(str(exc), "info")
            return redirect(url_for("agency.check_answers", return_id=ret.id))
        if not result.conflicts:
            flash("Your choices have been saved.", "success")
            return _after_save(ret, questionnaire, index, then)
        again = True
        kept = [k for k in returns.kept_versions(db.session(), principal.person_id, ret.id, duty.id)
                if k.statement_id in texts]
        form = forms.conflict_form_class(tuple((k.statement_id, texts[k.statement_id].text) for k in kept))(
            formdata=None)
    return render_template("agency/conflict.html", ret=ret, q=questionnaire, duty=duty, form=form, again=again,
                           items=[(k, texts[k.statement_id]) for k in kept]), (400 if form.errors else 200)


@bp.route("/returns/<int:return_id>/check")
def check_answers(return_id: int) -> str:
    """Everything on one page with change links, what is still missing, and the way to submit."""
    ret, questionnaire = _load(return_id)
    return render_template("agency/check_answers.html", ret=ret, q=questionnaire,
                           answers=returns.answers_by_statement(ret), missing=returns.missing(ret, questionnaire),
                           files=agency_returns.evidence_by_statement(db.session(), ret.id),
                           editable=returns.is_editable(ret), deadline=agency_returns.deadline_of(ret),
                           can_submit=current_user.principal.can_submit_return(ret),
                           told_at=ready_for_sign_off.told_at(db.session(), ret))


@bp.route("/returns/<int:return_id>/submit", methods=["GET", "POST"])
def submit(return_id: int) -> Any:
    """The agency lead's declaration and submission."""
    ret, questionnaire = _load(return_id)
    principal = current_user.principal
    if not principal.can_submit_return(ret):
        abort(403, "Only the agency lead can sign off and submit the return.")
    if not returns.is_editable(ret):
        return redirect(url_for("agency.check_answers", return_id=ret.id))
    if returns.missing(ret, questionnaire):
        flash("The return is not complete yet: see what is missing below.", "info")
        return redirect(url_for("agency.check_answers", return_id=ret.id))
    form = forms.DeclarationForm()
    if request.method == "GET":
        person = agency_returns.person(db.session(), principal.person_id)
        form.name.data = person.name
        form.role.data = person.job_title
    if form.validate_on_submit():
        try:
            first = returns.submit(db.session(), ret, principal, (form.name.data or "").strip(),
                                  (form.role.data or "").strip())
        except returns.ReadOnly as exc:
            flash(str(exc), "info")
            return redirect(url_for("agency.check_answers", return_id=ret.id))
        if first:
            sent = agency_returns.send_confirmation(db.session(), ret, questionnaire, current_app.config,
                                                    external_url(current_app.config,
                                                                 url_for("agency.print_view", return_id=ret.id)))
            if not sent:
                flash("The return is submitted, but we could not send the confirmation email. Your board manager "
                      "can see the submission.", "info")
        return redirect(url_for("agency.submitted", return_id=ret.id))
    return render_template("agency/submit.html", ret=ret, q=questionnaire, form=form,
                           today=dt.date.today()), (400 if form.errors else 200)


@bp.route("/returns/<int:return_id>/submitted")
def submitted(return_id: int) -> Any:
    """Confirmation after submitting."""
    ret, questionnaire = _load(return_id)
    if ret.submitted_at is None:
        return redirect(url_for("agency.task_list", return_id=ret.id))
    return render_template("agency/submitted.html", ret=ret, q=questionnaire,
                           emailed=agency_returns.confirmation_sent(db.session(), ret))


@bp.route("/returns/<int:return_id>/print")
def print_view(return_id: int) -> str:
    """A printable copy of the return for the agency's own governance."""
    ret, questionnaire = _load(return_id)
    from survey.services.agency_report import return_status

    return render_template("agency/print.html", ret=ret, q=questionnaire, answers=returns.answers_by_statement(ret),
                           status=return_status(ret), files=agency_returns.evidence_by_statement(db.session(), ret.id),
                           deadline=agency_returns.deadline_of(ret), printed=utcnow())


@bp.errorhandler(Forbidden)
def forbidden(_exc: Forbidden) -> Any:
    """A service refused: the person may see this but not do it."""
    abort(403)
