"""PostgreSQL stopped in the middle of a request under gunicorn: a clear 503 page with the typed text, never a 500.

A save is held waiting on a row lock taken by another connection, then the database server is stopped
(immediately, as when its host fails) while the request is in flight. Once the server is back, the service
resumes without a restart and nothing of the interrupted save was written."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from survey.db import make_engine
from survey.migrate import upgrade
from survey.models import Answer, Return
from survey.services import demo as demo_service
from survey.services.catalogue import load_catalogue
from tests.pg_cluster import Cluster
from tests.reliability.conftest import ROOT, Client, Gunicorn

TYPED = "Forty minutes of careful writing about supervision arrangements"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL server of this test's own, which it stops and starts."""
    instance = Cluster()
    instance.start()
    try:
        yield instance
    finally:
        instance.remove()


def test_postgresql_stopped_mid_request(cluster: Cluster, smtp_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(cluster.url)
    upgrade(engine)
    with Session(engine) as session:
        demo_service.load(session, load_catalogue(ROOT / "questionnaires"))
        rid = session.scalar(select(Return.id).join(Return.agency).where(
            Return.agency.has(name="Essex Police"), Return.round.has(state="open")))
    engine.dispose()
    server = Gunicorn(cluster.url, smtp_server[1], str(tmp_path / "evidence"), workers=2)
    server.start()
    try:
        client = Client(server.port, timeout=30)
        client.sign_in("staff.police@demo.example")
        url = f"/agency/returns/{rid}/duties/supervision"
        data = client.form(url)
        data.update({"commentary-supervision-1": TYPED, "action": "later"})

        parsed = make_url(cluster.url)
        blocker = psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database)
        blocker.execute("SELECT id FROM agency_return WHERE id = %s FOR UPDATE", (rid,))
        outcome: dict[str, object] = {}

        def save() -> None:
            outcome["response"] = client.request("POST", url, data)

        thread = threading.Thread(target=save)
        thread.start()
        time.sleep(1.5)
        assert thread.is_alive(), "the save should be waiting on the row lock"
        cluster.stop("immediate")
        thread.join(timeout=30)
        assert not thread.is_alive()
        try:
            blocker.close()
        except psycopg.Error:
            pass
        status, headers, body = outcome["response"]  # type: ignore[misc]
        assert status == 503, f"the interrupted save gave {status}, not 503"
        assert "Sorry, the service is unavailable" in body and TYPED in body, "the typed text is given back"
        assert headers.get("retry-after") == "30"
        down, _, page = Client(server.port, timeout=30).request("GET", "/healthz")
        assert down == 503
        status, _, page = client.request("GET", url)
        assert status == 503 and "Sorry, the service is unavailable" in page

        cluster.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status, _, page = client.request("GET", url)
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, "the service resumes once the database is back, without a restart"
    finally:
        server.stop()
    engine = make_engine(cluster.url)
    with Session(engine) as session:
        saved = session.scalar(select(Answer.commentary).where(Answer.return_id == rid,
                                                               Answer.statement_id == "supervision-1"))
    engine.dispose()
    assert saved != TYPED, "nothing of the interrupted save was written"
