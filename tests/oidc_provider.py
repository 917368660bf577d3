"""A real OpenID Connect provider for the tests (the npm `oidc-provider` package, tests/oidc/provider.mjs),
started on loopback; a missing Node or package fails the run, never skips it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
PACKAGE = ROOT / "node_modules" / "oidc-provider"
SECRET = "test-client-secret-0123456789"  # noqa: S105 - the loopback provider's client secret


def free_port() -> int:
    """A TCP port nothing on loopback listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client(client_id: str, redirect_uri: str) -> dict[str, object]:
    """A confidential client registered with the provider."""
    return {"client_id": client_id, "client_secret": SECRET, "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code"], "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic"}


@contextmanager
def running_provider(clients: list[dict[str, object]], accounts: dict[str, dict[str, object]],
                     id_token_ttl: int = 0, token_delay_ms: int = 0) -> Iterator[str]:
    """Start a provider; yields its issuer URL and stops it afterwards."""
    node = shutil.which("node")
    if node is None or not PACKAGE.exists():
        pytest.fail("Node and the oidc-provider package are required for the single sign-on tests: npm ci",
                    pytrace=False)
    port = free_port()
    config = {"port": port, "clients": clients, "accounts": accounts, "idTokenTtl": id_token_ttl,
              "tokenDelayMs": token_delay_ms}
    process = subprocess.Popen([node, str(SCRIPT)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the provider's first line, or "" if it stopped
        if not line.startswith("ready "):
            pytest.fail(f"the test OpenID provider did not start: {line!r}", pytrace=False)
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
