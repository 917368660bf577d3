"""gunicorn settings for production: gunicorn -c deploy/gunicorn.conf.py 'survey:create_app()'.

Every setting can be overridden with an environment variable of the same name in upper case prefixed GUNICORN_
(e.g. GUNICORN_WORKERS=8)."""

import gc
import multiprocessing
import os


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GUNICORN_{name.upper()}", default)


bind = _env("bind", "127.0.0.1:8000")  # behind a reverse proxy that terminates TLS
# Sync workers: measured here, threaded workers raised the p99 of saves on SQLite several times over.
worker_class = "sync"
# Two per core: on 2 cores a fifth worker served no more and raised the p99 of saves from about 82 to 110 ms
# (benchmarks/bench_http.py).
workers = int(_env("workers", str(multiprocessing.cpu_count() * 2)))
timeout = int(_env("timeout", "60"))
graceful_timeout = int(_env("graceful_timeout", "30"))
keepalive = 5
max_requests = int(_env("max_requests", "2000"))  # recycle workers now and then
max_requests_jitter = 200
limit_request_line = 8190
# The app logs one JSON line per request itself (with request ids); gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"
loglevel = _env("loglevel", "info")
# gunicorn 27 opens a control socket in ~/.gunicorn by default, and a second instance silently takes it over.
control_socket_disable = True
forwarded_allow_ips = _env("forwarded_allow_ips", "127.0.0.1")


def on_starting(server: object) -> None:
    """Before any worker starts: finish or drop the evidence uploads a crash interrupted."""
    from survey import create_app
    from survey.factory import settle_after_crash

    settle_after_crash(create_app())


def post_worker_init(worker: object) -> None:
    """Leave everything the app built at start-up out of the garbage collector's full passes."""
    # A full collection walks every object, and the app's own (modules, mappers, templates) never become
    # garbage: under load those walks paused a worker for up to 120 ms, which were the slowest saves. Frozen,
    # the longest pause measured was about 20 ms.
    gc.freeze()
