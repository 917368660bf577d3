"""Accounts: passwords (argon2), server-side sign-in sessions, and single-use signed links."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from survey.db import use_case
from survey.models import AuditEvent, Person, RoleAssignment, SignInSession, as_utc, utcnow
from survey.services import mail, sso_policy
from survey.services.access import Principal, principal_from_roles

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps both paths equally slow (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")

MIN_PASSWORD = 12  # OWASP ASVS 5.0 6.2.1
MAX_PASSWORD = 128
INVITATION_DAYS = 14
RESET_HOURS = 2


class AccountError(Exception):
    """A problem a person can act on; the message says what to do."""


def digest(token: str) -> str:
    """The SHA-256 of a token: only digests are stored, so a database leak yields no usable session or link."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Emails are matched case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def find_person(session: Session, email: str) -> Person | None:
    """The active or inactive person with this email, if any."""
    return session.scalar(select(Person).where(func.lower(Person.email) == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> Person | None:
    """The person if the email and password match an active account, else None."""
    person = find_person(session, email)
    stored = person.password_hash if person is not None and person.active and person.password_hash else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None or person is None:
        return None
    if _hasher.check_needs_rehash(stored):
        person.password_hash = _hasher.hash(password)
    return person


def check_password_rules(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Password must be {MIN_PASSWORD} characters or more"
    if len(password) > MAX_PASSWORD:
        return f"Password must be {MAX_PASSWORD} characters or fewer"
    if email and normalise_email(email) in password.lower():
        return "Password must not contain your email address"
    if len(set(password)) < 4:
        return "Password is too easy to guess: use a few unrelated words"
    parts = sorted({part for part in re.split(r"[@.+_-]", email.lower()) if len(part) >= 3}, key=len, reverse=True)
    rest = password.lower()
    for part in parts:
        rest = rest.replace(part, "")
    if rest != password.lower() and len(re.sub(r"[^a-z]", "", rest)) < 4:
        return "Password must not be made from your email address"
    # Common and leaked passwords, keyboard runs, dates and names (zxcvbn's lists and patterns); 3 of 4 is
    # "safely unguessable" in its terms. The parts of the person's email address count as guesses too.
    verdict = zxcvbn(password, user_inputs=parts)
    if verdict["score"] < 3:
        why = verdict["feedback"]["warning"] or "It would be easy to guess."
        return f"Password is too easy to guess. {why.rstrip('.')}. Use three or four unrelated words"
    return None


class SsoRequired(AccountError):
    """The password was right, but this person signs in through their organisation (single sign-on)."""


@use_case
def sign_in(session: Session, email: str, password: str,
            sso_domains: frozenset[str] = frozenset()) -> tuple[Person, str | None] | None:
    """Check the email and password; on a match, the person and the token of a new sign-in session, or no token
    (and no session yet) where the person has a second factor: `second_factor.complete_sign_in` starts it.
    Someone who must use single sign-on (`sso_policy.must_use_sso`) gets SsoRequired instead, and only once the
    password is right, so the refusal tells a stranger nothing about who has an account."""
    person = authenticate(session, email, password)
    if person is None:
        return None
    if sso_policy.must_use_sso(session, person, sso_domains):
        raise SsoRequired("Your organisation signs you in to this service: use the single sign-on button below "
                          "instead of your password.")
    if person.totp_enabled_at is not None:
        return person, None
    return person, start_session(session, person)


@use_case
def set_password_from_link(session: Session, person: Person, password: str) -> None:
    """Set the password chosen from an invitation or reset link, and use the link up."""
    set_password(session, person, password)
    use_link_token(person)


def set_password(session: Session, person: Person, password: str) -> None:
    """Set a new password (rules checked) and end every other sign-in session of the person."""
    problem = check_password_rules(password, person.email)
    if problem:
        raise AccountError(problem)
    person.password_hash = _hasher.hash(password)
    end_open_sessions(session, person)
    session.add(AuditEvent(person_id=person.id, action="person.password_set", object_type="person",
                           object_id=str(person.id)))


# -- sessions ------------------------------------------------------------------------------------------------------
def end_open_sessions(session: Session, person: Person) -> None:
    """End every sign-in session of the person still open (their credentials changed or were taken away)."""
    for open_session in session.scalars(
        select(SignInSession).where(SignInSession.person_id == person.id, SignInSession.ended_at.is_(None))
    ):
        open_session.ended_at = utcnow()


def start_session(session: Session, person: Person, method: str = "password") -> str:
    """Record a new sign-in and return the random token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    session.add(SignInSession(token_hash=digest(token), person_id=person.id, method=method))
    person.last_sign_in_at = utcnow()
    return token


@dataclass(frozen=True, slots=True)
class SessionCheck:
    """The outcome of looking up a session token."""

    principal: Principal | None
    expired_person_id: int | None = None


# One query for the session, its person and their roles: this runs on every signed-in request.
_SESSION_WITH_ROLES = (
    select(SignInSession.id, SignInSession.person_id, SignInSession.created_at, SignInSession.last_seen_at,
           SignInSession.ended_at, SignInSession.method, Person.name, Person.email, Person.active,
           Person.totp_enabled_at,
           RoleAssignment.role, RoleAssignment.agency_id, RoleAssignment.partnership_id)
    .join(Person, Person.id == SignInSession.person_id)
    .outerjoin(RoleAssignment, and_(RoleAssignment.person_id == Person.id, RoleAssignment.active.is_(True)))
    .where(SignInSession.token_hash == bindparam("token_hash"))
)


def check_session(session: Session, token: str, idle: dt.timedelta, absolute: dt.timedelta) -> SessionCheck:
    """The person of a live session and their roles (touching the session), or who it belonged to if it timed out."""
    rows = session.execute(_SESSION_WITH_ROLES, {"token_hash": digest(token)}).all()
    if not rows or rows[0].ended_at is not None:
        return SessionCheck(None)
    first = rows[0]
    now = utcnow()
    last_seen = as_utc(first.last_seen_at)
    if now - last_seen > idle or now - as_utc(first.created_at) > absolute or not first.active:
        session.execute(update(SignInSession).where(SignInSession.id == first.id).values(ended_at=now))
        session.commit()
        return SessionCheck(None, first.person_id)
    if now - last_seen > dt.timedelta(seconds=60):
        # Touch at most once a minute, and only as a best effort: during a read-only request on SQLite the
        # upgrade to a write can lose to another writer, which must not turn a page view into an error.
        try:
            session.execute(update(SignInSession).where(SignInSession.id == first.id).values(last_seen_at=now))
            session.commit()
        except OperationalError:
            session.rollback()
    roles = [(row.role, row.agency_id, row.partnership_id) for row in rows if row.role is not None]
    # A provider's sign-in stands in for the second factor: the organisation's own multi-factor policy applies.
    return SessionCheck(principal_from_roles(first.person_id, first.name, first.email, roles,
                                             first.totp_enabled_at is not None or first.method != "password"))


@use_case
def end_session(session: Session, token: str) -> None:
    """End a session for good (sign-out)."""
    row = session.scalar(select(SignInSession).where(SignInSession.token_hash == digest(token)))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()



# -- single-use links ----------------------------------------------------------------------------------------------
def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"survey-{purpose}")


def issue_link_token(session: Session, person: Person, purpose: str, secret_key: str) -> str:
    """A signed token for an invitation or password reset.

    Every link a person was sent works until it expires or one of them is used: an invitation resent by a
    manager, or a second reset asked for, leaves the first email's link working as it promised. Using one
    (or changing the email address) ends them all."""
    if not person.token_nonce:
        person.token_nonce = secrets.token_hex(16)
    return _serializer(secret_key, purpose).dumps({"p": person.id, "n": person.token_nonce})


@use_case
def request_password_reset(session: Session, email: str, secret_key: str, settings: mail.SmtpSettings,
                           compose: Callable[[Person, str], mail.Outgoing]) -> mail.Batch:
    """Queue an email with a reset link (`compose(person, token)`) if the address has an active account.

    Always through the outbox, whatever the delivery setting: the request then does the same work, in the same
    time, whether or not the address has an account (sending within it would tell an attacker which do)."""
    person = find_person(session, email)
    if person is None or not person.active:
        return mail.Batch()
    token = issue_link_token(session, person, "reset", secret_key)
    return mail.send(session, dataclasses.replace(settings, outbox=True), [compose(person, token)])


def redeem_link_token(session: Session, token: str, purpose: str, secret_key: str) -> Person:
    """The person a valid, unexpired, unused token names; raises AccountError otherwise. Does not use it up."""
    max_age = INVITATION_DAYS * 86400 if purpose == "invite" else RESET_HOURS * 3600
    try:
        data = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise AccountError("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise AccountError("This link is not valid. Check you copied all of it, or ask for a new one.") from None
    person = session.get(Person, data.get("p")) if isinstance(data, dict) else None
    if person is None or not person.active or not data.get("n") or data.get("n") != person.token_nonce:
        raise AccountError("This link has already been used, or no longer applies. Ask for a new one.")
    return person


EMAIL_CHANGE_HOURS = 24


def issue_email_change_token(session: Session, person: Person, new_email: str, secret_key: str) -> str:
    """A signed, single-use token that changes the person's email to `new_email` (sent to that address)."""
    person.token_nonce = secrets.token_hex(16)
    return _serializer(secret_key, "email").dumps({"p": person.id, "n": person.token_nonce, "e": new_email})


def redeem_email_change_token(session: Session, token: str, secret_key: str) -> tuple[Person, str]:
    """The person and new address a valid email-change token names; raises AccountError otherwise."""
    try:
        data = _serializer(secret_key, "email").loads(token, max_age=EMAIL_CHANGE_HOURS * 3600)
    except SignatureExpired:
        raise AccountError("This link has expired. Ask for the change again from your account page.") from None
    except BadSignature:
        raise AccountError("This link is not valid. Check you copied all of it, or ask for a new one.") from None
    person = session.get(Person, data.get("p")) if isinstance(data, dict) else None
    if (person is None or not person.active or not data.get("n") or data.get("n") != person.token_nonce
            or not isinstance(data.get("e"), str)):
        raise AccountError("This link has already been used, or no longer applies. Ask for a new one.")
    return person, data["e"]


def use_link_token(person: Person) -> None:
    """Use up every link the person was sent (after the password is set)."""
    person.token_nonce = secrets.token_hex(16)
