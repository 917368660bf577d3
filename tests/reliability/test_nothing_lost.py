"""Nothing lost under load and faults: a real gunicorn with four workers, on SQLite and PostgreSQL.

Every loop is bounded in count and time, and all traffic stays on loopback.
"""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.db import make_engine
from survey.models import Answer, AuditEvent, EmailMessage, EvidenceFile, Return, ReturnState
from tests.reliability.conftest import Client, Gunicorn, duty_of
from tests.web.forms import form_data

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
CLIENTS = 100
SAVES_PER_CLIENT = 4


def save_loop(port: int, email: str, rid: int, statement: str, marker: str, count: int,
              acknowledged: list[tuple[int, str, str]], failures: list[str]) -> None:
    """Sign in and save one statement `count` times with distinct texts, recording every acknowledged save."""
    client = Client(port)
    try:
        client.sign_in(email)
        path = f"/agency/returns/{rid}/duties/{duty_of(statement)}"
        for n in range(count):
            data = client.form(path)
            text = f"{marker} save {n}"
            data.update({f"commentary-{statement}": text, "action": "later"})
            status, headers, body = client.request("POST", path, data)
            if status == 302 and "conflict" not in headers.get("location", ""):
                acknowledged.append((rid, statement, text))
            else:
                failures.append(f"{email} save {n}: {status} {body[:200]}")
    except (OSError, AssertionError) as exc:
        failures.append(f"{email}: {exc}")


def test_100_clients_saving_across_20_agencies(server: Gunicorn, big_round: dict[str, object], db_url: str) -> None:
    acknowledged: list[tuple[int, str, str]] = []
    failures: list[str] = []
    statements = big_round["statements"]
    jobs = []
    for i in range(CLIENTS):
        rid = big_round["returns"][i % 20]  # type: ignore[index]
        person = big_round["contributors"][rid][(i // 20) % 5]  # type: ignore[index]
        statement = statements[(i // 20) * 3 % len(statements)]  # type: ignore[index]
        jobs.append((person, rid, statement, f"client {i}"))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for person, rid, statement, marker in jobs:
            pool.submit(save_loop, server.port, person, rid, statement, marker, SAVES_PER_CLIENT, acknowledged,
                        failures)
    elapsed = time.monotonic() - started
    assert failures == [], failures[:5]
    assert len(acknowledged) == CLIENTS * SAVES_PER_CLIENT
    engine = make_engine(db_url)
    with Session(engine) as session:
        stored = {(a.return_id, a.statement_id): a.commentary for a in session.scalars(
            select(Answer).where(Answer.return_id.in_(big_round["returns"])))}  # type: ignore[arg-type]
        rows = session.scalar(select(func.count()).select_from(Answer)
                              .where(Answer.return_id.in_(big_round["returns"])))  # type: ignore[arg-type]
    engine.dispose()
    last = {}
    for rid, statement, text in acknowledged:
        last[rid, statement] = text
    assert rows == len(last) == CLIENTS, "one row per statement: none duplicated"
    for key, text in last.items():
        assert stored[key] == text, f"acknowledged save lost for {key}"
    print(f"{len(acknowledged)} saves acknowledged by {CLIENTS} clients in {elapsed:.1f}s; all found")


def complete_directly(db_url: str, rid: int, statements: list[str]) -> None:
    """Answer every statement of a return straight in the database (the pages are tested elsewhere)."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        for sid in statements:
            session.add(Answer(return_id=rid, statement_id=sid, rating=3.0))
        session.commit()
    engine.dispose()


def test_50_identical_submits_make_one_submission(server: Gunicorn, big_round: dict[str, object],
                                                  db_url: str) -> None:
    rid = big_round["returns"][0]  # type: ignore[index]
    complete_directly(db_url, rid, big_round["statements"])  # type: ignore[arg-type]
    lead = Client(server.port)
    lead.sign_in(big_round["leads"][rid])  # type: ignore[index]
    data = lead.form(f"/agency/returns/{rid}/submit")
    data.update({"confirm": "y", "role": "Head of Safeguarding"})
    barrier = threading.Barrier(50)
    statuses: list[int] = []

    def submit() -> None:
        client = Client(server.port)
        client.cookies = dict(lead.cookies)
        barrier.wait(timeout=30)
        statuses.append(client.request("POST", f"/agency/returns/{rid}/submit", data)[0])

    with ThreadPoolExecutor(max_workers=50) as pool:
        for _ in range(50):
            pool.submit(submit)
    assert len(statuses) == 50 and set(statuses) == {302}
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert session.get(Return, rid).state is ReturnState.SUBMITTED
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.return_id == rid, AuditEvent.action == "return.submitted")) == 1
        per_person = session.execute(select(EmailMessage.to_address, func.count()).where(
            EmailMessage.return_id == rid).group_by(EmailMessage.to_address)).all()
        assert len(per_person) >= 6 and {n for _, n in per_person} == {1}, "one confirmation per person, sent once"
    engine.dispose()


def test_sigkill_during_a_storm_loses_nothing_acknowledged(server: Gunicorn, big_round: dict[str, object],
                                                           db_url: str) -> None:
    cycles = 3
    acknowledged: list[tuple[int, str, str]] = []
    acknowledged_files: list[tuple[int, str, str]] = []  # return, file name, sha256
    submitted: list[int] = []
    returns = big_round["returns"]
    for rid in returns[10:16]:  # type: ignore[index]
        complete_directly(db_url, rid, big_round["statements"])  # type: ignore[arg-type]
    submitters = list(returns[10:16])  # type: ignore[index]
    for cycle in range(cycles):
        stop = threading.Event()

        def saver(i: int, cycle: int = cycle, stop: threading.Event = stop) -> None:
            rid = returns[i]  # type: ignore[index]
            client = Client(server.port, timeout=10)
            try:
                client.sign_in(big_round["contributors"][rid][0])  # type: ignore[index]
                statement = "training-1"
                path = f"/agency/returns/{rid}/duties/training"
                n = 0
                while not stop.is_set() and n < 200:
                    data = client.form(path)
                    # Zero-padded so that text order is time order: "cycle 01 save 0007".
                    text = f"cycle {cycle:02d} save {n:04d}"
                    data.update({f"commentary-{statement}": text, "action": "later"})
                    files = {}
                    if n % 3 == 0:  # every third save carries an evidence file
                        name = f"c{cycle:02d}-r{rid}-n{n:04d}.pdf"
                        files[f"evidence-{statement}"] = (name, PDF + name.encode())
                    status, _, _ = client.request("POST", path, data, files)
                    if status == 302:
                        acknowledged.append((rid, statement, text))
                        for name, content in files.values():
                            acknowledged_files.append((rid, name, hashlib.sha256(content).hexdigest()))
                    n += 1
            except (OSError, AssertionError, http_errors()):
                return  # the server died under us: whatever was not acknowledged may be lost

        def submitter(rid: int, stop: threading.Event = stop) -> None:
            client = Client(server.port, timeout=10)
            try:
                client.sign_in(big_round["leads"][rid])  # type: ignore[index]
                data = client.form(f"/agency/returns/{rid}/submit") if not stop.is_set() else {}
                data.update({"confirm": "y", "role": "Head of Safeguarding"})
                status, headers, _ = client.request("POST", f"/agency/returns/{rid}/submit", data)
                if status == 302 and headers.get("location", "").endswith("/submitted"):
                    submitted.append(rid)
            except (OSError, AssertionError, http_errors()):
                return

        threads = [threading.Thread(target=saver, args=(i,)) for i in range(10)]
        if submitters:
            threads.append(threading.Thread(target=submitter, args=(submitters.pop(),)))
            threads.append(threading.Thread(target=submitter, args=(submitters.pop(),)))
        before = len(acknowledged)
        for thread in threads:
            thread.start()
        # Kill mid-storm: once writes are being acknowledged (at least ten this cycle), however loaded the machine.
        started = time.monotonic()
        while len(acknowledged) - before < 10 and time.monotonic() - started < 30:
            time.sleep(0.05)
        time.sleep(0.3)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        server.start()
    engine = make_engine(db_url)
    with Session(engine) as session:
        stored = {(a.return_id, a.statement_id): a.commentary for a in session.scalars(
            select(Answer).where(Answer.statement_id == "training-1", Answer.return_id.in_(returns[:10])))}  # type: ignore[index]
        last: dict[tuple[int, str], str] = {}
        for rid, statement, text in acknowledged:
            last[rid, statement] = text
        for key, text in last.items():
            # The last acknowledged save is there, or a later one whose acknowledgement the kill swallowed.
            assert stored.get(key, "") >= text, f"{key}: acknowledged {text!r} lost (found {stored.get(key)!r})"
        for ret in session.scalars(select(Return).where(Return.id.in_(returns[10:16]))):  # type: ignore[index]
            if ret.state is ReturnState.SUBMITTED:
                assert ret.submitted_at is not None and ret.declaration_name, "never half-submitted"
            else:
                assert ret.submitted_at is None and not ret.declaration_name
        for rid in submitted:
            assert session.get(Return, rid).state is ReturnState.SUBMITTED, "an acknowledged submission survived"
        rows = session.scalars(select(EvidenceFile)).all()
    engine.dispose()
    stored_files = {(r.return_id, r.filename): r for r in rows}
    folder = Path(server.evidence_dir)
    for rid, name, sha in acknowledged_files:
        row = stored_files.get((rid, name))
        assert row is not None and row.sha256 == sha, f"acknowledged upload {name} lost"
    for row in rows:
        path = folder / row.storage_key
        assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256, \
            f"the row of {row.filename} has no bytes (or the wrong ones)"
    on_disk, keys = {p.name for p in folder.iterdir()}, {r.storage_key for r in rows}
    assert on_disk == keys, f"orphaned files: {sorted(on_disk - keys)}"
    assert len(acknowledged) >= 10 * cycles and acknowledged_files, "the storm really ran"
    print(f"{cycles} SIGKILL cycles; {len(acknowledged)} saves, {len(acknowledged_files)} uploads and "
          f"{len(submitted)} submissions acknowledged; all found, {len(rows)} files, none orphaned")


def http_errors() -> type[Exception]:
    import http.client

    return http.client.HTTPException


def test_form_data_helper_reads_typed_text() -> None:
    html = '<form method="post"><textarea name="c">\nhello</textarea><input name="x" value="1"></form>'
    assert form_data(html) == {"c": "hello", "x": "1"}
    assert Path(__file__).exists()
