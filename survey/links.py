"""Absolute links for emails and files, always from SURVEY_BASE_URL: never from the request's Host header, which
the sender of the request chooses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def base_url(config: Mapping[str, Any]) -> str:
    """The address people use to reach the app, without a trailing slash."""
    return str(config["BASE_URL"]).rstrip("/")


def external_url(config: Mapping[str, Any], path: str) -> str:
    """An absolute link to a path of the app (a path from url_for, starting with /)."""
    return f"{base_url(config)}/{path.lstrip('/')}"
