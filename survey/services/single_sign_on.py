"""Signing in through an OpenID Connect provider: an identity the provider vouches for is matched to a person
already invited, by verified email address alone (and, for Microsoft Entra ID, only from an allowed tenant).
Nobody gets an account by signing in: a stranger is told to ask their board manager."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import AuditEvent, Person, RoleAssignment
from survey.services import sso_policy
from survey.services.accounts import find_person, normalise_email, start_session
from survey.sso_providers import Provider


@dataclass(frozen=True, slots=True)
class Identity:
    """What the provider's ID token says about the person."""

    email: str
    email_verified: bool
    tenant: str | None
    subject: str


def identity_from(provider: Provider, claims: Mapping[str, Any]) -> Identity:
    """The identity in a checked ID token. An address counts as verified only where the provider says so:
    `email_verified`, or for Entra ID the `xms_edov` claim (the tenant owns the address's domain)."""
    verified = claims.get("email_verified") is True
    if provider.kind == "entra":
        verified = verified or claims.get("xms_edov") in (True, "1", "true")
    tenant = claims.get("tid")
    return Identity(email=normalise_email(str(claims.get("email") or ""))[:254], email_verified=verified,
                    tenant=str(tenant).lower() if tenant else None, subject=str(claims.get("sub", "")))


@dataclass(frozen=True, slots=True)
class Outcome:
    """A sign-in: the person and their new session's token, or the refusal to show them."""

    person: Person | None = None
    token: str = ""
    refusal: str = ""


def _refuse(session: Session, provider: Provider, identity: Identity, reason: str, message: str,
            person: Person | None = None) -> Outcome:
    session.add(AuditEvent(person_id=person.id if person else None, action="person.sso_refused",
                           object_type="person", object_id=str(person.id) if person else "",
                           new={"provider": provider.name, "reason": reason, "email": identity.email,
                                "tenant": identity.tenant or ""}))
    return Outcome(refusal=message)


@use_case
def sign_in(session: Session, provider: Provider, claims: Mapping[str, Any]) -> Outcome:
    """The invited person a checked ID token vouches for, signed in; or the refusal, kept in the audit log."""
    identity = identity_from(provider, claims)
    ask = "Ask your board manager to invite you with the email address your organisation gives you."
    if not identity.email:
        return _refuse(session, provider, identity, "no email",
                       f"{provider.label} did not tell us your email address, so we cannot tell who you are. {ask}")
    if not identity.email_verified:
        return _refuse(session, provider, identity, "email not verified",
                       f"{provider.label} has not verified the email address {identity.email}, so it cannot sign "
                       "you in here. Sign in with your password, or ask your organisation's IT team.")
    # The same lookup as password sign-in, so both match an address the same way whatever its letter case.
    person = find_person(session, identity.email)
    invited = person is not None and person.active and person.erased_at is None and session.scalar(
        select(RoleAssignment.id).where(RoleAssignment.person_id == person.id, RoleAssignment.active.is_(True))
        .limit(1)) is not None
    if person is None or not invited:
        return _refuse(session, provider, identity, "not invited",
                       f"There is no account for {identity.email} in this service. {ask}", person)
    if provider.kind == "entra":
        allowed = provider.tenants | sso_policy.tenants_for(session, person)
        if identity.tenant is None or identity.tenant not in allowed:
            return _refuse(session, provider, identity, "tenant not allowed",
                           "Your organisation's Microsoft account is not one this partnership accepts yet. Ask "
                           "your board manager to have your organisation added, or sign in with your password.",
                           person)
    session.add(AuditEvent(person_id=person.id, action="person.signed_in_sso", object_type="person",
                           object_id=str(person.id), new={"provider": provider.name, "tenant": identity.tenant or ""}))
    return Outcome(person, start_session(session, person, method=f"sso:{provider.name}"))
