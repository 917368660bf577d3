"""Email through SMTP, every message recorded; a failure is recorded too, never silently dropped."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import EmailMessage, utcnow

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

    @classmethod
    def from_config(cls, config: dict[str, object]) -> SmtpSettings:
        """Read the SMTP_* and MAIL_FROM settings."""
        return cls(str(config.get("SMTP_HOST", "localhost")), int(str(config.get("SMTP_PORT", 25))),
                   str(config.get("SMTP_USERNAME", "") or ""), str(config.get("SMTP_PASSWORD", "") or ""),
                   bool(config.get("SMTP_STARTTLS", False)), str(config.get("MAIL_FROM") or DEFAULT_SENDER))


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One email to send."""

    to: str
    subject: str
    body: str
    kind: str
    round_id: int | None = None
    return_id: int | None = None


class MailError(Exception):
    """Sending failed; the message says why (the emails are recorded as not sent)."""


def send(session: Session, settings: SmtpSettings, messages: list[Outgoing],
         progress: Callable[[int, int], None] | None = None) -> list[EmailMessage]:
    """Send emails over one SMTP connection and record each; raise MailError if the server cannot be used.

    `progress(done, total)` is called after each email (the CLI draws a progress bar with it)."""
    rows = [EmailMessage(to_address=m.to, subject=m.subject, kind=m.kind, round_id=m.round_id,
                         return_id=m.return_id, body=m.body) for m in messages]
    session.add_all(rows)
    if not messages:
        return rows
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            for done, (message, row) in enumerate(zip(messages, rows, strict=True), start=1):
                mime = MimeMessage()
                mime["From"] = settings.sender
                mime["To"] = message.to
                mime["Subject"] = message.subject
                mime["Message-ID"] = make_msgid(domain=settings.sender.split("@")[-1])
                mime.set_content(message.body)
                smtp.send_message(mime)
                row.sent_at = utcnow()
                if progress is not None:
                    progress(done, len(messages))
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"cannot send email through {settings.host}:{settings.port}: {exc}"
        for row in rows:
            if row.sent_at is None:
                row.error = reason
        raise MailError(reason) from exc
    return rows


@use_case
def send_recorded(session: Session, settings: SmtpSettings, messages: list[Outgoing]) -> str:
    """Send these emails and record each, with whatever caused them, in one unit of work; "" when all were
    sent, else why not (the emails are recorded as not sent, for the manager to see)."""
    try:
        send(session, settings, messages)
    except MailError as exc:
        return str(exc)
    return ""
