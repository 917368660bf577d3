"""Reminders: before the deadline and when overdue, each sent once; and a manager's reminder sent on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.db import unit_of_work
from survey.models import EmailMessage, MailState, Person, Return, ReturnState, Round, RoundState
from survey.services import board_email, mail
from survey.services.access import agency_people, partnership_managers


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
    """Reminders due today across open rounds, by each partnership's schedule (`days_before` for one that has
    set none); people already sent one of that kind are left out."""
    out = []
    returns = session.scalars(select(Return).join(Round).where(
        Round.state == RoundState.OPEN, Return.state != ReturnState.SUBMITTED)
        .options(selectinload(Return.round), selectinload(Return.agency)).order_by(Return.id)).all()
    schedules: dict[int, board_email.Schedule] = {}
    for ret in returns:
        if ret.partnership_id not in schedules:
            schedules[ret.partnership_id] = board_email.schedule_of(
                board_email.settings_of(session, ret.partnership_id), days_before)
        deadline = ret.deadline_extended_to or ret.round.deadline
        days_left = (deadline - today).days
        kind, copy_managers = which(schedules[ret.partnership_id], days_left)
        if kind is None:
            continue
        sent = _already_sent(session, ret.id, kind)
        everyone = list(_recipients(session, ret))
        if copy_managers:
            everyone += [m for m in partnership_managers(session, ret.partnership_id) if m not in everyone]
        people = tuple(p for p in everyone if p.email not in sent)
        if people:
            out.append(Reminder(ret, kind, days_left, people))
    return out


def which(schedule: board_email.Schedule, days_left: int) -> tuple[str | None, bool]:
    """The reminder due with this many days left (negative: overdue), and whether the managers are copied.

    Only the most urgent that applies: a cron that missed days sends no backlog."""
    if days_left > 0 or (days_left == 0 and not schedule.on_the_day):
        applicable = [n for n in schedule.before if days_left <= n]
        return (f"reminder:due-{min(applicable)}" if applicable else None), False
    if days_left == 0:
        return "reminder:due-0", False
    if schedule.every == 0:
        return "reminder:overdue", False  # the installation's default: one overdue reminder
    if schedule.times == 0:
        return None, False
    chaser = min(schedule.times, 1 + (-days_left - 1) // schedule.every)
    copy = bool(schedule.copy_managers_from) and chaser >= schedule.copy_managers_from
    return ("reminder:overdue" if chaser == 1 else f"reminder:overdue-{chaser}"), copy


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
