"""The shipped gunicorn settings: environment overrides, and start-up objects frozen out of full collections."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

import pytest

SETTINGS = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9123")
    settings = runpy.run_path(str(SETTINGS))
    assert (settings["workers"], settings["bind"], settings["worker_class"]) == (7, "127.0.0.1:9123", "sync")
    assert settings["control_socket_disable"] is True and settings["accesslog"] is None


def test_workers_freeze_what_the_app_built_at_start() -> None:
    settings = runpy.run_path(str(SETTINGS))
    gc.unfreeze()
    before = gc.get_freeze_count()
    try:
        settings["post_worker_init"](object())
        assert before == 0 and gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
