"""A real gunicorn with several workers on loopback, clients that sign in and post forms, and a partnership
with 20 agencies. Everything is bounded in count and time."""

from __future__ import annotations

import datetime as dt
import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import make_engine
from survey.models import (
    Agency,
    Partnership,
    PartnershipAgency,
    Person,
    Return,
    Role,
    RoleAssignment,
    Round,
    RoundState,
)
from survey.services import demo as demo_service
from survey.services.catalogue import load_catalogue
from survey.services.definitions import ensure_version
from tests.authenticator import codes_for
from tests.pg_cluster import free_port
from tests.web.forms import csrf_token, form_data

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
AGENCIES = 20


@dataclass
class Gunicorn:
    """A gunicorn process group serving the app."""

    db_url: str
    smtp_port: int
    evidence_dir: str
    workers: int = 4
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until /healthz answers."""
        env = {**os.environ, "SURVEY_DATABASE_URL": self.db_url, "SURVEY_SECRET_KEY": "reliability-test-key-000000",
               "SURVEY_EVIDENCE_DIR": self.evidence_dir,
               "SURVEY_SMTP_HOST": "127.0.0.1", "SURVEY_SMTP_PORT": str(self.smtp_port),
               "SURVEY_SIGN_IN_LIMIT_PER_ADDRESS": "100000 per minute",
               "SURVEY_SIGN_IN_LIMIT_PER_ACCOUNT": "100000 per minute"}
        self.process = subprocess.Popen(
            # The shipped settings, with the size and address of this test and no worker recycling.
            [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "--timeout", "60", "--max-requests", "0",
             "survey:create_app()"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, _ = Client(self.port).request("GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}")
            time.sleep(0.2)
        raise AssertionError("gunicorn did not answer within 60 s")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no graceful anything."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop gracefully (or kill after 15 s)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def multipart(data: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type, as a browser sends a form with files."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in data.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + value.encode() + b"\r\n")
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Client:
    """One person's browser: keeps cookies, posts forms, never follows redirects."""

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict[str, str] | None = None,
                files: dict[str, tuple[str, bytes]] | None = None) -> tuple[int, dict[str, str], str]:
        """Send one request (a form, or a multipart form when there are files); returns status, headers, text."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body: str | bytes | None = None
        if files:
            body, headers["Content-Type"] = multipart(data or {}, files)
        elif data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";")[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            connection.close()

    def sign_in(self, email: str) -> None:
        """Sign in through the sign-in page."""
        _, _, page = self.request("GET", "/sign-in")
        status, headers, _ = self.request("POST", "/sign-in", {
            "csrf_token": csrf_token(page), "email": email, "password": demo_service.DEMO_PASSWORD})
        assert status == 302, f"sign-in of {email} gave {status}"
        if headers.get("location", "").endswith("/sign-in/code"):
            for code in codes_for(email):
                _, _, page = self.request("GET", "/sign-in/code")
                status, _, body = self.request("POST", "/sign-in/code", {"csrf_token": csrf_token(page), "code": code})
                if "has been used already" not in body:
                    break
            assert status == 302, f"the code step of {email} gave {status}"

    def form(self, path: str) -> dict[str, str]:
        """The fields of the form on a page, as a browser would post them."""
        status, _, page = self.request("GET", path)
        assert status == 200, f"GET {path} gave {status}"
        return form_data(page)


@pytest.fixture
def big_round(db_url: str) -> dict[str, object]:
    """The demo, plus agencies up to 20, each with five contributors and a lead, all in one open round."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        catalogue = load_catalogue(ROOT / "questionnaires")
        demo_service.load(session, catalogue)
        partnership = session.scalar(select(Partnership))
        password_hash = session.scalar(select(Person.password_hash).where(Person.email == "manager@demo.example"))
        agencies = list(session.scalars(select(Agency).order_by(Agency.id)))
        for i in range(len(agencies), AGENCIES):
            agency = Agency(name=f"Test Academy {i}", kind="education", is_demo=True)
            session.add(agency)
            session.add(PartnershipAgency(partnership=partnership, agency=agency))
            agencies.append(agency)
        round_ = Round(partnership=partnership, title="Load round",
                       definition_version=ensure_version(session, catalogue.get("section-11-audit")),
                       opens_on=dt.date.today(), deadline=dt.date.today() + dt.timedelta(days=9),
                       state=RoundState.OPEN)
        session.add(round_)
        people: dict[int, list[str]] = {}
        returns: dict[int, int] = {}
        leads: dict[int, str] = {}
        for index, agency in enumerate(agencies):
            ret = Return(round=round_, agency=agency, partnership=partnership)
            session.add(ret)
            emails = []
            for k in range(6):
                email = f"load{index}.{k}@demo.example"
                person = Person(email=email, name=f"Load {index}.{k}", password_hash=password_hash, is_demo=True)
                session.add(person)
                session.add(RoleAssignment(person=person, role=Role.LEAD if k == 0 else Role.CONTRIBUTOR,
                                           agency=agency, partnership=partnership))
                emails.append(email)
            session.flush()
            people[ret.id] = emails[1:]
            leads[ret.id] = emails[0]
            returns[agency.id] = ret.id
        session.commit()
        result = {"returns": list(people), "contributors": people, "leads": leads,
                  "statements": catalogue.get("section-11-audit").statement_ids()}
    engine.dispose()
    return result


@pytest.fixture
def server(db_url: str, big_round: dict[str, object], smtp_server: tuple[str, int, object],
           tmp_path: Path) -> Iterator[Gunicorn]:
    """gunicorn with four workers on the test database."""
    instance = Gunicorn(db_url, smtp_server[1], str(tmp_path / "evidence"))
    instance.start()
    yield instance
    instance.stop()


def duty_of(statement_id: str) -> str:
    """The duty id of a Section 11 statement id (e.g. training-2 -> training)."""
    return statement_id.rsplit("-", 1)[0]
