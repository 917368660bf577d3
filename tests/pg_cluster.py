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


class Cluster:
    """A PostgreSQL server in a temporary folder that a test may stop and start again."""

    def __init__(self, durable: bool = False) -> None:
        binaries = pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="survey-pg-"))
        data = self.root / "data"
        as_root = os.geteuid() == 0
        prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        if as_root:
            shutil.chown(self.root, "postgres")
        self.port = free_port()
        subprocess.run([*prefix, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-E", "UTF8",
                        "--locale=C.UTF-8", "-U", "postgres"], check=True, capture_output=True)
        self.options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            self.options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self.pg_ctl = [*prefix, str(binaries / "pg_ctl"), "-D", str(data)]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        subprocess.run([*self.pg_ctl, "-w", "-l", str(self.root / "log"), "-o", self.options, "start"], check=True,
                       capture_output=True)

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server (immediate: connections are cut, as when a database host fails)."""
        subprocess.run([*self.pg_ctl, "-m", mode, "-w", "stop"], capture_output=True)

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def throwaway_cluster(durable: bool = False) -> Iterator[str]:
    """Start a cluster in a temporary folder; yield its maintenance-database URL; remove it afterwards.

    Not durable by default (fsync off): fast, and fine for tests that never crash the server itself."""
    cluster = Cluster(durable)
    cluster.start()
    try:
        yield cluster.url
    finally:
        cluster.remove()
