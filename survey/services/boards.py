"""Setting up an installation: partnerships, the people who run them (board managers and chairs), administrators.

Agency people are added by board managers (`survey.services.agencies`); everyone above them starts here, from the
command line on a new installation (`survey partnership create`, `survey person add`) or from the admin pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import Partnership, PartnershipAgency, Person, Role, RoleAssignment
from survey.services.agencies import DirectoryError, clean_email, clean_name
from survey.services.directory_audit import record as audit

BOARD_ROLES = (Role.MANAGER, Role.CHAIR)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class PartnershipRow:
    """One line of the partnerships list."""

    partnership: Partnership
    agencies: int
    managers: list[Person]
    chairs: list[Person]

    def to_json(self) -> dict[str, object]:
        """As `survey partnership list --format json` prints it."""
        return {"id": self.partnership.id, "name": self.partnership.name, "slug": self.partnership.slug,
                "agencies": self.agencies, "managers": [p.email for p in self.managers],
                "chairs": [p.email for p in self.chairs]}


def board_role_named(text: str, allowed: tuple[Role, ...] = (*BOARD_ROLES, Role.ADMIN)) -> Role:
    """The role a form or command names (manager, chair, or admin where allowed), or DirectoryError."""
    found = {role.value: role for role in allowed}.get(text.strip().lower())
    if found is None:
        names = [role.value for role in allowed]
        raise DirectoryError(f"Choose {', '.join(names[:-1])} or {names[-1]}", "role")
    return found


def describe(role: Role, partnership: Partnership | None) -> str:
    """A role in words: "manager of ...", "chair of ...", "an administrator"."""
    if partnership is None:
        return "an administrator" if role is Role.ADMIN else role.value
    return f"{role.value} of {partnership.name}"


def roles_in_words(person: Person) -> list[str]:
    """Every role a person holds, in words ("lead of Essex Police", "an administrator")."""
    out = []
    for held in person.roles:
        if held.agency is not None:
            board = f" for {held.partnership.name}" if held.partnership is not None else ""
            ended = " (deactivated)" if not held.active else ""
            out.append(f"{held.role.value} of {held.agency.name}{board}{ended}")
        else:
            out.append(describe(held.role, held.partnership))
    return sorted(out)


@use_case
def create_partnership(session: Session, name: str, slug: str, by: int | None = None) -> Partnership:
    """Add a partnership (a board), named in full and by a short name used on the command line."""
    name = _free_name(session, name)
    slug = slug.strip().lower()
    if not slug:
        raise DirectoryError("Enter a short name, for example southend", "slug")
    if len(slug) > 60 or not SLUG.match(slug):
        raise DirectoryError("The short name can only hold lower-case letters, digits and single hyphens "
                             "(60 at most), for example southend or north-east-lincs", "slug")
    if session.scalar(select(Partnership.id).where(Partnership.slug == slug)) is not None:
        raise DirectoryError(f"The short name {slug} is taken; choose another", "slug")
    partnership = Partnership(name=name, slug=slug)
    session.add(partnership)
    session.flush()
    audit(session, by, "partnership.created", "partnership", partnership.id, new={"name": name, "slug": slug})
    return partnership


@use_case
def rename_partnership(session: Session, partnership: Partnership, name: str, by: int | None = None) -> str | None:
    """Give a partnership a new name (a board that became a safeguarding children partnership, or merged); its
    short name stays, because scripts use it. Returns the old name, or None if the name is the same."""
    name = _free_name(session, name, partnership)
    old = partnership.name
    if name == old:
        return None
    audit(session, by, "partnership.renamed", "partnership", partnership.id, old={"name": old}, new={"name": name})
    partnership.name = name
    return old


def _free_name(session: Session, name: str, renaming: Partnership | None = None) -> str:
    name = clean_name(name, "partnership's name")
    taken = session.scalar(select(Partnership).where(func.lower(Partnership.name) == name.lower()))
    if taken is not None and taken is not renaming:
        raise DirectoryError(f"There is already a partnership called {taken.name}", "name")
    return name


def partnership_by_slug(session: Session, slug: str) -> Partnership | None:
    """A partnership by its short name."""
    return session.scalar(select(Partnership).where(Partnership.slug == slug.strip().lower()))


def list_partnerships(session: Session, only: Partnership | None = None) -> list[PartnershipRow]:
    """Every partnership (or only one) with its number of agencies, its managers and its chairs."""
    partnerships = [only] if only is not None else session.scalars(select(Partnership).order_by(Partnership.name)).all()
    ids = [p.id for p in partnerships]
    agencies = dict(session.execute(select(PartnershipAgency.partnership_id, func.count())
                                    .where(PartnershipAgency.partnership_id.in_(ids))
                                    .group_by(PartnershipAgency.partnership_id)).all())
    people: dict[tuple[int, Role], list[Person]] = {}
    rows = session.execute(
        select(RoleAssignment.partnership_id, RoleAssignment.role, Person)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.role.in_(BOARD_ROLES), RoleAssignment.partnership_id.in_(ids))
        .order_by(Person.name)).all()
    for partnership_id, role, person in rows:
        if partnership_id is not None:  # always, for these roles: the query asks for these partnerships'
            people.setdefault((partnership_id, role), []).append(person)
    return [PartnershipRow(p, agencies.get(p.id, 0), people.get((p.id, Role.MANAGER), []),
                           people.get((p.id, Role.CHAIR), [])) for p in partnerships]


@use_case
def add_board_person(session: Session, name: str, email: str, role: Role, partnership: Partnership | None,
                     by: int | None = None) -> Person:
    """Make someone a manager or chair of a partnership, or an administrator, creating their account if the
    email is new (they then set a password from an invitation link)."""
    email = clean_email(email)
    if role in BOARD_ROLES and partnership is None:
        raise DirectoryError(f"Choose the partnership the {role.value} works for", "partnership")
    if role is Role.ADMIN and partnership is not None:
        raise DirectoryError("An administrator looks after the whole installation, not one partnership",
                             "partnership")
    if role not in (*BOARD_ROLES, Role.ADMIN):
        raise DirectoryError("Agency leads and contributors are added by a board manager, under Agencies", "role")
    person = session.scalar(select(Person).where(func.lower(Person.email) == email))
    if person is None:
        person = Person(name=clean_name(name, "person's name"), email=email)
        session.add(person)
        session.flush()
    elif person.erased_at is not None:
        raise DirectoryError(f"{email} belonged to someone whose data was erased; use another address", "email")
    if session.scalar(select(RoleAssignment.id).where(*_holding(person, role, partnership))) is not None:
        raise DirectoryError(f"{person.name} ({email}) is already {describe(role, partnership)}", "email")
    session.add(RoleAssignment(person_id=person.id, role=role,
                               partnership_id=partnership.id if partnership is not None else None))
    audit(session, by, "role.granted", "person", person.id,
          new={"role": role.value, "partnership": partnership.name if partnership is not None else None},
          partnerships=[partnership.id if partnership is not None else None])
    return person


def _holding(person: Person, role: Role, partnership: Partnership | None) -> tuple[Any, ...]:
    """SQL conditions for the row of one role a person holds (a partnership's, or the installation's)."""
    where = RoleAssignment.partnership_id.is_(None) if partnership is None else (
        RoleAssignment.partnership_id == partnership.id)
    return RoleAssignment.person_id == person.id, RoleAssignment.role == role, where


@use_case
def remove_board_role(session: Session, person: Person, role: Role, partnership: Partnership | None,
                      by: int | None = None) -> bool:
    """Take a board role (or administration) away; their account and what they did stay. False if not held."""
    if role is Role.ADMIN and session.scalars(select(RoleAssignment.person_id).where(
            RoleAssignment.role == role)).all() == [person.id]:
        raise DirectoryError("This is the last administrator; make someone else an administrator first")
    result = session.execute(delete(RoleAssignment).where(*_holding(person, role, partnership)))
    removed = cast("CursorResult[Any]", result).rowcount
    if removed:
        audit(session, by, "role.removed", "person", person.id,
              old={"role": role.value, "partnership": partnership.name if partnership is not None else None},
              partnerships=[partnership.id if partnership is not None else None])
    return bool(removed)
