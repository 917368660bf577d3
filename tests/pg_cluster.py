"""A throwaway PostgreSQL cluster from the Debian package, for tests and benchmarks (loopback only)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresMissing(RuntimeError):
    """The postgresql package is not installed."""


def pg_bin() -> Path:
    """The newest installed PostgreSQL's bin directory."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    raise PostgresMissing("PostgreSQL is required: install the `postgresql` package (apt-get install postgresql) "
                          "or set SURVEY_TEST_POSTGRES_URL")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_cluster(durable: bool = False) -> Iterator[str]:
    """Start a cluster in a temporary folder; yield its maintenance-database URL; remove it afterwards.

    Not durable by default (fsync off): fast, and fine for tests that never crash the server itself."""
    binaries = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="survey-pg-"))
    data = root / "data"
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(root, "postgres")
    port = free_port()
    subprocess.run([*prefix, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "-U", "postgres"], check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    pg_ctl = [*prefix, str(binaries / "pg_ctl"), "-D", str(data)]
    subprocess.run([*pg_ctl, "-w", "-l", str(root / "log"), "-o", options, "start"], check=True,
                   capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
