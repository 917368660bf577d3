"""The second factor for password sign-in: a time-based code from an authenticator app (RFC 6238: six digits,
a new one every 30 seconds), or one of ten single-use recovery codes for when the app is lost.

A code is accepted for the current 30-second step or the one either side (clocks drift), and never twice: each
person keeps the newest step a code was accepted for, and only later steps count. Recovery codes are kept only
as hashes and each works once. Setting up, using a recovery code and an administrator's reset are audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import AuditEvent, Person, RecoveryCode, as_utc, utcnow
from survey.services import accounts
from survey.services.accounts import start_session

STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code from the step before or after is accepted too
RECOVERY_CODES = 10
CODE_DIGITS = 6


class SecondFactorError(Exception):
    """A code that cannot be accepted; the message says why, in words for the person."""


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A new authenticator secret to show (as a QR code and as text) until its first code is confirmed."""

    secret: str
    uri: str  # otpauth://totp/... : what the QR code holds

    @property
    def grouped(self) -> str:
        """The secret in groups of four, easier to type into an app by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def new_enrolment(email: str, issuer: str, secret: str | None = None) -> Enrolment:
    """A fresh secret (160 random bits) and the otpauth URI an authenticator app reads from its QR code."""
    secret = secret or pyotp.random_base32(32)
    totp = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS)
    return Enrolment(secret, totp.provisioning_uri(name=email, issuer_name=issuer))


def _step(moment: dt.datetime) -> int:
    return int(as_utc(moment).timestamp()) // STEP_SECONDS


def code_at(secret: str, moment: dt.datetime) -> str:
    """The code an authenticator app shows at a moment (what tests and the demo's `survey demo code` use)."""
    return str(pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS).at(as_utc(moment)))


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The step, within the drift allowed, whose code this is."""
    totp = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS)
    current = _step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(str(totp.generate_otp(step)), code):
            return step
    return None


def _digits(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_digits(code).lower().encode()).hexdigest()


def _new_recovery_codes(session: Session, person: Person) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(person_id=person.id, code_hash=_recovery_hash(c)) for c in codes)
    return codes


def _audit(session: Session, person: Person, action: str, by: int | None) -> None:
    session.add(AuditEvent(person_id=by, action=action, object_type="person", object_id=str(person.id)))


@use_case
def enable(session: Session, person: Person, secret: str, code: str, now: dt.datetime | None = None) -> list[str]:
    """Turn the second factor on with the secret shown, once the app's first code matches; the ten recovery
    codes to show once (only their hashes are kept)."""
    now = now or utcnow()
    code = _digits(code)
    if not (code.isdigit() and len(code) == CODE_DIGITS):
        raise SecondFactorError(f"Enter the {CODE_DIGITS}-digit code your authenticator app shows")
    step = _matching_step(secret, code, now)
    if step is None:
        raise SecondFactorError("That code does not match: check the app shows this service, and try the newest "
                                "code")
    person.totp_secret, person.totp_enabled_at, person.totp_last_step = secret, now, step
    _audit(session, person, "person.second_factor_set_up", person.id)
    return _new_recovery_codes(session, person)


@use_case
def check_code(session: Session, person: Person, code: str, now: dt.datetime | None = None) -> str:
    """Accept a code from the app (each only once) or an unused recovery code: "app" or "recovery code", else
    SecondFactorError."""
    now = now or utcnow()
    entered = _digits(code)
    if person.totp_secret is None or person.totp_enabled_at is None:
        raise SecondFactorError("There is no second factor to check")
    if entered.isdigit() and len(entered) == CODE_DIGITS:
        step = _matching_step(person.totp_secret, entered, now)
        if step is None:
            raise SecondFactorError("That code is not right: enter the newest code your app shows")
        if person.totp_last_step is not None and step <= person.totp_last_step:
            raise SecondFactorError("That code has been used already: wait for the next one")
        person.totp_last_step = step
        return "app"
    found = session.scalar(select(RecoveryCode).where(RecoveryCode.person_id == person.id,
                                                      RecoveryCode.code_hash == _recovery_hash(entered))
                           .with_for_update())
    if found is None or found.used_at is not None:
        raise SecondFactorError("That recovery code is not right, or has been used already")
    found.used_at = now
    _audit(session, person, "person.recovery_code_used", person.id)
    return "recovery code"


@use_case
def complete_sign_in(session: Session, person_id: int, code: str) -> tuple[Person, str, str]:
    """The second step of a password sign-in: check the code and start the session; the person, the session's
    token and which kind of code it was."""
    person = session.get(Person, person_id, with_for_update=True)
    if person is None or not person.active or person.password_hash is None:
        raise SecondFactorError("Sign in again")
    used = check_code(session, person, code)
    return person, start_session(session, person), used


def recovery_codes_left(session: Session, person_id: int) -> int:
    """How many of the person's recovery codes are unused."""
    return int(session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.person_id == person_id, RecoveryCode.used_at.is_(None))) or 0)


@use_case
def new_recovery_codes(session: Session, person: Person) -> list[str]:
    """Ten fresh recovery codes, replacing the old ones (used or not)."""
    if person.totp_enabled_at is None:
        raise SecondFactorError("Set up an authenticator app first")
    _audit(session, person, "person.recovery_codes_renewed", person.id)
    return _new_recovery_codes(session, person)


@use_case
def reset(session: Session, person: Person, by_person_id: int | None) -> None:
    """An administrator takes the second factor away (a lost phone and no recovery codes): the person sets up a
    new one at their next sign-in. Every open session of theirs ends."""
    person.totp_secret = person.totp_enabled_at = person.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    accounts.end_open_sessions(session, person)
    _audit(session, person, "person.second_factor_reset", by_person_id)
