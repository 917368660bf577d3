"""Browser tests: the app served by a real HTTP server, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the run; a missing browser fails the run, never skips it."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is required for the browser tests: apt-get install chromium", pytrace=False)
    if not AXE.exists():
        pytest.fail("axe-core is required for the browser tests: npm ci", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on a real threaded HTTP server on loopback; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class Accessibility:
    """Runs axe-core on pages and remembers every serious or critical violation."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.problems: list[str] = []

    def check(self, page: object) -> None:
        """Scan the page as it is now."""
        page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")  # type: ignore[attr-defined]
        url = page.url  # type: ignore[attr-defined]
        self.checked.append(url)
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                nodes = [n["target"] for n in violation["nodes"]][:3]
                self.problems.append(f"{url}: {violation['id']} ({violation['impact']}): {violation['help']} "
                                     f"{json.dumps(nodes)}")


@pytest.fixture
def axe() -> Accessibility:
    """Collects accessibility problems across a journey."""
    return Accessibility()
