"""Unbound extensions, bound to the app in create_app with init_app."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from survey.db import Database

db = Database()
csrf = CSRFProtect()
login_manager = LoginManager()
# Counters live in the database (survey.services.throttle), shared by every worker and host.
limiter = Limiter(key_func=get_remote_address, storage_uri="survey-db://", strategy="fixed-window",
                  headers_enabled=True)
