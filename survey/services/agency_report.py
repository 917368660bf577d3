"""An agency's own report on one round: its ratings, the board's moderation, challenges, actions and change."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import disclosure
from survey.definitions import Questionnaire
from survey.models import AgencyAction, Answer, Return, ReturnState, Round, RoundState
from survey.scoring import Figures
from survey.services.definitions import questionnaire_of
from survey.services.moderation import StatementView, statements_of
from survey.services.results import previous_round, results_for


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One statement in the report."""

    view: StatementView
    previous: float | None
    change: str
    actions: tuple[AgencyAction, ...]
    partnership: Figures | None = None  # the partnership's figures, where the anonymity rule lets the agency see them


@dataclass(frozen=True, slots=True)
class AgencyReport:
    """Everything in an agency's report for one round."""

    ret: Return
    questionnaire: Questionnaire
    previous_round: Round | None
    lines: list[ReportLine]
    status: str = ""  # the return's state in words, with who and when
    grade: str = ""  # the questionnaire's grade for the return, with its mean ("" when it defines no grades)
    compared: str = ""  # what the partnership's figures are from ("" when there are none to show)


def build(session: Session, ret: Return) -> AgencyReport:
    """Collect the report of one return."""
    questionnaire = questionnaire_of(ret.round.definition_version)
    before = previous_round(session, ret.round)
    previous: dict[str, float] = {}
    if before is not None:
        old = session.scalar(select(Return).where(Return.round_id == before.id, Return.agency_id == ret.agency_id,
                                                  Return.state == ReturnState.SUBMITTED))
        if old is not None:
            previous = {sid: rating for sid, rating in session.execute(
                select(Answer.statement_id, Answer.rating).where(Answer.return_id == old.id,
                                                                 Answer.rating.is_not(None),
                                                                 Answer.not_applicable.is_(False)))
                        if rating is not None}
    actions: dict[str, list[AgencyAction]] = {}
    for action in session.scalars(select(AgencyAction).where(AgencyAction.return_id == ret.id)
                                  .order_by(AgencyAction.id)):
        actions.setdefault(action.statement_id, []).append(action)
    partnership, compared = _partnership(session, ret, questionnaire)
    lines = []
    for view in statements_of(session, ret):
        now = view.answer.rating if view.answer and not view.answer.not_applicable else None
        was = previous.get(view.statement_id)
        change = ""
        if now is not None and was is not None:
            change = "improving" if now > was else "declining" if now < was else "maintaining"
        lines.append(ReportLine(view, was, change, tuple(actions.get(view.statement_id, ())),
                                partnership.get(view.statement_id)))
    return AgencyReport(ret, questionnaire, before, lines, status=return_status(ret), grade=_grade(session, ret),
                        compared=compared)


def _grade(session: Session, ret: Return) -> str:
    """The return's grade as the grading page gives it, in words with its mean."""
    from survey.services.grading import grading

    if not questionnaire_of(ret.round.definition_version).grades:
        return ""
    own = next((g for g in grading(session, ret.round, include_unsubmitted=True) if g.return_id == ret.id), None)
    if own is None or not own.grade:
        return ""
    below = f"; {len(own.below)} of {own.overall.n} statements below the threshold" if own.below else ""
    return f"{own.grade} (mean {own.overall.mean_label}{below})"


def _partnership(session: Session, ret: Return, questionnaire: Questionnaire) -> tuple[dict[str, Figures], str]:
    """The partnership's figures an agency may see beside its own: those the board has released to the chair
    (never live ones), statement by statement where the other agencies' ratings meet k by themselves."""
    results = results_for(session, ret.round, viewer="chair")
    published = results.release.published
    closed = ret.round.state is RoundState.CLOSED
    if published is None and not closed:
        return {}, ""
    own = ret.id in results.return_ids
    k = questionnaire.anonymity_threshold
    shown = {}
    for _, _, statement in questionnaire.statements():
        figures = results.visible("statement", statement.id)
        if figures is not None and disclosure.shown_beside_own(figures.n, k, own):
            shown[statement.id] = figures
    if not shown:
        return {}, ""
    when = "the final results" if closed or published is None else \
        f"the results published on {published.created_at:%-d %B %Y}"
    return shown, (f"The partnership's mean and range are from {when}, where at least {k} other agencies rated "
                   "the statement.")


def return_status(ret: Return) -> str:
    """A return's state in words, as the agency's report and printed copy say it."""
    submitted = ""
    if ret.submitted_at is not None:
        by = f" by {ret.declaration_name}" if ret.declaration_name else ""
        role = f" ({ret.declaration_role})" if ret.declaration_role else ""
        submitted = f"{ret.submitted_at:%-d %B %Y}{by}{role}"
    if ret.state is ReturnState.SUBMITTED:
        return f"Submitted on {submitted}" if submitted else "Submitted"
    if ret.state is ReturnState.REOPENED:
        reason = f": {ret.reopened_reason}" if ret.reopened_reason else ""
        last = f"; it was last submitted on {submitted}" if submitted else ""
        return f"Reopened by the board{reason}{last}. It is being changed and has not been submitted again"
    if ret.state is ReturnState.DRAFT:
        return "Draft: not submitted yet"
    return "Not started"


__all__ = ["AgencyReport", "ReportLine", "build", "return_status"]
