"""Joint rounds by agreement: one partnership proposes, each other partnership's manager accepts (choosing which
of its own agencies take part) or declines. Until then the other partnership takes no part: none of its agencies
answer, none of its people are emailed, and its managers and chairs see the proposal only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from survey.db import use_case
from survey.models import (
    Agency,
    AuditEvent,
    JointState,
    PartnershipAgency,
    Return,
    ReturnState,
    Round,
    RoundPartnership,
    RoundState,
    utcnow,
)
from survey.services import mail
from survey.services.rounds import Invite, RoundError, check_agencies_of, members_to_invite


def proposals_for(session: Session, partnership_ids: Iterable[int]) -> list[RoundPartnership]:
    """Proposals awaiting an answer from these partnerships, newest first."""
    return list(session.scalars(
        select(RoundPartnership).join(Round, Round.id == RoundPartnership.round_id)
        .where(RoundPartnership.partnership_id.in_(sorted(partnership_ids)),
               RoundPartnership.state == JointState.PROPOSED, Round.state != RoundState.CLOSED)
        .options(selectinload(RoundPartnership.round).selectinload(Round.partnership),
                 selectinload(RoundPartnership.partnership))
        .order_by(RoundPartnership.id.desc())))


def proposal_for(session: Session, joint_id: int, partnership_ids: Iterable[int]) -> RoundPartnership | None:
    """One proposal (in any state) addressed to one of these partnerships, else None."""
    found = session.get(RoundPartnership, joint_id)
    if found is None or found.partnership_id not in set(partnership_ids):
        return None
    return found


def request_to(session: Session, round_id: int, partnership_id: int) -> RoundPartnership | None:
    """The request for a partnership to run a round jointly, if it was asked."""
    return session.scalar(select(RoundPartnership).where(RoundPartnership.round_id == round_id,
                                                         RoundPartnership.partnership_id == partnership_id))


def agencies_to_offer(session: Session, joint: RoundPartnership) -> list[tuple[Agency, bool]]:
    """The invited partnership's active agencies, each with whether it already answers in the round (for the
    proposing partnership, say, when an agency serves both)."""
    in_round = set(session.scalars(select(Return.agency_id).where(Return.round_id == joint.round_id)))
    agencies = session.scalars(select(Agency).join(PartnershipAgency).where(
        PartnershipAgency.partnership_id == joint.partnership_id, PartnershipAgency.active.is_(True))
        .order_by(Agency.name)).all()
    return [(agency, agency.id in in_round) for agency in agencies]


@use_case
def accept(session: Session, joint: RoundPartnership, agency_ids: Sequence[int], by_person_id: int | None,
           settings: mail.SmtpSettings, compose: Invite) -> mail.Batch:
    """Accept a proposal with some of the partnership's own agencies; if the round is open they are invited at
    once (the invitations are queued with the change)."""
    if joint.state is not JointState.PROPOSED:
        raise RoundError(f"This proposal has already been {joint.state.value}")
    round_ = joint.round
    if round_.state is RoundState.CLOSED:
        raise RoundError("The round has closed, so it can no longer be joined")
    chosen = list(dict.fromkeys(agency_ids))
    if not chosen:
        raise RoundError("Choose at least one of your agencies to take part")
    check_agencies_of(session, joint.partnership, chosen)
    taken = set(session.scalars(select(Return.agency_id).where(Return.round_id == round_.id)))
    already = [a for a in chosen if a in taken]
    if already:
        raise RoundError("An agency you chose already answers in this round for the other partnership; untick it")
    _decide(session, joint, JointState.ACCEPTED, by_person_id)
    added = [Return(round=round_, agency_id=a, partnership_id=joint.partnership_id, state=ReturnState.NOT_STARTED)
             for a in chosen]
    session.add_all(added)
    session.add(AuditEvent(person_id=by_person_id, action="round.joint_accepted", round_id=round_.id,
                           object_type="round", object_id=str(round_.id),
                           new={"partnership": joint.partnership.name, "agencies": len(chosen)}))
    session.flush()
    messages = []
    if round_.state is RoundState.OPEN:
        messages = [compose(person, [(round_, agency)])
                    for person, agency in members_to_invite(session, added).values()]
    return mail.send(session, settings, messages)


def _decide(session: Session, joint: RoundPartnership, state: JointState, by_person_id: int | None) -> None:
    """Record the decision, once: of two managers deciding at the same moment, the second is told it is taken."""
    now = utcnow()
    changed = session.execute(
        update(RoundPartnership).where(RoundPartnership.id == joint.id, RoundPartnership.state == JointState.PROPOSED)
        .values(state=state, decided_by_id=by_person_id, decided_at=now).execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        session.refresh(joint)
        raise RoundError(f"This proposal has already been {joint.state.value}")
    joint.state, joint.decided_by_id, joint.decided_at = state, by_person_id, now


@use_case
def decline(session: Session, joint: RoundPartnership, by_person_id: int | None) -> None:
    """Decline a proposal: the round goes on without this partnership."""
    if joint.state is not JointState.PROPOSED:
        raise RoundError(f"This proposal has already been {joint.state.value}")
    _decide(session, joint, JointState.DECLINED, by_person_id)
    session.add(AuditEvent(person_id=by_person_id, action="round.joint_declined", round_id=joint.round_id,
                           object_type="round", object_id=str(joint.round_id),
                           new={"partnership": joint.partnership.name}))


__all__ = ["accept", "agencies_to_offer", "decline", "proposal_for", "proposals_for"]
