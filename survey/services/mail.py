"""Email through SMTP, every message recorded; a failure is recorded too, never silently dropped."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from survey.db import after_commit, in_unit_of_work, unit_of_work, use_case
from survey.models import EmailMessage, MailState, utcnow

log = logging.getLogger(__name__)
DEFAULT_SENDER = "safeguarding-partnership@localhost"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = DEFAULT_SENDER
    timeout: float = 15.0
    outbox: bool = False  # queue, for `survey worker` to send, instead of sending within the request

    @classmethod
    def from_config(cls, config: dict[str, object]) -> SmtpSettings:
        """Read the SMTP_*, MAIL_FROM and MAIL_DELIVERY settings."""
        return cls(str(config.get("SMTP_HOST", "localhost")), int(str(config.get("SMTP_PORT", 25))),
                   str(config.get("SMTP_USERNAME", "") or ""), str(config.get("SMTP_PASSWORD", "") or ""),
                   bool(config.get("SMTP_STARTTLS", False)), str(config.get("MAIL_FROM") or DEFAULT_SENDER),
                   outbox=config.get("MAIL_DELIVERY") == "outbox")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One email to send."""

    to: str
    subject: str
    body: str
    kind: str
    round_id: int | None = None
    return_id: int | None = None
    sender_name: str = ""  # the partnership's name for itself in From ("" for the installation's address alone)
    reply_to: str = ""  # where replies go ("" for the sender address)


@dataclass(frozen=True, slots=True)
class Batch:
    """The emails one change queued (their ids), to report on once it has committed."""

    ids: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.ids)

    def __add__(self, other: Batch) -> Batch:
        return Batch(self.ids + other.ids)


def send(session: Session, settings: SmtpSettings, messages: list[Outgoing]) -> Batch:
    """Queue emails in the caller's transaction: they exist if and only if the change that causes them commits.

    With the outbox (SURVEY_MAIL_DELIVERY=outbox) `survey worker` sends them; otherwise they are sent as soon as
    the transaction has committed, before the request or command ends. Either way an email is never sent for a
    change that was rolled back, nor twice for one that committed."""
    now = utcnow()
    rows = [EmailMessage(to_address=m.to, subject=m.subject, kind=m.kind, round_id=m.round_id,
                         return_id=m.return_id, body=m.body, state=MailState.QUEUED, next_attempt_at=now,
                         sender_name=m.sender_name, reply_to=m.reply_to)
            for m in messages]
    if not rows:
        return Batch()
    session.add_all(rows)
    session.flush()
    batch = Batch(tuple(row.id for row in rows))
    if not settings.outbox:
        engine = session.get_bind()
        after_commit(session, lambda: deliver_now(engine, settings, batch))
    return batch


def deliver_now(engine: Any, settings: SmtpSettings, batch: Batch) -> None:
    """Send a committed batch at once, in a session of its own (a session inside its commit can run no SQL)."""
    try:
        with Session(engine) as own:
            deliver(own, settings, limit=len(batch), only=batch.ids)
    except Exception:  # the change has committed: a failure here leaves the emails queued, never undoes it
        log.exception("emails %s stay queued for `survey mail send`", list(batch.ids))


def problem(session: Session, settings: SmtpSettings, batch: Batch, what: str = "emails") -> str:
    """Why some of a committed batch's emails have not reached the mail server ("" if they all have, or if they
    wait for the outbox's worker as they should)."""
    if settings.outbox or not batch:
        return ""
    rows = session.execute(select(EmailMessage.state, EmailMessage.error)
                           .where(EmailMessage.id.in_(batch.ids))).all()
    waiting = [error for state, error in rows if state is not MailState.SENT]
    if not waiting:
        return ""
    return (f"{len(waiting)} of {len(batch)} {what} could not be sent yet ({waiting[0]}); they are kept and tried "
            "again by `survey mail send`")


def summary(session: Session, settings: SmtpSettings, batch: Batch, what: str = "emails") -> str:
    """One sentence on a committed batch for the person who caused it: sent, queued, or why not yet."""
    if not batch:
        return f"0 {what} sent."
    if settings.outbox:
        return f"{len(batch)} {what} are queued and will be sent in a moment."
    return problem(session, settings, batch, what) or f"{len(batch)} {what} sent."


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _mime(settings: SmtpSettings, row: EmailMessage) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = formataddr((row.sender_name, settings.sender)) if row.sender_name else settings.sender
    if row.reply_to:
        mime["Reply-To"] = row.reply_to
    mime["To"] = row.to_address
    mime["Subject"] = row.subject
    mime["Message-ID"] = make_msgid(domain=settings.sender.split("@")[-1])
    mime.set_content(row.body)
    return mime


# -- the outbox ----------------------------------------------------------------------------------------------------
MAX_ATTEMPTS = 8
CLAIM_FOR = dt.timedelta(minutes=5)  # a worker that dies mid-batch leaves its emails to another after this


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th temporary failure: 1, 2, 4 ... minutes, at most an hour."""
    return min(dt.timedelta(minutes=2 ** (attempts - 1)), dt.timedelta(hours=1))


@dataclass(frozen=True, slots=True)
class Delivered:
    """What one pass of the outbox did."""

    sent: int
    retrying: int
    failed: int

    @property
    def handled(self) -> int:
        """Emails taken from the outbox in this pass."""
        return self.sent + self.retrying + self.failed


@use_case
def _claim(session: Session, now: dt.datetime, limit: int, only: Sequence[int] | None = None) -> list[int]:
    # Due emails nobody holds, taken for CLAIM_FOR. On PostgreSQL, rows another worker is claiming right now are
    # skipped (FOR UPDATE SKIP LOCKED); on SQLite the write lock lets one worker claim at a time.
    query = select(EmailMessage).where(
        EmailMessage.state == MailState.QUEUED,
        or_(EmailMessage.next_attempt_at.is_(None), EmailMessage.next_attempt_at <= now),
        or_(EmailMessage.claimed_until.is_(None), EmailMessage.claimed_until < now))
    if only is not None:
        query = query.where(EmailMessage.id.in_(list(only)))
    due = session.scalars(query.order_by(EmailMessage.id).limit(limit).with_for_update(skip_locked=True)).all()
    for row in due:
        row.claimed_until = now + CLAIM_FOR
    return [row.id for row in due]


@use_case
def _record(session: Session, outcomes: dict[int, tuple[bool, str, bool]], now: dt.datetime) -> Delivered:
    sent = retrying = failed = 0
    for row in session.scalars(select(EmailMessage).where(EmailMessage.id.in_(sorted(outcomes)))):
        ok, reply, permanent = outcomes[row.id]
        row.attempts += 1
        row.claimed_until = None
        if ok:
            row.state, row.sent_at, row.error = MailState.SENT, now, ""
            sent += 1
        elif permanent or row.attempts >= MAX_ATTEMPTS:
            row.state, row.error = MailState.FAILED, reply
            failed += 1
        else:
            row.error, row.next_attempt_at = reply, now + backoff(row.attempts)
            retrying += 1
    return Delivered(sent, retrying, failed)


def deliver(session: Session, settings: SmtpSettings, limit: int = 100, now: dt.datetime | None = None,
            only: Sequence[int] | None = None, progress: Callable[[int, int], None] | None = None) -> Delivered:
    """One pass of the outbox: claim up to `limit` due emails, send them over one connection, record each.

    A temporary refusal (4xx, or the server unreachable) is tried again later with back-off; a permanent one
    (5xx), or the last of MAX_ATTEMPTS, fails with the server's reply. Several workers may run at once, on
    several hosts: each email is claimed by one of them. `only` limits the pass to these emails (those a change
    just queued); `progress(done, total)` is called before each email (the CLI draws a progress bar with it)."""
    now = now or utcnow()
    ids = _claim(session, now, limit, only)
    if not ids:
        return Delivered(0, 0, 0)
    rows = {r.id: r for r in session.scalars(select(EmailMessage).where(EmailMessage.id.in_(ids)))}
    outcomes: dict[int, tuple[bool, str, bool]] = {}
    try:
        with _connect(settings) as smtp:
            for done, email_id in enumerate(ids, start=1):
                if progress is not None:
                    progress(done - 1, len(ids))
                try:
                    smtp.send_message(_mime(settings, rows[email_id]))
                    outcomes[email_id] = (True, "", False)
                except smtplib.SMTPRecipientsRefused as exc:
                    code, refused = next(iter(exc.recipients.values()))
                    outcomes[email_id] = (False, f"{code} {refused.decode(errors='replace')}", code >= 500)
                except smtplib.SMTPResponseException as exc:
                    error = exc.smtp_error
                    text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
                    outcomes[email_id] = (False, f"{exc.smtp_code} {text}", exc.smtp_code >= 500)
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"cannot send email through {settings.host}:{settings.port}: {exc}"
        for email_id in ids:
            outcomes.setdefault(email_id, (False, reason, False))
    return _record(session, outcomes, utcnow())


def of_round(session: Session, round_id: int) -> list[EmailMessage]:
    """Every email about a round, newest first (the manager's page of them)."""
    return list(session.scalars(select(EmailMessage).where(EmailMessage.round_id == round_id)
                                .order_by(EmailMessage.id.desc())))


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """How many emails are in each state, and the failed ones (newest first)."""

    counts: dict[str, int]
    failed: list[EmailMessage]


def status(session: Session, round_id: int | None = None, limit: int = 50) -> OutboxStatus:
    """The outbox as the manager and `survey mail status` show it (of one round, if given)."""
    query = select(EmailMessage.state, func.count()).group_by(EmailMessage.state)
    failed = select(EmailMessage).where(EmailMessage.state == MailState.FAILED)
    if round_id is not None:
        query = query.where(EmailMessage.round_id == round_id)
        failed = failed.where(EmailMessage.round_id == round_id)
    counts = {state.value: 0 for state in MailState}
    counts.update({state.value: n for state, n in session.execute(query)})
    return OutboxStatus(counts, list(session.scalars(failed.order_by(EmailMessage.id.desc()).limit(limit))))


def send_recorded(session: Session, settings: SmtpSettings, messages: list[Outgoing]) -> str:
    """Queue these emails, with whatever caused them, in one unit of work; "" when they have been sent (or
    queued for the outbox's worker), else why some have not yet (they are kept and tried again)."""
    with unit_of_work(session):
        batch = send(session, settings, messages)
    if in_unit_of_work(session):
        return ""  # the outer unit of work commits, and then they are sent
    return problem(session, settings, batch)
