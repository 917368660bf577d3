"""`survey mail send|status|catch`: the outbox of emails, and sending what a command queued."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from email import message_from_bytes, policy
from typing import Any

import click
from flask import Flask

from survey.cli.app import app_context, require_schema
from survey.cli.base import ProgressBar, fail, main
from survey.extensions import db as database
from survey.services import mail


@main.group("mail")
def mail_group() -> None:
    """The outbox of emails: send what is due, see what was sent or failed."""


def deliver_all(app: Flask, limit: int = 100, rounds: int = 1000) -> Any:
    """Passes of the outbox until nothing is due (bounded); the totals."""
    settings = mail.SmtpSettings.from_config(app.config)
    sent = retrying = failed = 0
    for _ in range(rounds):
        done = mail.deliver(database.session(), settings, limit)
        sent, retrying, failed = sent + done.sent, retrying + done.retrying, failed + done.failed
        if done.handled < limit:
            break
    return mail.Delivered(sent, retrying, failed)


def send_batch(app: Flask, batch: Any, what: str = "emails") -> tuple[str, bool]:
    """Send the emails a command queued before it ends (nobody waits on a terminal but its user): what happened,
    and whether every one of them reached the mail server."""
    settings = mail.SmtpSettings.from_config(app.config)
    if batch and settings.outbox:
        with ProgressBar(f"sending {what}") as progress:
            mail.deliver(database.session(), settings, limit=len(batch), only=batch.ids, progress=progress)
    # Reported as sent or not, whichever delivery is configured: the command has just tried.
    direct = dataclasses.replace(settings, outbox=False)
    problem = mail.problem(database.session(), direct, batch, what)
    return (problem or mail.summary(database.session(), direct, batch, what)), not problem


@mail_group.command("send")
def mail_send() -> None:
    """Send every email that is due, once (for cron), and say what happened."""
    with app_context() as app:
        require_schema()
        done = deliver_all(app)
    click.echo(f"{done.sent} sent, {done.retrying} to try again later, {done.failed} failed")
    if done.failed:
        sys.exit(1)


@mail_group.command("status")
@click.option("--round", "round_id", type=int, help="Only the emails about this round.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def mail_status(round_id: int | None, fmt: str) -> None:
    """How many emails are queued, sent and failed, and the failed ones with the server's reply."""
    with app_context():
        require_schema()
        found = mail.status(database.session(), round_id)
        failed = [{"id": m.id, "to": m.to_address, "subject": m.subject, "attempts": m.attempts,
                   "error": m.error} for m in found.failed]
    if fmt == "json":
        click.echo(json.dumps({"counts": found.counts, "failed": failed}, indent=2))
        return
    click.echo(", ".join(f"{n} {state}" for state, n in found.counts.items()))
    for m in failed:
        click.echo(f"  failed: {m['to']}: {m['subject']} ({m['attempts']} tries): {m['error']}")


@mail_group.command("catch")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True)
def mail_catch(host: str, port: int) -> None:
    """For development: an SMTP server that prints every email it is sent, and delivers none (Ctrl+C stops it).

    `./dev run` starts it and points the app at it, so the demo's invitations can be read in the terminal."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        fail("the mail catcher needs aiosmtpd: pip install -e '.[test]'")

    class Printer:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
            message = message_from_bytes(envelope.content, policy=policy.default)
            body = message.get_body(("plain",))
            click.echo(f"\n--- email to {message['To']} ---\nSubject: {message['Subject']}\n\n"
                       f"{body.get_content() if body is not None else ''}", err=True)
            return "250 Message accepted"

    controller = Controller(Printer(), hostname=host, port=port)
    try:
        controller.start()
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")
    click.echo(f"catching email on {host}:{port}: each one is printed here and sent nowhere", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


