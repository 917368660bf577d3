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
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_serve_refuses_unmigrated_database(tmp_path: Path) -> None:
    env = {**os.environ, "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}"}
    result = subprocess.run([str(BIN / "survey"), "serve", "--port", str(free_port())], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "run `survey db upgrade` first" in result.stderr
