"""Times as people in England read them: stored in UTC, shown in Europe/London (GMT or BST)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london(value: dt.datetime) -> dt.datetime:
    """The moment in Europe/London time (a naive value is taken as UTC, as the database keeps it)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(LONDON)
