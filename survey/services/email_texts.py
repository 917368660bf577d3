"""The wording of the emails: the plain-text templates in templates/emails, rendered without Flask, so that the
services writing emails run the same in a request, a command or the worker."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from survey.config import ROOT
from survey.definitions import rating_label
from survey.text import possessive
from survey.timezone import london

TEMPLATES = ROOT / "templates" / "emails"


@cache
def _environment() -> Environment:
    # Plain text, as Flask renders a .txt template: nothing is HTML-escaped.
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=False))
    environment.filters["rating"] = lambda value, questionnaire: rating_label(value, questionnaire.scale)
    environment.filters["possessive"] = possessive
    environment.filters["london"] = london
    return environment


def render(name: str, config: Mapping[str, Any], **values: Any) -> str:
    """An email's text from its template (`name` in templates/emails), with the settings as `config`."""
    return _environment().get_template(name).render(config=config, **values)
