"""A partnership's agencies and their people, one at a time: add, change, deactivate.

Nothing a round refers to is ever deleted: an agency is deactivated (it is no longer offered for new rounds and keeps
its returns), a person is deactivated (cannot sign in, keeps their name on what they wrote) or loses a role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import Agency, PartnershipAgency, Person, Return, Role, RoleAssignment, Round, RoundState
from survey.services.directory_audit import record as audit
from survey.text import clean_text, email_address

AGENCY_ROLES = (Role.LEAD, Role.CONTRIBUTOR)


class DirectoryError(Exception):
    """A change that cannot be made; the message says why and what to do."""

    def __init__(self, message: str, field: str = "") -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class AgencyRow:
    """One line of the agencies list: counts are of the manager's own partnerships' memberships."""

    agency: Agency
    people: int
    leads: int
    active: bool


@dataclass(frozen=True, slots=True)
class Member:
    """A person's membership of an agency for one partnership: lead or contributor, active or deactivated."""

    person: Person
    role: Role
    partnership_id: int
    active: bool


def role_named(text: str) -> Role:
    """The agency role a form names ("lead" or "contributor"), or DirectoryError."""
    found = {"lead": Role.LEAD, "contributor": Role.CONTRIBUTOR}.get(text.strip().lower())
    if found is None:
        raise DirectoryError("Choose lead or contributor", "role")
    return found


def _in(partnership_ids: frozenset[int]) -> list[int]:
    return sorted(partnership_ids)


def agencies_of(session: Session, partnership_ids: frozenset[int]) -> list[AgencyRow]:
    """The agencies of the given partnerships with how many people and leads each has for those partnerships."""
    links = session.execute(select(Agency, PartnershipAgency.active).join(PartnershipAgency).where(
        PartnershipAgency.partnership_id.in_(_in(partnership_ids)))).all()
    active: dict[int, bool] = {}
    found: dict[int, Agency] = {}
    for agency, is_active in links:
        found[agency.id] = agency
        active[agency.id] = active.get(agency.id, False) or is_active
    mine = (RoleAssignment.agency_id.in_(list(found)), RoleAssignment.partnership_id.in_(_in(partnership_ids)),
            RoleAssignment.active.is_(True))
    counts = dict(session.execute(
        select(RoleAssignment.agency_id, func.count(func.distinct(RoleAssignment.person_id)))
        .where(*mine).group_by(RoleAssignment.agency_id)).all())
    leads = dict(session.execute(
        select(RoleAssignment.agency_id, func.count(func.distinct(RoleAssignment.person_id)))
        .where(*mine, RoleAssignment.role == Role.LEAD).group_by(RoleAssignment.agency_id)).all())
    rows = [AgencyRow(a, int(counts.get(a.id, 0)), int(leads.get(a.id, 0)), active[a.id]) for a in found.values()]
    return sorted(rows, key=lambda r: (not r.active, r.agency.name.lower()))


def agencies_by_name(session: Session, partnership_id: int) -> dict[str, tuple[Agency, bool]]:
    """A partnership's agencies by name, each with whether it still takes part (active)."""
    return {agency.name: (agency, active) for agency, active in session.execute(
        select(Agency, PartnershipAgency.active).join(PartnershipAgency)
        .where(PartnershipAgency.partnership_id == partnership_id))}


def agency_in(session: Session, agency_id: int, partnership_ids: frozenset[int]) -> Agency | None:
    """The agency if it belongs to one of the partnerships, else None (a manager sees only their own)."""
    return session.scalar(select(Agency).join(PartnershipAgency).where(
        Agency.id == agency_id, PartnershipAgency.partnership_id.in_(_in(partnership_ids))).limit(1))


def agency_links(session: Session, agency: Agency, partnership_ids: frozenset[int]) -> list[PartnershipAgency]:
    """The agency's memberships of these partnerships (one, for a manager of one board), by partnership id."""
    return list(session.scalars(select(PartnershipAgency).where(
        PartnershipAgency.agency_id == agency.id, PartnershipAgency.partnership_id.in_(_in(partnership_ids)))
        .order_by(PartnershipAgency.partnership_id)))


def serves_others(session: Session, agency: Agency, partnership_ids: frozenset[int]) -> bool:
    """Whether the agency also serves a partnership outside these (which must not be told who)."""
    return session.scalar(select(func.count()).select_from(PartnershipAgency).where(
        PartnershipAgency.agency_id == agency.id,
        PartnershipAgency.partnership_id.not_in(_in(partnership_ids)))) != 0


def members(session: Session, agency: Agency, partnership_ids: frozenset[int]) -> list[Member]:
    """The agency's memberships for these partnerships, each person once a partnership, lead before contributor."""
    rows = session.execute(select(Person, RoleAssignment.role, RoleAssignment.partnership_id, RoleAssignment.active)
                           .join(RoleAssignment).where(RoleAssignment.agency_id == agency.id,
                                                       RoleAssignment.partnership_id.in_(_in(partnership_ids)))
                           .order_by(Person.name, Person.id)).all()
    best: dict[tuple[int, int], Member] = {}
    for person, role, partnership_id, active in rows:
        if partnership_id is None:
            continue  # not a membership: the query asks only for these partnerships'
        key = (person.id, partnership_id)
        if key not in best or role is Role.LEAD:
            best[key] = Member(person, role, partnership_id, active and person.active)
    return sorted(best.values(), key=lambda m: (not m.active, m.role is not Role.LEAD, m.person.name.lower()))


def membership_of(session: Session, agency: Agency, person_id: int, partnership_ids: frozenset[int]) -> Member | None:
    """One person's membership of the agency for one of these partnerships, or None."""
    return next((m for m in members(session, agency, partnership_ids) if m.person.id == person_id), None)


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


@use_case
def create_agency(session: Session, partnership_id: int, name: str, kind: str, by: int | None = None) -> Agency:
    """Add an agency to a partnership; an agency already serving another partnership (the same organisation)
    joins this one too, with memberships, rounds and deactivation of this partnership's own."""
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
    audit(session, by, "agency.created", "agency", agency.id,
          new={"name": agency.name, "type": agency.kind, "partnership_id": partnership_id},
          partnerships=[partnership_id])
    return agency


def clean_short_names(text: str) -> str:
    """Short names and abbreviations as entered (commas or new lines between them), checked and tidied."""
    names = [" ".join(n.split()) for n in text.replace("\n", ",").split(",")]
    names = list(dict.fromkeys(n for n in names if n))
    if len(names) > 20:
        raise DirectoryError("Give at most 20 short names", "short_names")
    for n in names:
        if not 2 <= len(n) <= 60:
            raise DirectoryError(f"“{n[:60]}” must be 2 to 60 characters long", "short_names")
    return ", ".join(names)


@use_case
def update_agency(session: Session, agency: Agency, name: str, kind: str, partnership_ids: frozenset[int],
                  by: int | None = None, short_names: str | None = None) -> None:
    """Rename an agency or change its type: only the administrator may, once it also serves another partnership.

    Its short names (removed from commentary like its name) any manager it serves may change."""
    name, kind = clean_name(name, "agency's name"), _clean_kind(kind)
    mine = [link.partnership_id for link in agency_links(session, agency, partnership_ids)]
    if short_names is not None:
        cleaned = clean_short_names(short_names)
        if cleaned != agency.short_names:
            audit(session, by, "agency.short_names_changed", "agency", agency.id, {"short_names": agency.short_names},
                  {"short_names": cleaned}, partnerships=mine)
            agency.short_names = cleaned
    if (name, kind) != (agency.name, agency.kind) and serves_others(session, agency, partnership_ids):
        raise DirectoryError(f"{agency.name} also works with another partnership, so its name and type are shared: "
                             "ask the administrator to change them", "name")
    clash = session.scalar(select(Agency).where(func.lower(Agency.name) == name.lower(), Agency.id != agency.id))
    if clash is not None:
        raise DirectoryError(f"There is already an agency called {clash.name}", "name")
    old = {"name": agency.name, "type": agency.kind}
    agency.name, agency.kind = name, kind
    audit(session, by, "agency.changed", "agency", agency.id, old, {"name": name, "type": kind}, partnerships=mine)


@use_case
def set_agency_active(session: Session, agency: Agency, partnership_ids: frozenset[int], active: bool,
                      by: int | None = None) -> None:
    """Deactivate an agency for these partnerships (not offered for their new rounds; returns stay) or bring it
    back; other partnerships the agency serves are not touched."""
    changed = [link for link in agency_links(session, agency, partnership_ids) if link.active != active]
    for link in changed:
        link.active = active
        audit(session, by, "agency.reactivated" if active else "agency.deactivated", "agency", agency.id,
              new={"partnership_id": link.partnership_id}, partnerships=[link.partnership_id])


def clean_email(email: str) -> str:
    """An email address in lower case, or DirectoryError if it is missing or malformed."""
    email = email.strip().lower()
    if not email:
        raise DirectoryError("Enter an email address", "email")
    if email_address(email) is None:
        raise DirectoryError("Enter an email address in the correct format, like name@example.org", "email")
    return email


def _set_role(person: Person, agency: Agency, partnership_id: int, role: Role) -> None:
    # A lead also contributes; a contributor holds only that role. Only this partnership's membership changes.
    wanted = {Role.LEAD, Role.CONTRIBUTOR} if role is Role.LEAD else {Role.CONTRIBUTOR}
    held = {r.role: r for r in person.roles if r.agency_id == agency.id and r.partnership_id == partnership_id}
    for extra in set(held) - wanted:
        person.roles.remove(held[extra])
    for missing in wanted - set(held):
        person.roles.append(RoleAssignment(role=missing, agency_id=agency.id, partnership_id=partnership_id))


@dataclass(frozen=True, slots=True)
class Added:
    """Who was added, and whether the email already had an account (which keeps its own name)."""

    person: Person
    existing_account: bool


@use_case
def add_person(session: Session, agency: Agency, partnership_id: int, name: str, email: str, role: Role,
               by: int | None = None) -> Added:
    """Give someone a membership of the agency for one partnership, creating their account if the email is new.

    An existing account is only given the membership: its name, email and password stay the person's own."""
    if role not in AGENCY_ROLES:
        raise DirectoryError("Choose lead or contributor", "role")
    name, email = clean_name(name, "person's name"), clean_email(email)
    person = session.scalar(select(Person).where(func.lower(Person.email) == email))
    existing = person is not None
    if person is None:
        person = Person(name=name, email=email)
        session.add(person)
    elif any(r.agency_id == agency.id and r.partnership_id == partnership_id for r in person.roles):
        raise DirectoryError(f"{person.name} ({email}) is already in {agency.name}; change their role instead",
                             "email")
    _set_role(person, agency, partnership_id, role)
    session.flush()
    audit(session, by, "membership.added", "person", person.id,
          new={"agency": agency.name, "partnership_id": partnership_id, "role": role.value},
          partnerships=[partnership_id])
    return Added(person, existing)


def manager_may_edit_account(person: Person, partnership_ids: frozenset[int]) -> bool:
    """Whether a manager of these partnerships may correct the person's name or email: only for an account never
    used (no password, never signed in) that holds nothing but memberships of these partnerships.

    Anything else is the person's own account (or the administrator's to change): a manager who could change
    its email could take it over with a password reset."""
    if person.password_hash or person.last_sign_in_at is not None:
        return False
    return all(r.agency_id is not None and r.partnership_id in partnership_ids for r in person.roles)


@use_case
def change_person(session: Session, person: Person, agency: Agency, partnership_id: int,
                  partnership_ids: frozenset[int], name: str, email: str, role: Role, by: int | None = None) -> None:
    """Change a person's role in the agency for a partnership, or correct the name or email of an unused account."""
    if role not in AGENCY_ROLES:
        raise DirectoryError("Choose lead or contributor", "role")
    name, email = clean_name(name, "person's name"), clean_email(email)
    if (name, email) != (person.name, person.email.lower()):
        if not manager_may_edit_account(person, partnership_ids):
            raise DirectoryError(f"Only {person.name} or the administrator can change their name or email address: "
                                 "the account is theirs", "email" if email != person.email.lower() else "name")
        _set_account(session, person, name, email, by, partnerships=[partnership_id])
    _set_role(person, agency, partnership_id, role)
    audit(session, by, "membership.changed", "person", person.id,
          new={"agency": agency.name, "partnership_id": partnership_id, "role": role.value},
          partnerships=[partnership_id])


@use_case
def remove_from_agency(session: Session, person: Person, agency: Agency, partnership_ids: frozenset[int],
                       by: int | None = None) -> None:
    """End a person's memberships of the agency for these partnerships; their account and what they wrote stay."""
    held = session.scalars(select(RoleAssignment.partnership_id).where(
        RoleAssignment.person_id == person.id, RoleAssignment.agency_id == agency.id,
        RoleAssignment.partnership_id.in_(_in(partnership_ids)))).all()
    session.execute(delete(RoleAssignment).where(RoleAssignment.person_id == person.id,
                                                 RoleAssignment.agency_id == agency.id,
                                                 RoleAssignment.partnership_id.in_(_in(partnership_ids))))
    session.expire(person, ["roles"])
    audit(session, by, "membership.removed", "person", person.id,
          old={"agency": agency.name, "partnership_ids": _in(partnership_ids)}, partnerships=held)


@use_case
def set_membership_active(session: Session, person: Person, agency: Agency, partnership_ids: frozenset[int],
                          active: bool, by: int | None = None) -> None:
    """Deactivate a person's membership of the agency for these partnerships (no access to its returns; what they
    wrote stays) or bring it back. The account, and every other membership, is not touched."""
    rows = session.scalars(select(RoleAssignment).where(
        RoleAssignment.person_id == person.id, RoleAssignment.agency_id == agency.id,
        RoleAssignment.partnership_id.in_(_in(partnership_ids)), RoleAssignment.active.is_not(active))).all()
    for row in rows:
        row.active = active
    if rows:
        audit(session, by, "membership.reactivated" if active else "membership.deactivated", "person", person.id,
              new={"agency": agency.name, "partnership_ids": _in(partnership_ids)},
              partnerships=[row.partnership_id for row in rows])


@use_case
def change_account(session: Session, person: Person, name: str, email: str, by: int | None = None) -> None:
    """Change the name or email of an account (the administrator's to do, or the person's own)."""
    name, email = clean_name(name, "person's name"), clean_email(email)
    if (name, email) == (person.name, person.email.lower()):
        return
    _set_account(session, person, name, email, by)


def _set_account(session: Session, person: Person, name: str, email: str, by: int | None,
                 partnerships: Iterable[int | None] = (None,)) -> None:
    # Cleaned name and email, which differ from the account's: the one way every caller changes an account.
    _refuse_taken(session, person, email)
    audit(session, by, "person.changed", "person", person.id, {"name": person.name, "email": person.email},
          {"name": name, "email": email}, partnerships=partnerships)
    if email != person.email.lower():
        person.token_nonce = ""  # a link already sent to the old address stops working
    person.name, person.email = name, email


def _refuse_taken(session: Session, person: Person, email: str) -> None:
    if session.scalar(select(Person.id).where(func.lower(Person.email) == email, Person.id != person.id)):
        raise DirectoryError(f"{email} is already the email address of someone else", "email")


def check_new_email(session: Session, person: Person, email: str) -> str:
    """A new address for the person, cleaned, or DirectoryError if it is malformed, unchanged or someone else's."""
    email = clean_email(email)
    if email == person.email.lower():
        raise DirectoryError("That is your email address already", "email")
    _refuse_taken(session, person, email)
    return email


@use_case
def confirm_new_email(session: Session, person: Person, new_email: str) -> None:
    """The person followed the link sent to their new address: it becomes theirs, and the link is used up."""
    from survey.services.accounts import use_link_token

    change_account(session, person, person.name, new_email, person.id)
    use_link_token(person)


@use_case
def set_person_active(session: Session, person: Person, active: bool, by: int | None = None) -> None:
    """Deactivate an account (they cannot sign in; signed-in sessions end) or bring it back: the administrator's."""
    if person.active == active:
        return
    person.active = active
    audit(session, by, "person.reactivated" if active else "person.deactivated", "person", person.id)


def open_rounds_for(session: Session, agency: Agency, partnership_ids: frozenset[int]) -> list[Round]:
    """Open rounds the agency answers for these partnerships (a new member is invited to them)."""
    return list(session.scalars(select(Round).join(Return).where(
        Return.agency_id == agency.id, Return.partnership_id.in_(_in(partnership_ids)),
        Round.state == RoundState.OPEN).order_by(Round.deadline)))


__all__ = ["AGENCY_ROLES", "Added", "AgencyRow", "DirectoryError", "Member", "add_person", "agencies_of", "agency_in",
           "agency_links", "change_account", "change_person", "check_new_email", "create_agency",
           "manager_may_edit_account", "members", "membership_of", "open_rounds_for", "remove_from_agency",
           "role_named", "serves_others", "set_agency_active", "set_membership_active", "set_person_active",
           "update_agency"]
