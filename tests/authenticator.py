"""An authenticator app for the tests: the codes a demo board account's app shows (their secrets are derived
from their addresses, as `survey demo-code` prints them)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

from survey.services.demo import demo_secret
from survey.services.second_factor import STEP_SECONDS, code_at


def codes_for(email: str, secret: str | None = None) -> Iterator[str]:
    """Codes the app would show now and in the next step (each is accepted once), then, if the test has used
    those up, the codes of later steps as they come round."""
    secret = secret or demo_secret(email)
    step = int(time.time()) // STEP_SECONDS
    while True:
        while step > int(time.time()) // STEP_SECONDS + 1:
            time.sleep(0.5)  # the server accepts at most one step ahead
        yield code_at(secret, dt.datetime.fromtimestamp(step * STEP_SECONDS, dt.UTC))
        step += 1


def is_board_account(email: str) -> bool:
    """The demo's accounts with a second factor."""
    return email.split("@")[0] in ("manager", "chair", "admin") and email.endswith("@demo.example")


def give_second_factor(person: object) -> None:
    """Set a person up with an authenticator app whose codes `codes_for(their email)` gives (as the demo's board
    accounts are), so that a test can sign them in without the set-up pages."""
    from survey.models import Person, utcnow

    assert isinstance(person, Person)
    person.totp_secret = demo_secret(person.email)
    person.totp_enabled_at = utcnow()
