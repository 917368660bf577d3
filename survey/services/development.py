"""Areas for development: candidates suggested by stated rules, areas the chair agrees, their actions.

The rules (shown on the results page, thresholds from configuration):
- the statements with the lowest means (DEVELOPMENT_LOWEST of them, default 5);
- statements whose ratings are widest apart (range at least DEVELOPMENT_WIDE_RANGE, default 2);
- statements whose mean fell since the previous round of the same questionnaire.
Only statements whose figures may be shown (the anonymity rules) are suggested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.db import use_case
from survey.models import (
    ActionStatus,
    Agency,
    AreaAction,
    AuditEvent,
    DevelopmentArea,
    Round,
)
from survey.services.definitions import questionnaire_of
from survey.services.results import RoundResults, previous_round

TITLE_MAX = 200
TEXT_MAX = 4000


class DevelopmentError(Exception):
    """An area or action that cannot be saved; the message says why."""

    def __init__(self, message: str, field: str = "") -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A statement suggested for development, with the rules it meets."""

    statement_id: str
    text: str
    mean_label: str
    reasons: tuple[str, ...]


def candidates(results: RoundResults, lowest: int = 5, wide_range: float = 2.0,
               agreed: Collection[str] = ()) -> list[Candidate]:
    """Statements the rules suggest, lowest mean first; statements already in an agreed area are not suggested
    again (and the lowest means are counted without them)."""
    shown = []
    for _, _duty, statement in results.questionnaire.statements():
        if statement.id in agreed:
            continue
        figures = results.visible("statement", statement.id)
        if figures is not None and figures.mean is not None:
            shown.append((statement, figures))
    by_mean = sorted(shown, key=lambda pair: (pair[1].mean, pair[0].id))
    low = {s.id for s, _ in by_mean[:lowest]}
    out = []
    for statement, figures in by_mean:
        reasons = []
        if statement.id in low:
            reasons.append("among the lowest means")
        if figures.range is not None and figures.range >= wide_range:
            reasons.append(f"ratings {figures.range:g} apart")
        change = results.changes.get(("statement", statement.id))
        if change is not None and change.direction == "declining":
            reasons.append(f"fell from {change.previous_label}")
        if reasons:
            out.append(Candidate(statement.id, statement.text, figures.mean_label, tuple(reasons)))
    return out


def areas_of(session: Session, round_id: int) -> list[DevelopmentArea]:
    """A round's agreed areas with their actions."""
    return list(session.scalars(select(DevelopmentArea).where(DevelopmentArea.round_id == round_id)
                                .options(selectinload(DevelopmentArea.actions).selectinload(AreaAction.owner_agency),
                                         selectinload(DevelopmentArea.actions).selectinload(AreaAction.notes))
                                .order_by(DevelopmentArea.id)))


def carried_from_previous(session: Session, round_: Round) -> tuple[Round | None, dict[str, list[DevelopmentArea]]]:
    """Last round's areas by the statements they link (shown beside those statements in this round)."""
    before = previous_round(session, round_)
    if before is None:
        return None, {}
    linked: dict[str, list[DevelopmentArea]] = {}
    for area in areas_of(session, before.id):
        for statement_id in area.statement_ids:
            linked.setdefault(str(statement_id), []).append(area)
    return before, linked


@use_case
def save_area(session: Session, round_: Round, title: str, rationale: str, statement_ids: list[str],
              by_person_id: int | None, area: DevelopmentArea | None = None) -> DevelopmentArea:
    """Agree a new area for development, or change one."""
    title, rationale = " ".join(title.split()), rationale.strip()
    if not title:
        raise DevelopmentError("Enter a title for the area", "title")
    if len(title) > TITLE_MAX:
        raise DevelopmentError(f"The title must be {TITLE_MAX} characters or fewer", "title")
    if len(rationale) > TEXT_MAX:
        raise DevelopmentError(f"The rationale must be {TEXT_MAX} characters or fewer", "rationale")
    known = questionnaire_of(round_.definition_version).statement_ids()
    unknown = [s for s in statement_ids if s not in known]
    if unknown:
        raise DevelopmentError(f"There is no statement {unknown[0]!r} in this questionnaire", "statements")
    if not statement_ids:
        raise DevelopmentError("Choose at least one statement the area responds to", "statements")
    ordered = [s for s in known if s in set(statement_ids)]
    old = None
    if area is None:
        area = DevelopmentArea(round_id=round_.id, title=title, rationale=rationale, statement_ids=ordered,
                               agreed_by_id=by_person_id)
        session.add(area)
        session.flush()
    else:
        old = {"title": area.title, "rationale": area.rationale, "statements": list(area.statement_ids)}
        area.title, area.rationale, area.statement_ids = title, rationale, ordered
    session.add(AuditEvent(person_id=by_person_id, action="area.changed" if old else "area.agreed",
                           round_id=round_.id, object_type="area", object_id=str(area.id), old=old,
                           new={"title": title, "rationale": rationale, "statements": ordered}))
    return area


@use_case
def save_action(session: Session, area: DevelopmentArea, what: str, owner_agency_id: int | None, owner_name: str,
                due_on: dt.date | None, status: str, by_person_id: int | None, today: dt.date,
                action: AreaAction | None = None) -> AreaAction:
    """Add an action to an area, or change one (its status, owner, date)."""
    what, owner_name = what.strip(), " ".join(owner_name.split())
    if not what:
        raise DevelopmentError("Say what will be done", "what")
    if len(what) > TEXT_MAX:
        raise DevelopmentError(f"The action must be {TEXT_MAX} characters or fewer", "what")
    if len(owner_name) > 200:
        raise DevelopmentError("The owner's name must be 200 characters or fewer", "owner_name")
    if owner_agency_id is None and not owner_name:
        raise DevelopmentError("Choose the agency that owns the action, or name the person who does", "owner")
    if owner_agency_id is not None and session.get(Agency, owner_agency_id) is None:
        raise DevelopmentError("Choose one of the partnership's agencies", "owner")
    if due_on is None:
        raise DevelopmentError("Enter the date the action is due", "due_on")
    changing_date = action is None or action.due_on != due_on
    if changing_date and due_on < today:
        raise DevelopmentError("The due date must be today or later", "due_on")
    try:
        state = ActionStatus(status or "not started")
    except ValueError:
        raise DevelopmentError("Choose not started, in progress or done", "status") from None
    old = None
    if action is None:
        action = AreaAction(area=area, what=what, owner_agency_id=owner_agency_id, owner_name=owner_name,
                            due_on=due_on, status=state)
        session.add(action)
    else:
        old = {"what": action.what, "due": action.due_on.isoformat(), "status": action.status.value}
        if action.status is not state:
            # A colour set by hand was about the action as it stood: a new status is worked out afresh.
            action.rag_override, action.rag_reason = None, ""
        action.what, action.owner_agency_id, action.owner_name = what, owner_agency_id, owner_name
        action.due_on, action.status = due_on, state
    action.done_on = (action.done_on or today) if state is ActionStatus.DONE else None
    session.flush()
    session.add(AuditEvent(person_id=by_person_id, action="action.changed" if old else "action.added",
                           round_id=area.round_id, object_type="area_action", object_id=str(action.id), old=old,
                           new={"what": what, "due": due_on.isoformat(), "status": state.value}))
    return action


def progress_text(area: DevelopmentArea, today: dt.date) -> str:
    """"2 of 3 actions done, 1 overdue" for an area."""
    total = len(area.actions)
    if not total:
        return "no actions yet"
    done = sum(1 for a in area.actions if a.status is ActionStatus.DONE)
    overdue = sum(1 for a in area.actions if a.is_overdue(today))
    text = f"{done} of {total} action{'s' if total != 1 else ''} done"
    return text + (f", {overdue} overdue" if overdue else "")


__all__ = ["Candidate", "DevelopmentError", "areas_of", "candidates", "carried_from_previous", "progress_text",
           "save_action", "save_area"]
