"""`survey worker`: sends queued emails and opens rounds on their opening date, until stopped."""

from __future__ import annotations

import os
import signal
import time

import click

from survey.cli.app import app_context, require_schema
from survey.cli.base import main
from survey.cli.outbox import deliver_all
from survey.cli.rounds import open_due_rounds


@main.command("worker")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              help="Seconds to wait when nothing is due.")
@click.option("--passes", type=click.IntRange(1), help="Stop after this many passes (default: run until stopped).")
def worker(interval: float, passes: int | None) -> None:
    """Send queued emails as they become due, and open rounds on their opening date, until stopped (SIGTERM or
    Ctrl+C); several may run at once."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with app_context() as app:
        require_schema()
        click.echo(f"worker {os.getpid()} sending queued emails (Ctrl+C to stop)", err=True)
        done = 0
        try:
            while not stopping and (passes is None or done < passes):
                for opened in open_due_rounds(app):
                    click.echo(f"round {opened.round_id} {opened.title} "
                               + (f"not opened: {opened.problem}" if opened.problem else "opened on its opening date"),
                               err=True)
                result = deliver_all(app, rounds=1)
                done += 1
                if result.handled:
                    click.echo(f"{result.sent} sent, {result.retrying} to try again later, {result.failed} failed",
                               err=True)
                else:
                    time.sleep(interval)
        except KeyboardInterrupt:
            pass


