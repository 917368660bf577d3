"""Unbound extensions, bound to the app in create_app with init_app."""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from survey.db import Database

db = Database()
csrf = CSRFProtect()
login_manager = LoginManager()
