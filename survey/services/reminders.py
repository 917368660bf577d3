"""Reminders: before the deadline and when overdue, each sent once; and a manager's reminder sent on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.db import unit_of_work
from survey.models import EmailMessage, MailState, Person, Return, ReturnState, Round, RoundState
from survey.services import mail
from survey.services.access import agency_people


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder due: which return, which kind, to whom."""

    ret: Return
    kind: str
    days_left: int
    recipients: tuple[Person, ...]


def _recipients(session: Session, ret: Return) -> tuple[Person, ...]:
    return tuple(agency_people(session, ret.agency_id, ret.partnership_id))


def _already_sent(session: Session, return_id: int, kind: str) -> set[str]:
    # Queued counts as sent: the outbox sends it (and tries again); a reminder that failed for good is sent anew.
    return set(session.scalars(select(EmailMessage.to_address).where(
        EmailMessage.return_id == return_id, EmailMessage.kind == kind, EmailMessage.state != MailState.FAILED)))


def due(session: Session, today: dt.date, days_before: Sequence[int]) -> list[Reminder]:
    """Reminders due today across open rounds; people already sent one of that kind are left out."""
    out = []
    returns = session.scalars(select(Return).join(Round).where(
        Round.state == RoundState.OPEN, Return.state != ReturnState.SUBMITTED)
        .options(selectinload(Return.round), selectinload(Return.agency)).order_by(Return.id)).all()
    for ret in returns:
        deadline = ret.deadline_extended_to or ret.round.deadline
        days_left = (deadline - today).days
        if days_left < 0:
            kind = "reminder:overdue"
        else:
            # Only the most urgent reminder that applies: a cron that missed days does not send a backlog.
            applicable = sorted(n for n in days_before if days_left <= n)
            if not applicable:
                continue
            kind = f"reminder:due-{applicable[0]}"
        sent = _already_sent(session, ret.id, kind)
        people = tuple(p for p in _recipients(session, ret) if p.email not in sent)
        if people:
            out.append(Reminder(ret, kind, days_left, people))
    return out


def send_due(session: Session, settings: mail.SmtpSettings, today: dt.date, days_before: Sequence[int],
             compose: Callable[[Person, Reminder], mail.Outgoing], dry_run: bool = False
             ) -> tuple[list[Reminder], mail.Batch]:
    """Queue every due reminder, once: a second run before the first's emails have gone queues none again."""
    with unit_of_work(session):
        reminders = due(session, today, days_before)
        if dry_run or not reminders:
            return reminders, mail.Batch()
        return reminders, mail.send(session, settings,
                                    [compose(person, r) for r in reminders for person in r.recipients])


def not_submitted(session: Session, round_: Round) -> list[Reminder]:
    """Everyone in the agencies of a round whose return is not submitted (for a manager's reminder)."""
    returns = session.scalars(select(Return).where(Return.round_id == round_.id,
                                                   Return.state != ReturnState.SUBMITTED)
                              .options(selectinload(Return.agency)).order_by(Return.id)).all()
    today = dt.date.today()
    out = []
    for ret in returns:
        people = _recipients(session, ret)
        if people:
            deadline = ret.deadline_extended_to or round_.deadline
            out.append(Reminder(ret, "reminder:manual", (deadline - today).days, people))
    return out
