"""A partnership's agencies and their people, one at a time: add, change, deactivate.

Nothing a round refers to is ever deleted: an agency is deactivated (it is no longer offered for new rounds and keeps
its returns), a person is deactivated (cannot sign in, keeps their name on what they wrote) or loses a role.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.models import Agency, AuditEvent, PartnershipAgency, Person, Return, Role, RoleAssignment, Round, RoundState
from survey.services.directory import EMAIL
from survey.text import clean_text

AGENCY_ROLES = (Role.LEAD, Role.CONTRIBUTOR)


class DirectoryError(Exception):
    """A change that cannot be made; the message says why and what to do."""

    def __init__(self, message: str, field: str = "") -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class AgencyRow:
    """One line of the agencies list."""

    agency: Agency
    people: int
    leads: int


@dataclass(frozen=True, slots=True)
class Member:
    """A person's place in an agency: lead or contributor."""

    person: Person
    role: Role


def role_named(text: str) -> Role:
    """The agency role a form names ("lead" or "contributor"), or DirectoryError."""
    found = {"lead": Role.LEAD, "contributor": Role.CONTRIBUTOR}.get(text.strip().lower())
    if found is None:
        raise DirectoryError("Choose lead or contributor", "role")
    return found


def agencies_of(session: Session, partnership_ids: frozenset[int]) -> list[AgencyRow]:
    """The agencies of the given partnerships with how many people and leads each has."""
    agencies = session.scalars(select(Agency).join(PartnershipAgency).where(
        PartnershipAgency.partnership_id.in_(partnership_ids)).distinct().order_by(Agency.active.desc(),
                                                                                     Agency.name)).all()
    counts = dict(session.execute(
        select(RoleAssignment.agency_id, func.count(func.distinct(RoleAssignment.person_id)))
        .where(RoleAssignment.agency_id.in_([a.id for a in agencies])).group_by(RoleAssignment.agency_id)).all())
    leads = dict(session.execute(
        select(RoleAssignment.agency_id, func.count()).where(
            RoleAssignment.agency_id.in_([a.id for a in agencies]), RoleAssignment.role == Role.LEAD)
        .group_by(RoleAssignment.agency_id)).all())
    return [AgencyRow(a, int(counts.get(a.id, 0)), int(leads.get(a.id, 0))) for a in agencies]


def agency_in(session: Session, agency_id: int, partnership_ids: frozenset[int]) -> Agency | None:
    """The agency if it belongs to one of the partnerships, else None (a manager sees only their own)."""
    return session.scalar(select(Agency).join(PartnershipAgency).where(
        Agency.id == agency_id, PartnershipAgency.partnership_id.in_(partnership_ids)).limit(1))


def members(session: Session, agency: Agency) -> list[Member]:
    """The people of an agency, each once, with their highest role (lead before contributor)."""
    rows = session.execute(select(Person, RoleAssignment.role).join(RoleAssignment).where(
        RoleAssignment.agency_id == agency.id).order_by(Person.name, Person.id)).all()
    best: dict[int, Member] = {}
    for person, role in rows:
        if person.id not in best or role is Role.LEAD:
            best[person.id] = Member(person, role)
    return sorted(best.values(), key=lambda m: (not m.person.active, m.role is not Role.LEAD, m.person.name.lower()))


def clean_name(name: str, what: str) -> str:
    """A name with its spaces tidied, or DirectoryError if it is empty or too long."""
    name = " ".join(clean_text(name).split())
    if not name:
        raise DirectoryError(f"Enter the {what}", "name")
    if len(name) > 200:
        raise DirectoryError(f"The {what} must be 200 characters or fewer", "name")
    return name


def _clean_kind(kind: str) -> str:
    kind = " ".join(clean_text(kind).split())
    if not kind:
        raise DirectoryError("Enter the type of agency, for example Police or NHS trust", "kind")
    if len(kind) > 60:
        raise DirectoryError("The type must be 60 characters or fewer", "kind")
    return kind


def audit(session: Session, by: int | None, action: str, object_type: str, object_id: int,
          old: dict[str, object] | None = None, new: dict[str, object] | None = None) -> None:
    """Record a change to the directory in the audit log."""
    session.add(AuditEvent(person_id=by, action=action, object_type=object_type, object_id=str(object_id),
                           old=old, new=new))


def create_agency(session: Session, partnership_id: int, name: str, kind: str, by: int | None = None) -> Agency:
    """Add an agency to a partnership; an agency already known to another partnership joins this one too."""
    name, kind = clean_name(name, "agency's name"), _clean_kind(kind)
    agency = session.scalar(select(Agency).where(func.lower(Agency.name) == name.lower()))
    if agency is not None:
        member = session.scalar(select(PartnershipAgency).where(
            PartnershipAgency.agency_id == agency.id, PartnershipAgency.partnership_id == partnership_id))
        if member is not None:
            raise DirectoryError(f"There is already an agency called {agency.name}", "name")
    else:
        agency = Agency(name=name, kind=kind)
        session.add(agency)
        session.flush()
    session.add(PartnershipAgency(partnership_id=partnership_id, agency_id=agency.id))
    audit(session, by, "agency.created", "agency", agency.id, new={"name": agency.name, "type": agency.kind})
    session.commit()
    return agency


def update_agency(session: Session, agency: Agency, name: str, kind: str, by: int | None = None) -> None:
    """Rename an agency or change its type."""
    name, kind = clean_name(name, "agency's name"), _clean_kind(kind)
    clash = session.scalar(select(Agency).where(func.lower(Agency.name) == name.lower(), Agency.id != agency.id))
    if clash is not None:
        raise DirectoryError(f"There is already an agency called {clash.name}", "name")
    old = {"name": agency.name, "type": agency.kind}
    agency.name, agency.kind = name, kind
    audit(session, by, "agency.changed", "agency", agency.id, old, {"name": name, "type": kind})
    session.commit()


def set_agency_active(session: Session, agency: Agency, active: bool, by: int | None = None) -> None:
    """Deactivate an agency (not offered for new rounds; its returns stay) or bring it back."""
    if agency.active == active:
        return
    agency.active = active
    audit(session, by, "agency.reactivated" if active else "agency.deactivated", "agency", agency.id)
    session.commit()


def clean_email(email: str) -> str:
    """An email address in lower case, or DirectoryError if it is missing or malformed."""
    email = email.strip().lower()
    if not email:
        raise DirectoryError("Enter an email address", "email")
    if len(email) > 254 or not EMAIL.match(email):
        raise DirectoryError("Enter an email address in the correct format, like name@example.org", "email")
    return email


def _set_role(session: Session, person: Person, agency: Agency, role: Role) -> None:
    # A lead also contributes; a contributor holds only that role.
    wanted = {Role.LEAD, Role.CONTRIBUTOR} if role is Role.LEAD else {Role.CONTRIBUTOR}
    held = {r.role: r for r in person.roles if r.agency_id == agency.id}
    for extra in set(held) - wanted:
        person.roles.remove(held[extra])
    for missing in wanted - set(held):
        person.roles.append(RoleAssignment(role=missing, agency_id=agency.id))


def add_person(session: Session, agency: Agency, name: str, email: str, role: Role,
               by: int | None = None) -> Person:
    """Give someone a role in an agency, creating their account if the email is new."""
    if role not in AGENCY_ROLES:
        raise DirectoryError("Choose lead or contributor", "role")
    name, email = clean_name(name, "person's name"), clean_email(email)
    person = session.scalar(select(Person).where(func.lower(Person.email) == email))
    if person is None:
        person = Person(name=name, email=email)
        session.add(person)
    elif any(r.agency_id == agency.id for r in person.roles):
        raise DirectoryError(f"{person.name} ({email}) is already in {agency.name}; change their role instead",
                             "email")
    _set_role(session, person, agency, role)
    session.flush()
    audit(session, by, "person.added", "person", person.id,
           new={"agency": agency.name, "role": role.value, "name": person.name})
    session.commit()
    return person


def change_person(session: Session, person: Person, agency: Agency, name: str, email: str, role: Role,
                  by: int | None = None) -> None:
    """Correct a person's name or email, or change their role in an agency."""
    if role not in AGENCY_ROLES:
        raise DirectoryError("Choose lead or contributor", "role")
    name, email = clean_name(name, "person's name"), clean_email(email)
    clash = session.scalar(select(Person).where(func.lower(Person.email) == email, Person.id != person.id))
    if clash is not None:
        raise DirectoryError(f"{email} is already the email address of someone else", "email")
    old = {"name": person.name, "email": person.email}
    person.name, person.email = name, email
    _set_role(session, person, agency, role)
    audit(session, by, "person.changed", "person", person.id, old,
           {"name": name, "email": email, "agency": agency.name, "role": role.value})
    session.commit()


def remove_from_agency(session: Session, person: Person, agency: Agency, by: int | None = None) -> None:
    """Take away a person's roles in an agency; their account and what they wrote stay."""
    session.execute(delete(RoleAssignment).where(RoleAssignment.person_id == person.id,
                                                 RoleAssignment.agency_id == agency.id))
    session.expire(person, ["roles"])
    audit(session, by, "person.removed", "person", person.id, old={"agency": agency.name})
    session.commit()


def set_person_active(session: Session, person: Person, active: bool, by: int | None = None) -> None:
    """Deactivate an account (they cannot sign in; signed-in sessions end) or bring it back."""
    if person.active == active:
        return
    person.active = active
    audit(session, by, "person.reactivated" if active else "person.deactivated", "person", person.id)
    session.commit()


def open_rounds_for(session: Session, agency: Agency) -> list[Round]:
    """Open rounds the agency takes part in (a new person is invited to them)."""
    return list(session.scalars(select(Round).join(Return).where(
        Return.agency_id == agency.id, Round.state == RoundState.OPEN).order_by(Round.deadline)))


__all__ = ["AGENCY_ROLES", "AgencyRow", "DirectoryError", "Member", "add_person", "agencies_of", "agency_in",
           "change_person", "create_agency", "members", "open_rounds_for", "remove_from_agency", "role_named",
           "set_agency_active", "set_person_active", "update_agency"]
