"""What needs a board manager's or a chair's attention across their rounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import (
    ActionStatus,
    AgencyAction,
    AreaAction,
    Challenge,
    ChallengeState,
    DevelopmentArea,
    Return,
    ReturnState,
    Round,
    RoundState,
)


@dataclass(frozen=True, slots=True)
class Attention:
    """One round's outstanding work."""

    round_id: int
    title: str
    overdue_returns: int = 0
    answered_challenges: int = 0
    overdue_agency_actions: int = 0
    overdue_board_actions: int = 0

    @property
    def items(self) -> list[str]:
        """The outstanding work in words."""
        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        out = []
        if self.overdue_returns:
            out.append(count(self.overdue_returns, "return overdue", "returns overdue"))
        if self.answered_challenges:
            out.append(count(self.answered_challenges, "challenge answered, to read",
                             "challenges answered, to read"))
        if self.overdue_agency_actions:
            out.append(count(self.overdue_agency_actions, "overdue agency action", "overdue agency actions"))
        if self.overdue_board_actions:
            out.append(count(self.overdue_board_actions, "overdue action for development",
                             "overdue actions for development"))
        return out


def for_partnerships(session: Session, partnership_ids: frozenset[int], today: dt.date,
                     board_only: bool = False) -> list[Attention]:
    """Rounds of the partnerships with something outstanding (for a chair, only the board's own actions)."""
    rounds = session.scalars(select(Round).where(Round.run_by_any(partnership_ids),
                                                 Round.state != RoundState.DRAFT).order_by(Round.id.desc())).all()
    ids = [r.id for r in rounds]

    def grouped(query: object) -> dict[int, int]:
        return {int(k): int(v) for k, v in session.execute(query).all()}  # type: ignore[call-overload]

    board = grouped(select(DevelopmentArea.round_id, func.count()).join(AreaAction).where(
        DevelopmentArea.round_id.in_(ids), AreaAction.status != ActionStatus.DONE, AreaAction.due_on < today)
        .group_by(DevelopmentArea.round_id))
    late = agency = answered = {}
    if not board_only:
        late = grouped(select(Return.round_id, func.count()).join(Round).where(
            Return.round_id.in_(ids), Round.state == RoundState.OPEN, Return.state != ReturnState.SUBMITTED,
            func.coalesce(Return.deadline_extended_to, Round.deadline) < today).group_by(Return.round_id))
        agency = grouped(select(AgencyAction.round_id, func.count()).where(
            AgencyAction.round_id.in_(ids), AgencyAction.status != ActionStatus.DONE,
            AgencyAction.due_on < today).group_by(AgencyAction.round_id))
        answered = grouped(select(Return.round_id, func.count()).join(Challenge, Challenge.return_id == Return.id)
                           .where(Return.round_id.in_(ids), Challenge.state == ChallengeState.ANSWERED)
                           .group_by(Return.round_id))
    out = [Attention(r.id, r.title, late.get(r.id, 0), answered.get(r.id, 0), agency.get(r.id, 0),
                     board.get(r.id, 0)) for r in rounds]
    return [a for a in out if a.items]


__all__ = ["Attention", "for_partnerships"]
