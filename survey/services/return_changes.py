"""A manager's changes to one agency's return in an open round: reopening it, and giving it more time. The
agency's people are told in emails queued with the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import AuditEvent, Person, Return, ReturnState, RoundState
from survey.services import mail
from survey.services.access import agency_people
from survey.services.rounds import RoundError


@use_case
def reopen_return(session: Session, ret: Return, reason: str, settings: mail.SmtpSettings,
                  compose: Callable[[Person, Return], mail.Outgoing], by_person_id: int | None = None) -> mail.Batch:
    """Reopen a submitted return with a reason and tell the agency (the emails are queued with the change)."""
    reason = reason.strip()
    if not reason:
        raise RoundError("Enter the reason for reopening the return; the agency will see it")
    if len(reason) > 1000:
        raise RoundError("The reason must be 1000 characters or fewer")
    if ret.round.state is not RoundState.OPEN:
        raise RoundError("Only returns in an open round can be reopened")
    if ret.state is not ReturnState.SUBMITTED:
        raise RoundError("Only a submitted return can be reopened")
    ret.state = ReturnState.REOPENED
    ret.reopened_reason = reason
    session.add(AuditEvent(person_id=by_person_id, action="return.reopened", round_id=ret.round_id, return_id=ret.id,
                           object_type="return", object_id=str(ret.id), new={"reason": reason}))
    return mail.send(session, settings,
                     [compose(person, ret) for person in agency_people(session, ret.agency_id, ret.partnership_id)])


@use_case
def extend_deadline(session: Session, ret: Return, new_deadline: dt.date, reason: str, settings: mail.SmtpSettings,
                    compose: Callable[[Person, Return], mail.Outgoing], by_person_id: int | None = None) -> mail.Batch:
    """Give one agency a later deadline than the round's, with the reason; its people are told both."""
    reason = reason.strip()
    if ret.round.state is RoundState.CLOSED:
        raise RoundError("The round is closed; its deadlines can no longer change")
    if new_deadline <= ret.round.deadline:
        raise RoundError(f"An extension must be after the round's deadline "
                         f"({ret.round.deadline.strftime('%-d %B %Y')})")
    if not reason:
        raise RoundError("Enter the reason for the extension; the agency will see it")
    if len(reason) > 500:
        raise RoundError("The reason must be 500 characters or fewer")
    old = ret.deadline_extended_to
    ret.deadline_extended_to, ret.extension_reason = new_deadline, reason
    session.add(AuditEvent(person_id=by_person_id, action="return.deadline_extended", round_id=ret.round_id,
                           return_id=ret.id, object_type="return", object_id=str(ret.id),
                           old={"deadline": old.isoformat() if old else None},
                           new={"deadline": new_deadline.isoformat(), "reason": reason}))
    if ret.round.state is not RoundState.OPEN or ret.state is ReturnState.SUBMITTED:
        return mail.Batch()  # nobody is waiting on the date yet, or any more
    return mail.send(session, settings,
                     [compose(person, ret) for person in agency_people(session, ret.agency_id, ret.partnership_id)])
