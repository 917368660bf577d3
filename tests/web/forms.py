"""Read a page's form the way a browser would submit it, so HTTP tests post exactly what a person would."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, object]] = []
        self._form: dict[str, object] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get"), "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind in ("submit", "file", "button"):
                return
            self._form["fields"].append((a["name"], a.get("value", "")))  # type: ignore[union-attr]
        elif self._form is not None and tag == "textarea":
            self._textarea = a.get("name", "")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            value = "".join(self._text)
            self._form["fields"].append((self._textarea, value[1:] if value.startswith("\n") else value))  # type: ignore[union-attr]
            self._textarea = None
        elif tag == "form":
            self._form = None


def form_data(html: str, contains: str = "") -> dict[str, str]:
    """The fields of the first form (or the first whose action contains a string) as a browser would post them."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if contains in str(form["action"]) or (not contains and form["method"] == "post"):
            if "sign-out" in str(form["action"]) and "sign-out" not in contains:
                continue
            return dict(form["fields"])  # type: ignore[arg-type]
    raise AssertionError(f"no form matching {contains!r}")


def csrf_token(html: str) -> str:
    """The CSRF token on a page."""
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def errors(html: str) -> list[str]:
    """The messages in a page's GOV.UK error summary."""
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if not block:
        return []
    items = re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", item).strip()) for item in items]


def date_fields(prefix: str, day: object) -> dict[str, str]:
    """A GOV.UK date input's three fields for a date, as a person types them."""
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month),  # type: ignore[attr-defined]
            f"{prefix}-year": str(day.year)}  # type: ignore[attr-defined]
