"""HTTP under gunicorn with 64 concurrent connections: a duty page and an answer save beside a bare page.

Run: .venv/bin/python benchmarks/bench_http.py [--seconds 8] [--workers 4] [--connections 64] [--postgresql]
     [--rate REQUESTS_PER_SECOND]

The app runs on SQLite (or, with --postgresql, a throwaway PostgreSQL server with fsync on) with the demo data
under gunicorn (sync workers, the shipped settings) on loopback. A Python load generator keeps every connection
busy (each sends its next request as soon as the last is answered) for a fixed time per scenario, so latency
includes the wait for a free worker; with --rate the same connections send a fixed number of requests a second
between them (open loop), as people using the pages do. Targets: the duty page at least 20x LimeSurvey 6.4's 7
requests a second measured on this machine (so 140), and p99 of the duty page and of a save under 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from survey.cli import main as cli  # noqa: E402
from survey.db import make_engine  # noqa: E402
from tests.pg_cluster import throwaway_cluster  # noqa: E402
from tests.reliability.conftest import Client, Gunicorn  # noqa: E402
from tests.web.forms import form_data  # noqa: E402

# Agencies with a return in the demo's open Section 11 round (education answers only the closed round).
AGENCIES = ["childrens-services", "police", "ccg", "hospital", "mental-health", "probation", "crc", "cafcass",
            "schools"]


# LimeSurvey 6.4 (nginx, 4 php-fpm workers, PostgreSQL) serving one survey page, measured on this machine.
LIMESURVEY_RPS = 7


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q * 100))


def run(name: str, port: int, connections: int, seconds: float, setup, step,  # type: ignore[no-untyped-def]
        warmup: float = 2.0, rate: float | None = None) -> dict[str, float]:
    """Keep `connections` clients busy for `warmup` and then `seconds`; return the throughput and latency of
    the measured `seconds`.

    With `rate`, the clients send `rate` requests a second between them instead (open loop: each connection on
    its own fixed schedule, whatever the server does), and a request sent late because its connection was still
    waiting for the last one counts the delay in its latency, so a slow server cannot hide its queue."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(connections)
    deadline = [0.0]

    def worker(index: int) -> None:
        client = Client(port, timeout=30)
        state = setup(client, index)
        start_gate.wait()
        if index == 0:
            deadline[0] = time.monotonic() + warmup + seconds
        while not deadline[0]:
            time.sleep(0.001)
        measure_from = deadline[0] - seconds
        interval = connections / rate if rate else 0.0
        first = deadline[0] - warmup - seconds + interval * index / connections
        mine: list[float] = []
        n = 0
        while time.monotonic() < deadline[0] and n < 100_000:
            late = 0.0
            if rate:
                due = first + n * interval
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                late = max(0.0, time.monotonic() - due)
            started = time.monotonic()
            elapsed, ok = step(client, state, n)
            n += 1
            if started < measure_from:
                continue
            if ok:
                mine.append(elapsed + late)
            else:
                with lock:
                    errors.append(name)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"rps": len(latencies) / seconds, "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "mean": float(np.mean(latencies)) * 1000,
            "errors": len(errors), "n": len(latencies)}


def timed(client: Client, method: str, path: str, data: dict[str, str] | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    status, _, _ = client.request(method, path, data)
    return time.perf_counter() - start, status


@contextmanager
def database(postgresql: bool) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a database on a throwaway PostgreSQL server."""
    if not postgresql:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite"
        return
    # Durable (fsync on), like a production server: saves wait for the disk as they would there.
    with throwaway_cluster(durable=True) as admin_url:
        engine = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE bench")
        engine.dispose()
        yield make_url(admin_url).set(database="bench").render_as_string(hide_password=False)


def main() -> None:
    """Start the server, run the scenarios, print each beside the bare page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--postgresql", action="store_true", help="run on PostgreSQL instead of SQLite")
    parser.add_argument("--rate", type=float, default=None,
                        help="open loop: send this many requests a second in all (default: every connection "
                             "sends its next request as soon as the last is answered)")
    args = parser.parse_args()
    with database(args.postgresql) as url:
        env = {"SURVEY_DATABASE_URL": url}
        for command in (["db", "upgrade"], ["demo"]):
            result = CliRunner().invoke(cli, command, env=env)
            assert result.exit_code == 0, result.output
        evidence = tempfile.TemporaryDirectory()
        server = Gunicorn(url, smtp_port=1, evidence_dir=evidence.name, workers=args.workers)
        server.start()
        try:
            probe = Client(server.port)
            probe.sign_in("lead.police@demo.example")
            _, _, home = probe.request("GET", "/agency/")
            police_return = int(home.split('/agency/returns/')[1].split('"')[0])

            def sign_in(client: Client, index: int) -> dict[str, object]:
                agency = AGENCIES[index % len(AGENCIES)]
                person = ("staff" if index < len(AGENCIES) else "officer") + f".{agency}@demo.example"
                # Open rounds are listed first on the agency home page.
                client.sign_in(person)
                _, _, page = client.request("GET", "/agency/")
                rid = int(page.split('/agency/returns/')[1].split('"')[0])
                statement = "supervision-1" if index < len(AGENCIES) else "supervision-2"
                return {"path": f"/agency/returns/{rid}/duties/supervision", "statement": statement}

            def bare(client: Client, state: object, n: int) -> tuple[float, bool]:
                elapsed, status = timed(client, "GET", "/livez")
                return elapsed, status == 200

            def form_page(client: Client, state: dict[str, object], n: int) -> tuple[float, bool]:
                elapsed, status = timed(client, "GET", str(state["path"]))
                return elapsed, status == 200

            def save(client: Client, state: dict[str, object], n: int) -> tuple[float, bool]:
                _, _, page = client.request("GET", str(state["path"]))
                data = form_data(page)
                data.update({f"commentary-{state['statement']}": f"save {n}", "action": "later"})
                elapsed, status = timed(client, "POST", str(state["path"]), data)
                return elapsed, status == 302

            results = {
                "bare page (/livez)": run("bare", server.port, args.connections, args.seconds,
                                          lambda c, i: None, bare, rate=args.rate),
                "duty form page (GET)": run("form", server.port, args.connections, args.seconds, sign_in,
                                             form_page, rate=args.rate),
                "answer save (POST)": run("save", server.port, args.connections, args.seconds, sign_in, save,
                                          rate=args.rate),
            }
        finally:
            server.stop()
            evidence.cleanup()
    base = results["bare page (/livez)"]["rps"]
    print(f"gunicorn sync x{args.workers}, {'PostgreSQL' if args.postgresql else 'SQLite'}, "
          f"{args.connections} connections, {args.seconds:.0f} s each, "
          f"{f'open loop at {args.rate:g} req/s' if args.rate else 'closed loop'} "
          f"(police return {police_return})")
    print(f"  {'scenario':24} {'req/s':>8} {'vs bare':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"  {name:24} {r['rps']:8.0f} {r['rps'] / base:7.2f}x {r['p50']:8.1f} {r['p99']:8.1f} "
              f"{r['errors']:7.0f}")
    print(f"  targets: duty page >= {LIMESURVEY_RPS * 20} req/s (20x LimeSurvey 6.4's {LIMESURVEY_RPS}); "
          "duty page and save p99 < 100 ms")


if __name__ == "__main__":
    main()
