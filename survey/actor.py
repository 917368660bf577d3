"""Who acts when no one is signed in: the command-line user and command, recorded with each audit event."""

from __future__ import annotations

import getpass
from contextvars import ContextVar

# Empty inside web requests: there the signed-in person is recorded instead.
current: ContextVar[str] = ContextVar("survey_actor", default="")


def command_line(command: str) -> str:
    """How the audit log names a command run by the operating-system user: "root ran survey round open 3"."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (some containers)
        user = "an unnamed user"
    return f"{user} ran {command}"[:200]
