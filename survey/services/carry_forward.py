"""Starting a return from the agency's last one: answers carried across questionnaire versions by statement id, each
to be checked and confirmed (or changed) before the return can be submitted, with last year's answer, the board's
moderated rating and the agency's open actions shown beside each statement.

Only the agency's own returns to the same partnership are carried: another board's return, its moderation and its
actions stay with that board."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.answer_values import AnswerValues
from survey.db import use_case
from survey.definitions import Questionnaire, rating_label
from survey.models import (
    ActionStatus,
    AgencyAction,
    Answer,
    AuditEvent,
    DefinitionVersion,
    Moderation,
    Return,
    ReturnState,
    Round,
    utcnow,
)
from survey.services.access import Forbidden, Principal
from survey.services.definitions import questionnaire_of
from survey.services.returns import ReadOnly, is_editable


class CarryError(Exception):
    """The return cannot be started from an earlier one; the message says why."""


@dataclass(frozen=True, slots=True)
class Carried:
    """What starting from the earlier return did."""

    source_title: str
    carried: tuple[str, ...]  # statements given last year's answer, to confirm
    reworded: tuple[str, ...]  # of those, statements whose wording has changed since
    ratings_dropped: tuple[str, ...]  # statements whose old rating this version's scale no longer allows


@dataclass(frozen=True, slots=True)
class LastYear:
    """One statement in the return carried from: what the agency said, what the board moderated, what is open."""

    round_title: str
    answer: str  # "3 – Good", "Not applicable", or "" when it was not answered
    moderated: str  # the board's moderated rating, "" when it did not moderate it
    open_actions: tuple[str, ...]
    reworded: bool


def source_for(session: Session, ret: Return) -> Return | None:
    """The agency's latest submitted return to the same partnership for the same questionnaire, from a round that
    opened before this one; None when there is none."""
    round_ = ret.round
    return session.scalar(
        select(Return).join(Round, Round.id == Return.round_id)
        .join(DefinitionVersion, DefinitionVersion.id == Round.definition_version_id)
        .where(Return.agency_id == ret.agency_id, Return.partnership_id == ret.partnership_id,
               Return.state == ReturnState.SUBMITTED, Return.id != ret.id,
               DefinitionVersion.questionnaire_id == round_.definition_version.questionnaire_id,
               Round.opens_on < round_.opens_on)
        .order_by(Round.opens_on.desc(), Round.id.desc()).limit(1))


def can_start(session: Session, ret: Return) -> Return | None:
    """The return this one may start from now (it is editable and nothing is saved in it yet), else None."""
    if ret.state is not ReturnState.NOT_STARTED or not is_editable(ret):
        return None
    return source_for(session, ret)


def _carried_values(values: AnswerValues, questionnaire: Questionnaire) -> tuple[AnswerValues, bool]:
    """The values as this version allows them, and whether the rating had to be left out."""
    scale = questionnaire.scale
    rating, not_applicable, dropped = values.rating, values.not_applicable, False
    if rating is not None and rating not in scale.values():
        rating, dropped = None, True
    if not_applicable and not scale.not_applicable:
        not_applicable, dropped = False, True
    return replace(values, rating=rating, not_applicable=not_applicable), dropped


@use_case
def start(session: Session, ret: Return, principal: Principal) -> Carried:
    """Fill a return nobody has started with the agency's answers from its last return, each to be confirmed."""
    if not principal.can_edit_return(ret):
        raise Forbidden
    if not is_editable(ret):
        raise ReadOnly("This return can no longer be changed.")
    source = source_for(session, ret)
    if source is None:
        raise CarryError("There is no earlier submitted return of this questionnaire to start from.")
    # One conditional update: of two people starting at once (or a page posted twice), exactly one starts it.
    claimed = session.execute(
        update(Return).where(Return.id == ret.id, Return.state == ReturnState.NOT_STARTED,
                             ~Return.answers.any())
        .values(state=ReturnState.DRAFT, carried_from_id=source.id, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise CarryError("Someone has already started this return: its answers are kept as they are.")
    now_q, old_q = questionnaire_of(ret.round.definition_version), questionnaire_of(source.round.definition_version)
    old_text = {s.id: s.text for _, _, s in old_q.statements()}
    old_answers = {a.statement_id: a for a in session.scalars(select(Answer).where(Answer.return_id == source.id))}
    carried, reworded, dropped = [], [], []
    for _, _, statement in now_q.statements():
        old = old_answers.get(statement.id)
        if old is None or AnswerValues.of(old).empty:
            continue
        values, lost = _carried_values(AnswerValues.of(old), now_q)
        session.add(Answer(return_id=ret.id, statement_id=statement.id, to_confirm=True,
                           updated_by_id=principal.person_id, **values.fields()))
        carried.append(statement.id)
        if old_text.get(statement.id) != statement.text:
            reworded.append(statement.id)
        if lost:
            dropped.append(statement.id)
    session.add(AuditEvent(person_id=principal.person_id, action="return.carried_forward", round_id=ret.round_id,
                           return_id=ret.id, object_type="return", object_id=str(ret.id),
                           new={"from_return": source.id, "statements": len(carried)}))
    session.expire(ret)
    return Carried(source.round.title, tuple(carried), tuple(reworded), tuple(dropped))


def last_year(session: Session, carried_from_id: int | None, questionnaire: Questionnaire,
              statement_ids: list[str]) -> tuple[tuple[str, LastYear], ...]:
    """For a return started from an earlier one, each of these statements as it stood there (empty otherwise)."""
    if carried_from_id is None or not statement_ids:
        return ()
    source = session.get(Return, carried_from_id)
    if source is None:
        return ()
    old_q = questionnaire_of(source.round.definition_version)
    old_text = {s.id: s.text for _, _, s in old_q.statements()}
    answers = {a.statement_id: AnswerValues.of(a) for a in session.scalars(
        select(Answer).where(Answer.return_id == source.id, Answer.statement_id.in_(statement_ids)))}
    moderated = dict(session.execute(select(Moderation.statement_id, Moderation.rating).where(
        Moderation.return_id == source.id, Moderation.statement_id.in_(statement_ids))).all())
    actions: dict[str, list[str]] = {}
    for action in session.scalars(select(AgencyAction).where(
            AgencyAction.return_id == source.id, AgencyAction.statement_id.in_(statement_ids),
            AgencyAction.status != ActionStatus.DONE).order_by(AgencyAction.id)):
        due = f" (due {action.due_on:%-d %B %Y})" if action.due_on else ""
        actions.setdefault(action.statement_id, []).append(f"{action.what}{due}")
    out = []
    for sid in statement_ids:
        if sid not in old_text:
            continue
        values = answers.get(sid, AnswerValues())
        said = (old_q.scale.not_applicable_label if values.not_applicable else
                rating_label(values.rating, old_q.scale) if values.rating is not None else "")
        board = rating_label(moderated[sid], old_q.scale) if sid in moderated else ""
        out.append((sid, LastYear(source.round.title, said, board, tuple(actions.get(sid, ())),
                                  old_text[sid] != questionnaire.statement_text(sid))))
    return tuple(out)


__all__ = ["Carried", "CarryError", "LastYear", "can_start", "last_year", "source_for", "start"]
