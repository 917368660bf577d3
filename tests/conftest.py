"""Fixtures shared by every test: databases on both engines, the app, its client and the CLI runner.

Every test that asks for `db_url` (directly or through `app`) runs twice: on SQLite and on a real PostgreSQL
server. PostgreSQL comes from SURVEY_TEST_POSTGRES_URL (an empty server the tests may create databases on) or, by
default, a throwaway cluster started here from the Debian `postgresql` package. A missing PostgreSQL fails the run.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey import create_app
from survey.db import make_engine
from survey.migrate import upgrade
from tests.pg_cluster import PostgresMissing, free_port, throwaway_cluster

# Property tests check what is computed, not how fast: hypothesis's default 200 ms deadline per example fails them
# at random when both cores are busy (two test workers and their databases). Speed lives in benchmarks/.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

pytest_plugins = ["tests.fixtures_demo"]

ENGINES = ["sqlite", "postgresql"]
_counter = itertools.count()


def _free_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL server URL (maintenance database) that tests may create databases on."""
    given = os.environ.get("SURVEY_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    try:
        cluster = throwaway_cluster()
        url = cluster.__enter__()
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield url
    finally:
        cluster.__exit__(None, None, None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> str:
    """A PostgreSQL database migrated to head once per run; each test gets a copy."""
    name = f"survey_template_{os.getpid()}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return name


def new_postgres_database(admin_url: str, template: str | None = None) -> str:
    """Create an empty (or templated) database and return its URL."""
    name = f"survey_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """Which database engine this run of the test uses."""
    return str(request.param)


@pytest.fixture
def empty_db_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL to an empty database (no schema) on this run's engine."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return new_postgres_database(request.getfixturevalue("postgres_admin_url"))


@pytest.fixture
def postgres_url(postgres_admin_url: str, postgres_template: str) -> str:
    """A fresh database at the newest schema on the test PostgreSQL server, for tests of PostgreSQL's own ways."""
    return new_postgres_database(postgres_admin_url, postgres_template)


@pytest.fixture
def db_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL to a fresh database at the newest schema on this run's engine."""
    if engine_name == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return new_postgres_database(request.getfixturevalue("postgres_admin_url"),
                                 request.getfixturevalue("postgres_template"))


class BufferedClient(FlaskClient):
    """Flask's test client, reading each response whole and closing it, as a WSGI server does after sending it.

    Unbuffered, a download's temporary file stays open until its response is garbage collected, which may happen
    during a later test and fail that one with a ResourceWarning."""

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> Any:  # noqa: D102 - Flask's own
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def app_overrides() -> dict[str, object]:
    """Settings a test module adds to the app's (it overrides this fixture)."""
    return {}


@pytest.fixture
def app(db_url: str, tmp_path: Path, smtp_server: tuple[str, int, object],
        app_overrides: dict[str, object]) -> Iterator[object]:
    """The app on a fresh database, with CSRF on as in production, sending mail to the test SMTP server."""
    from survey.extensions import db

    application = create_app({
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-key-0123456789",
        "EXPORTS_DIR": str(tmp_path / "exports"),
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "SMTP_HOST": smtp_server[0],
        "SMTP_PORT": smtp_server[1],
        # Each request sends its own emails once its change commits, so a test reads them in the mailbox at once
        # (tests/db/test_outbox.py runs the default outbox and its worker).
        "MAIL_DELIVERY": "request",
        "EVIDENCE_MAX_MB": 1,
        # Every page served from the page cache is rendered again and compared (survey/web/page_cache.py).
        "PAGE_CACHE_VERIFY": True,
        **app_overrides,
    })
    application.test_client_class = BufferedClient
    yield application
    db.session.remove()
    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """An HTTP client for the app."""
    return app.test_client()


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner for the `survey` command, with no SURVEY_* settings leaking in from the environment."""
    for key in list(os.environ):
        if key.startswith("SURVEY_") and key != "SURVEY_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    return CliRunner()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs on the database engines with `db`."""
    for item in items:
        if "engine_name" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


# -- mail ----------------------------------------------------------------------------------------------------------
class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self) -> None:
        self.messages: list[object] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd API
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[attr-defined]
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[object]:
        """Messages addressed to one person."""
        return [m for m in self.messages if address in str(m["To"])]  # type: ignore[index]

    def body(self, message: object) -> str:
        """The text of a message."""
        return str(message.get_content())  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[str, int, Mailbox]]:
    """A real SMTP server (aiosmtpd) on loopback for the whole run."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield "127.0.0.1", port, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[str, int, Mailbox]) -> Mailbox:
    """The test SMTP server's mailbox, emptied for this test."""
    smtp_server[2].messages.clear()
    return smtp_server[2]
