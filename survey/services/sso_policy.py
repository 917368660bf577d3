"""Who must sign in through single sign-on, and which Microsoft Entra tenants may vouch for whom."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import AuditEvent, Partnership, Person, RoleAssignment
from survey.sso_providers import TENANT


def email_domain(email: str) -> str:
    """The part of an address after the @, in lower case."""
    return email.rpartition("@")[2].lower()


def _partnerships_of(session: Session, person: Person) -> list[Partnership]:
    return list(session.scalars(
        select(Partnership).join(RoleAssignment, RoleAssignment.partnership_id == Partnership.id)
        .where(RoleAssignment.person_id == person.id, RoleAssignment.active.is_(True)).distinct()))


def must_use_sso(session: Session, person: Person, required_domains: frozenset[str]) -> bool:
    """Whether password sign-in is refused: the person's email domain is one a provider is required for, or a
    partnership they hold a role in requires single sign-on."""
    if email_domain(person.email) in required_domains:
        return True
    return any(p.sso_required for p in _partnerships_of(session, person))


def tenants_for(session: Session, person: Person) -> frozenset[str]:
    """The Entra tenants allowed to vouch for the person: those of every partnership they hold a role in."""
    return frozenset(t for p in _partnerships_of(session, person) for t in parse_tenants(p.sso_tenants))


def parse_tenants(text: str) -> list[str]:
    """Tenant ids from text, one per line (or separated by commas or spaces), in lower case."""
    return [t.lower() for t in text.replace(",", " ").split()]


class SsoSettingsError(ValueError):
    """Settings that cannot be saved; the message says what to change, `field` which setting."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@use_case
def set_partnership_sso(session: Session, partnership: Partnership, tenants_text: str, required: bool,
                        providers_configured: bool, by_person_id: int | None) -> None:
    """Save which Entra tenants may vouch for the partnership's people and whether they must use single sign-on
    (audited). Requiring it is refused while no provider is configured: nobody could sign in at all."""
    tenants = sorted(set(parse_tenants(tenants_text)))
    bad = [t for t in tenants if not TENANT.fullmatch(t)]
    if bad:
        raise SsoSettingsError(f"{bad[0][:60]!r} is not a tenant id: each is a GUID like "
                               "72f988bf-86f1-41af-91ab-2d7cd011db47", "tenants")
    if required and not providers_configured:
        raise SsoSettingsError("Single sign-on cannot be required yet: no provider is set up for this service "
                               "(see the administrator's guide)", "required")
    old = {"tenants": parse_tenants(partnership.sso_tenants), "required": partnership.sso_required}
    partnership.sso_tenants, partnership.sso_required = "\n".join(tenants), required
    session.add(AuditEvent(person_id=by_person_id, action="partnership.sso_changed", object_type="partnership",
                           object_id=str(partnership.id), old=old, new={"tenants": tenants, "required": required}))
