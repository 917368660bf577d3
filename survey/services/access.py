"""Who may do what: a person's roles, loaded once per request, and the checks every view relies on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, false, select, tuple_
from sqlalchemy.orm import Session, joinedload, selectinload

from survey.models import Answer, Person, Return, Role, RoleAssignment, Round, RoundState

Membership = tuple[int, int]  # (agency id, partnership id): a role in an agency for one partnership


class HasAgencyAndPartnership(Protocol):
    """A return, or a row that carries a return's agency and the partnership it answers for."""

    @property
    def agency_id(self) -> int: ...

    @property
    def partnership_id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in person and the roles they hold; agency roles are memberships of one partnership each."""

    person_id: int
    name: str
    email: str
    memberships: frozenset[Membership]  # contributor or lead
    lead_memberships: frozenset[Membership]
    manager_partnerships: frozenset[int]
    chair_partnerships: frozenset[int]
    admin: bool
    second_factor: bool = False  # an authenticator app is set up (checked at every password sign-in)

    @property
    def agency_ids(self) -> frozenset[int]:
        """Agencies the person works for, for any partnership."""
        return frozenset(agency for agency, _ in self.memberships)

    def can_edit_return(self, ret: HasAgencyAndPartnership) -> bool:
        """Contributors and leads of the return's agency, for the partnership the return answers for."""
        return (ret.agency_id, ret.partnership_id) in self.memberships

    def can_submit_return(self, ret: HasAgencyAndPartnership) -> bool:
        """Only the agency's lead (for that partnership) signs off and submits."""
        return (ret.agency_id, ret.partnership_id) in self.lead_memberships

    @property
    def is_agency_user(self) -> bool:
        """Holds a role in at least one agency."""
        return bool(self.memberships)

    @property
    def is_manager(self) -> bool:
        """Manages at least one partnership."""
        return bool(self.manager_partnerships)

    @property
    def is_chair(self) -> bool:
        """Chairs at least one partnership."""
        return bool(self.chair_partnerships)

    @property
    def needs_second_factor(self) -> bool:
        """Administrators, managers and chairs see safeguarding material across agencies: they must set up a
        second factor before reaching any of their pages."""
        return (self.admin or self.is_manager or self.is_chair) and not self.second_factor


def principal_for(session: Session, person: Person) -> Principal:
    """Load a person's roles into a Principal."""
    roles = session.execute(select(RoleAssignment.role, RoleAssignment.agency_id, RoleAssignment.partnership_id)
                            .where(RoleAssignment.person_id == person.id, RoleAssignment.active.is_(True))).all()
    return principal_from_roles(person.id, person.name, person.email, roles, person.totp_enabled_at is not None)


def principal_from_roles(person_id: int, name: str, email: str, roles: Iterable[tuple[Role, int | None, int | None]],
                         second_factor: bool = False) -> Principal:
    """A Principal from a person's active role rows: (role, agency id, partnership id)."""
    agencies: dict[Role, set[Membership]] = {Role.CONTRIBUTOR: set(), Role.LEAD: set()}
    partnerships: dict[Role, set[int]] = {Role.MANAGER: set(), Role.CHAIR: set()}
    admin = False
    for role, agency_id, partnership_id in roles:
        if role is Role.ADMIN:
            admin = True
        elif role in agencies and agency_id is not None and partnership_id is not None:
            agencies[role].add((agency_id, partnership_id))
        elif role in partnerships and partnership_id is not None:
            partnerships[role].add(partnership_id)
    return Principal(
        person_id=person_id, name=name, email=email,
        memberships=frozenset(agencies[Role.CONTRIBUTOR] | agencies[Role.LEAD]),
        lead_memberships=frozenset(agencies[Role.LEAD]),
        manager_partnerships=frozenset(partnerships[Role.MANAGER]),
        chair_partnerships=frozenset(partnerships[Role.CHAIR]),
        admin=admin, second_factor=second_factor,
    )


class NotFound(Exception):
    """The object does not exist or belongs to someone else: both look the same from outside (404)."""


class Forbidden(Exception):
    """The person may see the object but not do this to it (403)."""


def return_for_agency_user(session: Session, principal: Principal, return_id: int,
                           with_answers: bool = True) -> Return:
    """A return of one of the person's agencies in a round agencies can see (open or closed), else NotFound."""
    # One query for the return, its agency, round and definition version (all many-to-one), and one for its
    # answers with their editors: this runs on every page of a return. A save reads only the answers it
    # changes (`returns.save_statements`), so it leaves the rest of a long return unread.
    options = [joinedload(Return.agency), joinedload(Return.round).joinedload(Round.definition_version)]
    if with_answers:
        options.append(selectinload(Return.answers).joinedload(Answer.updated_by))
    ret = session.scalar(select(Return).where(Return.id == return_id).options(*options))
    if ret is None or not principal.can_edit_return(ret) or ret.round.state is RoundState.DRAFT:
        raise NotFound
    return ret


def member_returns(memberships: Iterable[Membership]) -> ColumnElement[bool]:
    """SQL: returns of these memberships (the agency's, answered for that partnership)."""
    pairs = sorted(memberships)
    if not pairs:
        return false()
    return tuple_(Return.agency_id, Return.partnership_id).in_(pairs)


def partnership_managers(session: Session, partnership_id: int) -> list[Person]:
    """The active managers of a partnership (who hear of answered challenges and are copied into late chasers)."""
    return list(session.scalars(
        select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.role == Role.MANAGER, RoleAssignment.partnership_id == partnership_id,
               RoleAssignment.active.is_(True), Person.active.is_(True)).distinct().order_by(Person.id)))


def agency_people(session: Session, agency_id: int, partnership_id: int) -> list[Person]:
    """Active people with an active membership of the agency for this partnership (who hear about its returns)."""
    return list(session.scalars(
        select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.agency_id == agency_id, RoleAssignment.partnership_id == partnership_id,
               RoleAssignment.active.is_(True), Person.active.is_(True)).distinct().order_by(Person.id)))
