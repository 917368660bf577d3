"""The mail outbox through real SMTP servers (aiosmtpd) that are slow, refuse for a while, or are down: queued
with the change that causes it, sent by a worker, each email once, retried with back-off, failed with the
server's reply; two workers at once never send an email twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import EmailMessage, MailState, utcnow
from survey.services import mail
from tests.pg_cluster import free_port


class Relay:
    """An SMTP server that takes `delay` seconds a message and refuses the first `refuse` tries of each address."""

    def __init__(self, delay: float = 0.0, refuse: int = 0, code: int = 451) -> None:
        self.delay, self.refuse, self.code = delay, refuse, code
        self.received: list[str] = []
        self.tries: dict[str, int] = {}
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        if self.delay:
            await asyncio.sleep(self.delay)
        to = envelope.rcpt_tos[0]
        with self._lock:
            self.tries[to] = self.tries.get(to, 0) + 1
            if self.tries[to] <= self.refuse:
                return f"{self.code} Mailbox busy, try later" if self.code < 500 else f"{self.code} No such user"
            self.received.append(to)
        return "250 Message accepted"


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler = Relay()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _settings(port: int) -> mail.SmtpSettings:
    return mail.SmtpSettings("127.0.0.1", port, outbox=True, timeout=10)


def _queue(db_url: str, port: int, count: int) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        mail.send(session, _settings(port), [mail.Outgoing(f"person{n}@example.org", f"Invitation {n}", "Hello",
                                                           "invitation") for n in range(count)])
        session.commit()
    engine.dispose()


def _states(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = {state.value: n for state, n in session.execute(
            select(EmailMessage.state, func.count()).group_by(EmailMessage.state))}
    engine.dispose()
    return found


def test_queueing_returns_at_once_and_the_worker_sends_each_once(db_url: str, relay: tuple[Relay, int]) -> None:
    handler, port = relay
    handler.delay = 0.2
    started = time.monotonic()
    _queue(db_url, port, 10)
    assert time.monotonic() - started < 1.0, "queueing waits for no relay (10 messages at 0.2 s would be 2 s)"
    assert handler.received == [] and _states(db_url) == {"queued": 10}
    engine = make_engine(db_url)
    with Session(engine) as session:
        done = mail.deliver(session, _settings(port))
        assert (done.sent, done.retrying, done.failed) == (10, 0, 0)
        assert mail.deliver(session, _settings(port)).handled == 0, "nothing is sent twice"
    engine.dispose()
    assert sorted(handler.received) == sorted(f"person{n}@example.org" for n in range(10))


def test_a_temporary_refusal_is_tried_again_with_back_off(db_url: str, relay: tuple[Relay, int]) -> None:
    handler, port = relay
    handler.refuse = 1  # 451, then 250
    _queue(db_url, port, 3)
    engine = make_engine(db_url)
    with Session(engine) as session:
        first = mail.deliver(session, _settings(port))
        assert (first.sent, first.retrying) == (0, 3)
        assert mail.deliver(session, _settings(port)).handled == 0, "not before its back-off"
        rows = session.scalars(select(EmailMessage)).all()
        assert {r.error for r in rows} == {"451 Mailbox busy, try later"} and {r.attempts for r in rows} == {1}
        later = mail.deliver(session, _settings(port), now=utcnow() + dt.timedelta(minutes=2))
        assert later.sent == 3
    engine.dispose()
    assert len(handler.received) == 3 and _states(db_url) == {"sent": 3}


def test_a_permanent_refusal_fails_at_once_with_the_servers_reply(db_url: str, relay: tuple[Relay, int],
                                                                  runner: CliRunner) -> None:
    handler, port = relay
    handler.refuse, handler.code = 99, 550
    _queue(db_url, port, 2)
    env = {"SURVEY_DATABASE_URL": db_url, "SURVEY_SMTP_HOST": "127.0.0.1", "SURVEY_SMTP_PORT": str(port),
           "SURVEY_MAIL_DELIVERY": "outbox"}
    result = runner.invoke(main, ["mail", "send"], env=env)
    assert result.exit_code == 1 and "0 sent, 0 to try again later, 2 failed" in result.output
    status = runner.invoke(main, ["mail", "status"], env=env)
    assert "0 queued, 0 sent, 2 failed" in status.output and "550 No such user" in status.output


def test_a_relay_that_is_down_fails_after_the_last_try(db_url: str) -> None:
    port = free_port()  # nothing listens here
    _queue(db_url, port, 2)
    engine = make_engine(db_url)
    now = utcnow()
    with Session(engine) as session:
        for attempt in range(1, mail.MAX_ATTEMPTS + 1):
            done = mail.deliver(session, _settings(port), now=now)
            assert done.handled == 2, f"attempt {attempt}"
            now += mail.backoff(attempt) + dt.timedelta(seconds=1)
        rows = session.scalars(select(EmailMessage)).all()
        assert {r.state for r in rows} == {MailState.FAILED} and {r.attempts for r in rows} == {mail.MAX_ATTEMPTS}
        assert all("cannot send email through 127.0.0.1" in r.error for r in rows)
    engine.dispose()


def test_two_workers_at_once_send_each_email_once(postgres_url: str, relay: tuple[Relay, int]) -> None:
    handler, port = relay
    handler.delay = 0.02
    _queue(postgres_url, port, 60)
    barrier = threading.Barrier(2)
    results: list[mail.Delivered] = []

    def work() -> None:
        engine = make_engine(postgres_url)
        with Session(engine) as session:
            barrier.wait(timeout=30)
            while True:
                done = mail.deliver(session, _settings(port), limit=10)
                results.append(done)
                if not done.handled:
                    break
        engine.dispose()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(r.sent for r in results) == 60
    assert len(handler.received) == 60 and len(set(handler.received)) == 60, "no email sent twice"
    assert _states(postgres_url) == {"sent": 60}


def test_the_worker_command_sends_and_stops(db_url: str, relay: tuple[Relay, int], runner: CliRunner) -> None:
    handler, port = relay
    _queue(db_url, port, 4)
    env = {"SURVEY_DATABASE_URL": db_url, "SURVEY_SMTP_HOST": "127.0.0.1", "SURVEY_SMTP_PORT": str(port),
           "SURVEY_MAIL_DELIVERY": "outbox"}
    result = runner.invoke(main, ["worker", "--passes", "2", "--interval", "0.1"], env=env)
    assert result.exit_code == 0, result.output
    assert len(handler.received) == 4 and _states(db_url) == {"sent": 4}


def test_opening_a_round_with_a_slow_relay_returns_at_once(app: Any, demo: Any, relay: tuple[Relay, int]) -> None:
    """Through the manager's page, with the outbox and a relay taking 1 s a message: the request returns in less
    time than one message takes, then the worker's pass gives every recipient exactly one invitation."""
    from survey.extensions import db
    from survey.models import Agency, Partnership
    from survey.services import rounds
    from tests.fixtures_demo import client_for
    from tests.web.forms import form_data

    handler, port = relay
    handler.delay = 1.0
    app.config.update(MAIL_DELIVERY="outbox", SMTP_PORT=port)
    with app.app_context():
        session = db.session()
        partnership = session.scalar(select(Partnership))
        agencies = list(session.scalars(select(Agency.id).where(Agency.name == "Essex Police")))
        questionnaire = app.extensions["survey_catalogue"].get("section-11-audit")
        created = rounds.create_round(session, partnership, questionnaire, "Outbox round", dt.date.today(),
                                      dt.date.today() + dt.timedelta(days=30), agencies)
        round_id = created.id
    manager = client_for(app, "manager@demo.example")
    page = manager.get(f"/manager/rounds/{round_id}/open").get_data(as_text=True)
    started = time.monotonic()
    response = manager.post(f"/manager/rounds/{round_id}/open", data=form_data(page))
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    with app.app_context():
        queued = db.session.scalar(select(func.count()).select_from(EmailMessage).where(
            EmailMessage.round_id == round_id)) or 0
        assert queued == 3 and handler.received == []
        assert elapsed < handler.delay, f"{elapsed:.2f} s: the page waited for the relay"
        done = mail.deliver(db.session(), mail.SmtpSettings.from_config(app.config))
        assert done.sent == queued
    assert len(handler.received) == queued == len(set(handler.received)), "each recipient exactly once"


def test_the_manager_sees_each_rounds_emails_and_why_one_failed(app: Any, demo: Any) -> None:
    from survey.extensions import db
    from survey.models import Round, RoundState
    from tests.fixtures_demo import client_for

    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.state == RoundState.OPEN))
        db.session.add_all([
            EmailMessage(to_address="sent@example.org", subject="Invitation sent", kind="invitation",
                         round_id=round_id, state=MailState.SENT, attempts=1, sent_at=utcnow()),
            EmailMessage(to_address="wait@example.org", subject="Invitation waiting", kind="invitation",
                         round_id=round_id, state=MailState.QUEUED, attempts=2, error="451 Mailbox busy"),
            EmailMessage(to_address="gone@example.org", subject="Invitation failed", kind="invitation",
                         round_id=round_id, state=MailState.FAILED, attempts=1, error="550 No such user"),
        ])
        db.session.commit()
    page = client_for(app, "manager@demo.example").get(f"/manager/rounds/{round_id}/emails").get_data(as_text=True)
    assert "1 sent, 1 waiting to be sent, 1 failed" in page
    assert "550 No such user" in page and "Trying again" in page and "gone@example.org" in page
    assert client_for(app, "chair@demo.example").get(f"/manager/rounds/{round_id}/emails").status_code == 403


@pytest.mark.parametrize("delivery", ["outbox", "request"])
def test_forgot_password_takes_the_same_time_whether_or_not_the_address_has_an_account(
        app: Any, demo: Any, relay: tuple[Relay, int], delivery: str) -> None:
    """With a relay taking 150 ms a message, the median time of 50 requests for a known and for an unknown address
    differs by far less than the relay's time: the known one's email is queued, and sent by the worker or after
    the response, never while the person waits."""
    import numpy as np

    from survey.extensions import db
    from tests.web.forms import csrf_token

    handler, port = relay
    handler.delay = 0.15
    app.config.update(MAIL_DELIVERY=delivery, SMTP_PORT=port, SIGN_IN_LIMIT_PER_ADDRESS="10000 per minute",
                      SIGN_IN_LIMIT_PER_ACCOUNT="10000 per minute")
    client = app.test_client()
    token = csrf_token(client.get("/forgot-password").get_data(as_text=True))
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(50):
        for kind, email in (("known", "staff.cafcass@demo.example"), ("unknown", f"nobody{n}@demo.example")):
            started = time.perf_counter()
            # Unbuffered: the person has the page before the response is closed, as from a WSGI server.
            response = client.post("/forgot-password", data={"csrf_token": token, "email": email}, buffered=False)
            page = response.get_data(as_text=True)
            times[kind].append(time.perf_counter() - started)
            response.close()  # the WSGI server closes it once the person has it: in "request" delivery, sent then
            assert response.status_code == 200 and "Check your email" in page
    difference = abs(float(np.median(times["known"])) - float(np.median(times["unknown"])))
    # Sending while the person waits would add the relay's 150 ms. Queueing adds a write of a few ms, which a busy
    # machine (two test workers and a database server on two cores) can stretch past 10 ms.
    assert difference < handler.delay / 5, f"medians differ by {difference * 1000:.1f} ms"
    if delivery == "outbox":
        assert handler.received == []
        with app.app_context():
            assert mail.deliver(db.session(), mail.SmtpSettings.from_config(app.config)).sent == 50
    assert handler.received == ["staff.cafcass@demo.example"] * 50, "only the known address is ever emailed"
