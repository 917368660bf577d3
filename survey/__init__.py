"""The self-assessment and Section 11 survey engine.

Importing the package loads nothing else: the domain packages (definitions, scoring, exports) stay free of Flask,
and `create_app` imports the web stack only when an app is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the Flask app: defaults, then SURVEY_* environment variables, then the test dict."""
    from survey.factory import build_app

    app: Flask = build_app(test_config)
    return app
