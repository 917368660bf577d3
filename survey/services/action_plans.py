"""Agency action plans (Section 11): actions from ratings below the threshold and from challenges, tracked to done.

Actions a return lists for its low ratings join the agency's plan when the return is submitted (a resubmission
updates them and keeps their progress). The board adds actions from challenges. An agency records progress and,
to mark an action done, the evidence that it is.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from survey.db import use_case
from survey.models import (
    ActionStatus,
    AgencyAction,
    Answer,
    AuditEvent,
    Challenge,
    DefinitionVersion,
    Return,
    Round,
    RoundState,
    utcnow,
)
from survey.services.access import Membership, member_returns

TEXT_MAX = 4000


class ActionPlanError(Exception):
    """An action that cannot be saved; the message says why."""

    def __init__(self, message: str, field: str = "") -> None:
        self.field = field
        super().__init__(message)


def record_rating_actions(session: Session, ret: Return) -> int:
    """Put a submitted return's actions (for ratings below the threshold) into its agency's plan; no commit."""
    existing = {a.statement_id: a for a in session.scalars(select(AgencyAction).where(
        AgencyAction.return_id == ret.id, AgencyAction.source == "rating"))}
    count = 0
    for answer in session.scalars(select(Answer).where(Answer.return_id == ret.id, Answer.action_what != "")):
        action = existing.get(answer.statement_id)
        if action is None:
            action = AgencyAction(agency_id=ret.agency_id, round_id=ret.round_id, return_id=ret.id,
                                  statement_id=answer.statement_id, source="rating")
            session.add(action)
        action.what, action.who, action.due_on = answer.action_what, answer.action_who, answer.action_by
        count += 1
    return count


@use_case
def add_challenge_action(session: Session, challenge: Challenge, what: str, who: str, due_on: dt.date | None,
                         by_person_id: int | None, today: dt.date) -> AgencyAction:
    """An action the board agrees with the agency after a challenge."""
    ret = challenge.return_
    if ret.round.state is RoundState.CLOSED:
        raise ActionPlanError(f"{ret.round.title} is closed: actions can no longer be added to it")
    what, who = what.strip(), " ".join(who.split())
    if not what:
        raise ActionPlanError("Say what the agency will do", "what")
    if len(what) > TEXT_MAX:
        raise ActionPlanError(f"The action must be {TEXT_MAX} characters or fewer", "what")
    if not who:
        raise ActionPlanError("Say who in the agency owns the action", "who")
    if len(who) > 200:
        raise ActionPlanError("The owner must be 200 characters or fewer", "who")
    if due_on is None:
        raise ActionPlanError("Enter the date the action is due", "due_on")
    if due_on < today:
        raise ActionPlanError("The due date must be today or later", "due_on")
    action = AgencyAction(agency_id=ret.agency_id, round_id=ret.round_id, return_id=ret.id,
                          statement_id=challenge.statement_id, source="challenge", challenge_id=challenge.id,
                          what=what, who=who, due_on=due_on)
    session.add(action)
    session.flush()
    session.add(AuditEvent(person_id=by_person_id, action="agency_action.added", round_id=ret.round_id,
                           return_id=ret.id, object_type="agency_action", object_id=str(action.id),
                           new={"what": what, "who": who, "due": due_on.isoformat()}))
    return action


@use_case
def update_progress(session: Session, action: AgencyAction, status: str, evidence: str, by_person_id: int | None,
                    today: dt.date) -> None:
    """Record how far an action has got; done needs the evidence that it is."""
    try:
        state = ActionStatus(status)
    except ValueError:
        raise ActionPlanError("Choose not started, in progress or done", "status") from None
    evidence = evidence.strip()
    if len(evidence) > TEXT_MAX:
        raise ActionPlanError(f"The evidence must be {TEXT_MAX} characters or fewer", "evidence")
    if state is ActionStatus.DONE and not evidence:
        raise ActionPlanError("Describe the evidence that the action is done", "evidence")
    old = {"status": action.status.value, "evidence": action.evidence}
    action.status, action.evidence = state, evidence
    action.done_on = (action.done_on or today) if state is ActionStatus.DONE else None
    action.updated_at, action.updated_by_id = utcnow(), by_person_id
    session.add(AuditEvent(person_id=by_person_id, action="agency_action.progress", round_id=action.round_id,
                           return_id=action.return_id, object_type="agency_action", object_id=str(action.id),
                           old=old, new={"status": state.value, "evidence": evidence}))


def plan_of(session: Session, memberships: frozenset[Membership]) -> list[AgencyAction]:
    """The actions of these memberships' returns, newest round first, open before done."""
    rows = session.scalars(select(AgencyAction).join(Return, Return.id == AgencyAction.return_id)
                           .where(member_returns(memberships))
                           .options(selectinload(AgencyAction.round), selectinload(AgencyAction.agency))).all()
    return sorted(rows, key=lambda a: (-a.round_id, a.status is ActionStatus.DONE, a.due_on or dt.date.max, a.id))


def round_actions(session: Session, round_id: int) -> list[AgencyAction]:
    """Every agency action of a round, overdue and open first."""
    today = dt.date.today()
    rows = session.scalars(select(AgencyAction).where(AgencyAction.round_id == round_id)
                           .options(selectinload(AgencyAction.agency))).all()
    return sorted(rows, key=lambda a: (not a.is_overdue(today), a.status is ActionStatus.DONE, a.agency.name, a.id))


def overdue_count(session: Session, round_id: int, today: dt.date) -> int:
    """How many of a round's agency actions are past their due date and not done."""
    return session.scalar(select(func.count()).select_from(AgencyAction).where(
        AgencyAction.round_id == round_id, AgencyAction.status != ActionStatus.DONE,
        AgencyAction.due_on < today)) or 0


def carried_into(session: Session, ret: Return) -> list[AgencyAction]:
    """The agency's actions from earlier rounds of the same questionnaire (shown in its next return)."""
    questionnaire_id = ret.round.definition_version.questionnaire_id
    return list(session.scalars(
        select(AgencyAction).join(Round, Round.id == AgencyAction.round_id)
        .join(DefinitionVersion, DefinitionVersion.id == Round.definition_version_id)
        .where(AgencyAction.agency_id == ret.agency_id, AgencyAction.round_id != ret.round_id,
               DefinitionVersion.questionnaire_id == questionnaire_id, Round.opens_on < ret.round.opens_on)
        .options(selectinload(AgencyAction.round)).order_by(Round.opens_on.desc(), AgencyAction.id)))


__all__ = ["ActionPlanError", "add_challenge_action", "carried_into", "overdue_count", "plan_of",
           "record_rating_actions", "round_actions", "update_progress"]
