"""What needs agency staff's attention, at the top of their home page: a return the board reopened and why, one
ready for the lead to sign off, a challenge from the board waiting for an answer, overdue actions, and the days
left to each deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import ActionStatus, AgencyAction, Challenge, ChallengeState, Return, ReturnState, RoundState
from survey.services.access import Principal, member_returns
from survey.services.agency_returns import ReturnRow
from survey.services.definitions import questionnaire_of
from survey.services.returns import is_editable, missing
from survey.text import plural

Kind = Literal["reopened", "sign off", "challenge", "actions", "deadline"]


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to do, in words, with what it links to."""

    kind: Kind
    text: str
    return_id: int | None = None
    challenge_id: int | None = None


def _when(deadline: dt.date, today: dt.date) -> str:
    days = (deadline - today).days
    if days < 0:
        return f"was due {plural(-days, 'day')} ago, on {deadline.strftime('%-d %B %Y')}"
    if days == 0:
        return "is due today"
    return f"is due in {plural(days, 'day')}, on {deadline.strftime('%-d %B %Y')}"


def items_for(session: Session, principal: Principal, rows: list[ReturnRow], today: dt.date) -> list[Item]:
    """The person's outstanding work across their agencies' returns (the home page's rows), most urgent first."""
    out: list[Item] = []
    for row in rows:
        ret = row.ret
        if ret.round.state is not RoundState.OPEN or ret.state is ReturnState.SUBMITTED:
            continue
        name = f"{ret.round.title} for {ret.agency.name}"
        if ret.state is ReturnState.REOPENED:
            out.append(Item("reopened", f"The board reopened {name}: {ret.reopened_reason}", ret.id))
        if (principal.can_submit_return(ret) and is_editable(ret) and row.answered == row.total
                and not missing(ret, questionnaire_of(ret.round.definition_version))):
            out.append(Item("sign off", f"{name} is complete and ready for you to sign off", ret.id))
        out.append(Item("deadline", f"{name} {_when(row.deadline, today)}", ret.id))
    if principal.memberships:
        challenges = session.execute(
            select(Challenge, Return).join(Return, Return.id == Challenge.return_id)
            .where(member_returns(principal.memberships), Challenge.state == ChallengeState.OPEN)
            .order_by(Challenge.raised_at)).all()
        for challenge, ret in challenges:
            about = questionnaire_of(ret.round.definition_version).statement_text(challenge.statement_id)
            out.append(Item("challenge", f"The board asks {ret.agency.name} about “{about}” in {ret.round.title}",
                            ret.id, challenge.id))
        overdue = session.scalar(
            select(func.count()).select_from(AgencyAction).join(Return, Return.id == AgencyAction.return_id)
            .where(member_returns(principal.memberships), AgencyAction.status != ActionStatus.DONE,
                   AgencyAction.due_on < today))
        if overdue:
            out.append(Item("actions", f"{plural(int(overdue), 'action')} in your action plan "
                                       f"{'is' if overdue == 1 else 'are'} overdue"))
    order: dict[Kind, int] = {"reopened": 0, "challenge": 1, "sign off": 2, "actions": 3, "deadline": 4}
    return sorted(out, key=lambda item: order[item.kind])
