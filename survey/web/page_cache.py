"""Rendered pages kept in each worker, keyed by everything they show; the per-response secrets go in afterwards.

A key must hold every stored value the page shows (see `survey.services.return_snapshots`) and the signed-in
person with their roles (the header shows both), so a changed answer, file, round or role is simply a new key:
nothing is invalidated, nothing can be served stale, and workers and hosts never need to agree on anything.
Old keys fall out of a small LRU. The CSP nonce and the CSRF token differ on every response, so pages are
rendered with random placeholders (made afresh in each process, so no one can type them into an answer) and the
real values are put in on the way out.

Signing the form token costs as much as the rest of a hit, so each session's signed token is kept for a minute:
Flask-WTF checks the signature and the session's own token, and the age only against WTF_CSRF_TIME_LIMIT, so a
token signed a minute ago is as good as a new one."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

_NONCE = secrets.token_hex(16)
_CSRF = secrets.token_hex(16)
TOKEN_REUSE_SECONDS = 60


class PageCache:
    """A bounded LRU of one app's rendered pages in one process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0  # pages served from the cache
        self._tokens: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()

    def page(self, key: Hashable, render: Callable[[dict[str, Any]], str]) -> str:
        """The page for `key`, rendered by `render(placeholders)` (passed to render_template) when not kept."""
        if self.size <= 0 or current_app.debug or session.get("_flashes"):
            # A flashed message is shown once and must be taken from the session by rendering; in debug mode
            # templates change under a running server.
            return render({})
        full_key = (request.endpoint, request.script_root, key)
        with self._lock:
            html = self._pages.get(full_key)
            if html is not None:
                self._pages.move_to_end(full_key)
                self.hits += 1
        placeholders = {"cspNonce": _NONCE, "csrf_token": lambda: _CSRF}
        if html is not None and current_app.config.get("PAGE_CACHE_VERIFY"):
            # Tests render every hit again: a key that leaves out something the page shows fails loudly.
            fresh = render(placeholders)
            if fresh != html:
                raise RuntimeError(f"stale page from the cache for {request.path}: its key misses something shown")
        if html is None:
            html = render(placeholders)
            with self._lock:
                self._pages[full_key] = html
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        return html.replace(_NONCE, g.csp_nonce).replace(_CSRF, self._csrf_token())

    def _csrf_token(self) -> str:
        """This session's signed form token, signed afresh at most once a minute."""
        name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        secret = str(current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key)
        raw = session.get(name)
        now = time.monotonic()
        if raw is not None and name not in g:
            with self._lock:
                kept = self._tokens.get((secret, raw))
            if kept is not None and now - kept[1] < TOKEN_REUSE_SECONDS:
                setattr(g, name, kept[0])
                return kept[0]
        token = str(generate_csrf())
        with self._lock:
            self._tokens[(secret, session[name])] = (token, now)
            while len(self._tokens) > max(self.size, 1):
                self._tokens.popitem(last=False)
        return token

    def __len__(self) -> int:
        return len(self._pages)


def init_page_cache(app: Flask) -> None:
    """Give the app its own cache (pages depend on its settings as well as the key)."""
    app.extensions["survey_page_cache"] = PageCache(int(app.config["PAGE_CACHE_ENTRIES"]))


def cached_page(key: Hashable, render: Callable[[dict[str, Any]], str]) -> str:
    """The current app's page for `key` (see `PageCache.page`)."""
    cache: PageCache = current_app.extensions["survey_page_cache"]
    return cache.page(key, render)
