"""`survey serve` and `flask --app survey` start a real server that answers over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                return bytes(response.read())
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within {seconds}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server as a process manager would (SIGTERM, then SIGKILL after 15 s)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stdout.close()  # type: ignore[union-attr]
    process.stderr.close()  # type: ignore[union-attr]


@pytest.mark.parametrize("command", ["survey", "flask"])
def test_server_answers(db_url: str, command: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SURVEY_DATABASE_URL": db_url}
    if command == "survey":
        args = [str(BIN / "survey"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    else:
        args = [str(BIN / "flask"), "--app", "survey", "run", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        body = wait_for(f"http://127.0.0.1:{port}/healthz", process)
        assert b'"status":"ok"' in body.replace(b" ", b"")
        home = wait_for(f"http://127.0.0.1:{port}/", process)
        assert b"Board self-assessment" in home
    finally:
        stop(process)


def test_serve_refuses_unmigrated_database(tmp_path: Path) -> None:
    env = {**os.environ, "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}"}
    result = subprocess.run([str(BIN / "survey"), "serve", "--port", str(free_port())], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "run `survey db upgrade` first" in result.stderr


def _children(pid: int) -> set[int]:
    """The process ids of a process's children (gunicorn's workers)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def test_serve_workers_never_share_a_database_connection(postgres_url: str, tmp_path: Path) -> None:
    """Each worker opens its own PostgreSQL connections: none inherited from the process that built the app."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine, text

    port = free_port()
    env = {**os.environ, "SURVEY_DATABASE_URL": postgres_url}
    process = subprocess.Popen([str(BIN / "survey"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--workers", "3"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=tmp_path)
    observer = create_engine(postgres_url)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        deadline = time.monotonic() + 30
        while len(workers := _children(process.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)

        def health(_: int) -> bytes:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:  # noqa: S310
                return bytes(response.read())

        with ThreadPoolExecutor(max_workers=12) as pool:
            bodies = list(pool.map(health, range(120)))
        assert all(b'"database":"up"' in body.replace(b" ", b"") for body in bodies)
        with observer.connect() as conn:
            names = conn.execute(text("SELECT application_name FROM pg_stat_activity WHERE datname = "
                                      "current_database() AND application_name LIKE 'survey pid %'")).scalars().all()
        owners = {int(name.rsplit(" ", 1)[1]) for name in names}
        # Every connection the workers used was opened by a worker; the master's own (it checked the schema)
        # may stay open, but no worker may be using it.
        assert owners - {process.pid}, f"no worker opened a connection of its own: {names}"
        assert owners - {process.pid} <= workers
    finally:
        observer.dispose()
        stop(process)


def test_serve_logs_each_request_once(db_url: str, tmp_path: Path) -> None:
    """One JSON line per request from the app; gunicorn's access log would write a second, plain one."""
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as handle:
        process = subprocess.Popen([str(BIN / "survey"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", "1"], env={**os.environ, "SURVEY_DATABASE_URL": db_url},
                                   stdout=handle, stderr=handle, cwd=tmp_path)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", process)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accessibility", timeout=5):  # noqa: S310
                pass
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
    lines = [line for line in log.read_text().splitlines() if "/accessibility" in line]
    assert len(lines) == 1 and lines[0].startswith("{"), lines
