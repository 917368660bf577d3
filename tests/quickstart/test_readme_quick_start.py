"""The README's quick start, followed from a clean clone: `./dev run` sets itself up, serves the demo on the
PORT asked for, prints the demo accounts, delivers email to the terminal with links to the served address, and a
second `./dev run` serves the same database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.oidc_provider import free_port

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def quick_start() -> list[str]:
    """The commands of the README's quick start block."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_the_quick_start_is_two_commands() -> None:
    assert quick_start() == ["./dev run", "./dev test"]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What has been committed, cloned afresh (nothing set up: no .venv, node_modules or instance)."""
    target = tmp_path_factory.mktemp("quickstart") / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    assert not (target / ".venv").exists() and not (target / "instance").exists()
    return target


class Running:
    """`./dev run` in the clone, its output kept in a file."""

    def __init__(self, clone: Path, port: int, mail_port: int, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
        env.update({"PORT": str(port), "HOST": "127.0.0.1", "MAIL_PORT": str(mail_port)})
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        with log.open("w") as out:
            self.process = subprocess.Popen(["./dev", "run"], cwd=clone, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until_served(self, seconds: float = 600) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"./dev run stopped (exit {self.process.returncode}):\n{self.output()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/livez", timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(1)
        pytest.fail(f"./dev run did not serve within {seconds} s:\n{self.output()[-3000:]}")

    def wait_for_output(self, pattern: str, seconds: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            time.sleep(0.5)
        pytest.fail(f"{pattern!r} never appeared in the output:\n{self.output()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def dev_run(clone: Path, tmp_path: Path) -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for running in started:
        running.stop()


class Browser:
    """A cookie-keeping HTTP client that posts forms with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.status, response.geturl(), response.read().decode()

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        _, _, page = self.get(path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, f"no CSRF token on {path}"
        data = urllib.parse.urlencode({"csrf_token": token.group(1), **fields}).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=20) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, path, error.read().decode()


def test_dev_run_from_a_clean_clone_serves_the_demo_twice(clone: Path, tmp_path: Path,
                                                          dev_run: list[Running]) -> None:
    port, mail_port = free_port(), free_port()
    first = Running(clone, port, mail_port, tmp_path / "first.log")
    dev_run.append(first)
    first.wait_until_served()
    text = first.output()
    password = re.search(r"password `([^`]+)`", README.read_text(encoding="utf-8"))
    assert password and password.group(1) in text, "the demo accounts and README's password are printed"
    assert "lead.police@demo.example" in text

    browser = Browser(first.base)
    status, url, page = browser.post_form("/sign-in", {"email": "lead.police@demo.example",
                                                       "password": password.group(1)})
    assert status == 200 and urllib.parse.urlsplit(url).path == "/agency/", page[-500:]
    # An email from the demo lands in the terminal, its link naming the port served (not 5000).
    Browser(first.base).post_form("/forgot-password", {"email": "staff.police@demo.example"})
    link = first.wait_for_output(r"http://127\.0\.0\.1:(\d+)/set-password/reset/")
    assert link.group(1) == str(port)
    first.stop()

    second = Running(clone, port, mail_port, tmp_path / "second.log")
    dev_run.append(second)
    second.wait_until_served(120)
    assert "demo data is already loaded" in second.output()
    status, url, _ = Browser(second.base).post_form("/sign-in", {"email": "lead.police@demo.example",
                                                                 "password": password.group(1)})
    assert urllib.parse.urlsplit(url).path == "/agency/"
