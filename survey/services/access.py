"""Who may do what: a person's roles, loaded once per request, and the checks every view relies on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from survey.models import Answer, Person, Return, Role, RoleAssignment, Round, RoundState


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in person and the roles they hold."""

    person_id: int
    name: str
    email: str
    contributor_agencies: frozenset[int]
    lead_agencies: frozenset[int]
    manager_partnerships: frozenset[int]
    chair_partnerships: frozenset[int]
    admin: bool

    @property
    def agency_ids(self) -> frozenset[int]:
        """Agencies whose returns this person may work on."""
        return self.contributor_agencies | self.lead_agencies

    def can_edit_return(self, ret: Return) -> bool:
        """Contributors and leads of the return's agency."""
        return ret.agency_id in self.agency_ids

    def can_submit_return(self, ret: Return) -> bool:
        """Only the agency lead signs off and submits."""
        return ret.agency_id in self.lead_agencies

    @property
    def is_agency_user(self) -> bool:
        """Holds a role in at least one agency."""
        return bool(self.agency_ids)

    @property
    def is_manager(self) -> bool:
        """Manages at least one partnership."""
        return bool(self.manager_partnerships)

    @property
    def is_chair(self) -> bool:
        """Chairs at least one partnership."""
        return bool(self.chair_partnerships)


def principal_for(session: Session, person: Person) -> Principal:
    """Load a person's roles into a Principal."""
    roles = session.execute(select(RoleAssignment.role, RoleAssignment.agency_id, RoleAssignment.partnership_id)
                            .where(RoleAssignment.person_id == person.id)).all()
    return principal_from_roles(person.id, person.name, person.email, roles)


def principal_from_roles(person_id: int, name: str, email: str,
                         roles: Iterable[tuple[Role, int | None, int | None]]) -> Principal:
    """A Principal from a person's role rows: (role, agency id, partnership id)."""
    agencies: dict[Role, set[int]] = {Role.CONTRIBUTOR: set(), Role.LEAD: set()}
    partnerships: dict[Role, set[int]] = {Role.MANAGER: set(), Role.CHAIR: set()}
    admin = False
    for role, agency_id, partnership_id in roles:
        if role is Role.ADMIN:
            admin = True
        elif role in agencies and agency_id is not None:
            agencies[role].add(agency_id)
        elif role in partnerships and partnership_id is not None:
            partnerships[role].add(partnership_id)
    return Principal(
        person_id=person_id, name=name, email=email,
        contributor_agencies=frozenset(agencies[Role.CONTRIBUTOR] | agencies[Role.LEAD]),
        lead_agencies=frozenset(agencies[Role.LEAD]),
        manager_partnerships=frozenset(partnerships[Role.MANAGER]),
        chair_partnerships=frozenset(partnerships[Role.CHAIR]),
        admin=admin,
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


def agency_people(session: Session, agency_id: int) -> list[Person]:
    """Active people holding any role in an agency (who hear about its returns), each once."""
    return list(session.scalars(
        select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.agency_id == agency_id, Person.active.is_(True)).distinct().order_by(Person.id)))
