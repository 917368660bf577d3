"""In development the worker sends the queued emails to `survey mail catch`, which prints each one (as `./dev run`
sets them up) so a newcomer can read the demo's invitations."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.orm import Session

from survey.db import make_engine
from survey.services import mail
from tests.pg_cluster import free_port

BIN = Path(sys.executable).parent


def test_the_worker_delivers_to_the_catcher_which_prints_each_email(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dev.sqlite'}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(SURVEY_DATABASE_URL=url, SURVEY_SMTP_HOST="127.0.0.1", SURVEY_SMTP_PORT=str(port))
    subprocess.run([BIN / "survey", "db", "upgrade"], env=env, check=True, capture_output=True)
    engine = make_engine(url)
    with Session(engine) as session:
        mail.send(session, mail.SmtpSettings("127.0.0.1", port, outbox=True),
                  [mail.Outgoing("lead@agency.example", "You are invited: Section 11 audit 2027",
                                 "Follow this link to create your password.", "invitation")])
        session.commit()
    engine.dispose()
    catcher = subprocess.Popen([BIN / "survey", "mail", "catch", "--port", str(port)], env=env,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert "catching email on" in (catcher.stderr.readline() if catcher.stderr else "")
        worker = subprocess.run([BIN / "survey", "worker", "--passes", "1"], env=env, capture_output=True,
                                text=True, timeout=60)
        assert worker.returncode == 0 and "1 sent" in worker.stderr, worker.stderr
        time.sleep(0.5)
    finally:
        catcher.terminate()
        printed = catcher.communicate(timeout=15)[1]
    assert "--- email to lead@agency.example ---" in printed
    assert "Subject: You are invited: Section 11 audit 2027" in printed
    assert "Follow this link to create your password." in printed


def test_the_catcher_says_why_it_cannot_listen() -> None:
    port = free_port()
    first = subprocess.Popen([BIN / "survey", "mail", "catch", "--port", str(port)], stderr=subprocess.PIPE,
                             text=True)
    try:
        assert first.stderr is not None and "catching email on" in first.stderr.readline()
        second = subprocess.run([BIN / "survey", "mail", "catch", "--port", str(port)], capture_output=True,
                                text=True, timeout=30)
        assert second.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in second.stderr
    finally:
        first.terminate()
        first.communicate(timeout=15)
