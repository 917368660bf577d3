"""An agency's own report on one round: its ratings, the board's moderation, challenges, actions and change."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.definitions import Questionnaire
from survey.models import AgencyAction, Answer, Return, ReturnState, Round
from survey.services.definitions import questionnaire_of
from survey.services.moderation import StatementView, statements_of
from survey.services.results import previous_round


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One statement in the report."""

    view: StatementView
    previous: float | None
    change: str
    actions: tuple[AgencyAction, ...]


@dataclass(frozen=True, slots=True)
class AgencyReport:
    """Everything in an agency's report for one round."""

    ret: Return
    questionnaire: Questionnaire
    previous_round: Round | None
    lines: list[ReportLine]


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
    lines = []
    for view in statements_of(session, ret):
        now = view.answer.rating if view.answer and not view.answer.not_applicable else None
        was = previous.get(view.statement_id)
        change = ""
        if now is not None and was is not None:
            change = "improving" if now > was else "declining" if now < was else "maintaining"
        lines.append(ReportLine(view, was, change, tuple(actions.get(view.statement_id, ()))))
    return AgencyReport(ret, questionnaire, before, lines)


__all__ = ["AgencyReport", "ReportLine", "build"]
