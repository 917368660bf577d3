"""A partnership's own words in its emails, and its chasing schedule: what the manager edits and previews, and
what every email about its rounds is written with."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, object_session

from survey import placeholders
from survey.db import use_case
from survey.models import AuditEvent, BoardEmail
from survey.services.mail import Outgoing
from survey.text import clean_text, email_address

TEXTS = ("invitation", "reminder", "overdue")
SENDER_MAX = 80
MAX_DAYS = 90
MAX_CHASERS = 10


class BoardEmailError(Exception):
    """A setting that cannot be saved; `field` names the form field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Schedule:
    """When reminders go: days before the deadline, on the day, then chasers every `every` days up to `times`,
    the partnership's managers copied from chaser `copy_managers_from` (0: never)."""

    before: tuple[int, ...]
    on_the_day: bool
    every: int
    times: int
    copy_managers_from: int


def parse_days(text: str, setting: str) -> tuple[int, ...]:
    """Days before the deadline from "14,3": each a whole number from 1 to MAX_DAYS, largest first."""
    try:
        days = {int(part) for part in text.replace(" ", "").split(",") if part}
    except ValueError:
        raise BoardEmailError(f"{setting} must be whole numbers of days separated by commas, like 14,3",
                              "remind_before") from None
    if any(not 1 <= d <= MAX_DAYS for d in days):
        raise BoardEmailError(f"{setting}: each must be from 1 to {MAX_DAYS} days", "remind_before")
    return tuple(sorted(days, reverse=True))


def settings_of(session: Session, partnership_id: int) -> BoardEmail | None:
    """The partnership's saved settings, if it has any."""
    return session.get(BoardEmail, partnership_id)


def schedule_of(row: BoardEmail | None, default_before: Sequence[int]) -> Schedule:
    """The partnership's schedule; without settings, the installation's days before and one overdue reminder."""
    if row is None:
        return Schedule(tuple(sorted(default_before, reverse=True)), False, 0, 1, 0)
    before = parse_days(row.remind_before, "Days before") if row.remind_before else tuple(
        sorted(default_before, reverse=True))
    return Schedule(before, row.remind_on_the_day, row.chase_every_days, row.chase_times, row.copy_managers_from)


def own_text(row: BoardEmail | None, kind: str, values: Mapping[str, str]) -> str:
    """The partnership's own text for this kind of email, filled in; "" to use the standard wording."""
    text = getattr(row, f"{kind}_text", "") if row is not None else ""
    return placeholders.fill(text, values).strip() if text else ""


@dataclass(frozen=True, slots=True)
class Submitted:
    """The settings form as typed."""

    sender_name: str
    reply_to: str
    texts: Mapping[str, str]
    remind_before: str
    remind_on_the_day: bool
    chase_every_days: str
    chase_times: str
    copy_managers_from: str


def _whole(text: str, field: str, label: str, low: int, high: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise BoardEmailError(f"{label} must be a whole number", field) from None
    if not low <= value <= high:
        raise BoardEmailError(f"{label} must be from {low} to {high}", field)
    return value


def check(submitted: Submitted) -> dict[str, object]:
    """The values to store, or BoardEmailError naming the first field that is wrong."""
    sender = clean_text(submitted.sender_name).strip()
    if "\n" in sender or "\r" in sender:
        raise BoardEmailError("The sender name must be on one line", "sender_name")
    if len(sender) > SENDER_MAX:
        raise BoardEmailError(f"The sender name must be {SENDER_MAX} characters or fewer", "sender_name")
    reply_to = submitted.reply_to.strip()
    if reply_to and email_address(reply_to) is None:
        raise BoardEmailError("Enter the Reply-To address in the correct format, like board@example.gov.uk",
                              "reply_to")
    values: dict[str, object] = {"sender_name": sender, "reply_to": reply_to.lower()}
    for kind in TEXTS:
        text = clean_text(submitted.texts.get(kind, "")).strip()
        found = placeholders.problems(text, placeholders.PLACEHOLDERS[kind])
        if found:
            raise BoardEmailError(found[0], f"{kind}_text")
        values[f"{kind}_text"] = text
    before = submitted.remind_before.strip()
    values["remind_before"] = ",".join(map(str, parse_days(before, "Days before"))) if before else ""
    values["remind_on_the_day"] = submitted.remind_on_the_day
    values["chase_every_days"] = _whole(submitted.chase_every_days, "chase_every_days", "Days between chasers",
                                        1, MAX_DAYS)
    values["chase_times"] = _whole(submitted.chase_times, "chase_times", "The number of chasers", 0, MAX_CHASERS)
    values["copy_managers_from"] = _whole(submitted.copy_managers_from, "copy_managers_from",
                                          "The chaser that copies the managers", 0, MAX_CHASERS)
    return values


@use_case
def save(session: Session, partnership_id: int, submitted: Submitted, by_person_id: int | None) -> BoardEmail:
    """Check and keep a partnership's settings (audited)."""
    values = check(submitted)
    row = session.get(BoardEmail, partnership_id) or BoardEmail(partnership_id=partnership_id)
    session.add(row)
    old = {key: getattr(row, key) for key in values} if row.updated_at is not None else None
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_by_id = by_person_id
    session.add(AuditEvent(person_id=by_person_id, action="partnership.emails_changed", object_type="partnership",
                           object_id=str(partnership_id), old=old, new=values))
    return row


def sample_values(kind: str, partnership: str, today: dt.date) -> dict[str, str]:
    """Made-up values to preview a text with (the manager's own partnership, a deadline in a fortnight)."""
    values = {"name": "Alex Example", "partnership": partnership, "round": "Section 11 audit",
              "agency": "Example Health Trust", "deadline": (today + dt.timedelta(days=14)).strftime("%-d %B %Y"),
              "days_left": "14", "days_overdue": "7"}
    return {key: values[key] for key in placeholders.PLACEHOLDERS[kind]}


def signed(message: Outgoing, row: BoardEmail | None) -> Outgoing:
    """The email from the partnership, under its own sender name and with its Reply-To, if it has set them."""
    if row is None or not (row.sender_name or row.reply_to):
        return message
    return dataclasses.replace(message, sender_name=row.sender_name, reply_to=row.reply_to)


def board_of(thing: object, partnership_id: int) -> BoardEmail | None:
    """The settings of a partnership, looked up in the session that loaded `thing` (a round or a return)."""
    session = object_session(thing)
    return session.get(BoardEmail, partnership_id) if session is not None else None
