"""Agencies and people of a partnership, including bulk import from CSV or XLSX.

An import file has a header row with the columns agency, type, name, email, role (any order and case). A row
may add an agency only (name, email and role blank), a person to an existing agency, or both (type given for a
new agency). Every row is checked before anything is saved; the whole file is refused if any row is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import Agency, Partnership, PartnershipAgency, Person, Role, RoleAssignment
from survey.services.directory_audit import record as audit
from survey.spreadsheets import (
    OLE_SIGNATURE,
    XLSX_SIGNATURE,
    Limits,
    UnreadableFile,
    csv_rows,
    csv_text,
    header_dialect,
    xlsx_rows,
)
from survey.text import clean_text, email_address

COLUMNS = ("agency", "type", "name", "email", "role")
ROLES = {"lead": Role.LEAD, "agency lead": Role.LEAD, "contributor": Role.CONTRIBUTOR}
MAX_ROWS = 5000


class DirectoryImportError(Exception):
    """The file cannot be imported; `problems` lists every row that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportPlan:
    """What an import will do once confirmed."""

    new_agencies: list[tuple[str, str]] = field(default_factory=list)
    new_people: list[tuple[str, str]] = field(default_factory=list)
    new_roles: list[tuple[str, str, Role]] = field(default_factory=list)
    # Agencies new to the partnership that already serve another one: the same organisation joins this board.
    shared_agencies: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        def count(n: int, one: str, many: str) -> str:
            return f"{n} new {one if n == 1 else many}"

        return ", ".join([count(len(self.new_agencies), "agency", "agencies"),
                          count(len(self.new_people), "person", "people"),
                          count(len(self.new_roles), "role", "roles")])


LIMITS = Limits("a list of agencies and people", max_bytes=5 * 1024 * 1024, max_expanded=60 * 1024 * 1024,
                max_rows=MAX_ROWS)


def read_rows(name: str, data: bytes) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by the known columns; raise DirectoryImportError on a bad file."""
    try:
        if data.startswith((XLSX_SIGNATURE, OLE_SIGNATURE)):
            raw = [["" if c is None else str(c) for c in row] for row in xlsx_rows(data, name, LIMITS)]
        else:
            text = csv_text(data, name)
            raw = list(csv_rows(text, name, LIMITS, header_dialect(text, COLUMNS)))
    except UnreadableFile as exc:
        raise DirectoryImportError([str(exc)]) from None
    raw = [r for r in raw if any(c.strip() for c in r)]
    if not raw:
        raise DirectoryImportError(
            [f"{name}: the file is empty; the first row must name the columns {', '.join(COLUMNS)}"])
    header = [c.strip().lower() for c in raw[0]]
    missing = [c for c in ("agency",) if c not in header]
    unknown = [c for c in header if c and c not in COLUMNS]
    if missing or unknown:
        found = ", ".join(h for h in header if h) or "nothing"
        raise DirectoryImportError([f"{name}: row 1: the columns must be {', '.join(COLUMNS)} (agency is required); "
                            f"found: {found}"])
    rows = []
    for values in raw[1:]:
        values = values + [""] * (len(header) - len(values))
        rows.append({column: clean_text(values[header.index(column)]).strip() if column in header else ""
                     for column in COLUMNS})
    return rows


def plan_import(session: Session, partnership: Partnership, name: str, data: bytes,
                progress: Callable[[int, int], None] | None = None) -> tuple[ImportPlan, list[dict[str, str]]]:
    """Check every row against the partnership; return the plan, or raise with every problem found."""
    rows = read_rows(name, data)
    wanted = {r["email"].lower() for r in rows if r["email"]}
    known: set[str] = set()
    listed = sorted(wanted)
    for start in range(0, len(listed), 500):  # one query per 500 addresses, not one per row
        known.update(e.lower() for e in session.scalars(select(Person.email).where(
            func.lower(Person.email).in_(listed[start:start + 500]))))
    members = {a.name.lower(): a for a in session.scalars(
        select(Agency).join(PartnershipAgency).where(PartnershipAgency.partnership_id == partnership.id))}
    elsewhere = {name.lower() for name in session.scalars(select(Agency.name))} - set(members)
    # Roles the partnership's people hold already: importing the same file twice adds (and reports) nothing.
    held = {(email.lower(), agency_name.lower(), role) for email, agency_name, role in session.execute(
        select(Person.email, Agency.name, RoleAssignment.role)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .join(Agency, Agency.id == RoleAssignment.agency_id)
        .where(RoleAssignment.partnership_id == partnership.id))}
    planned: set[tuple[str, str, Role]] = set()
    plan = ImportPlan()
    problems: list[str] = []
    new_agencies: dict[str, str] = {}
    emails: dict[str, tuple[int, str]] = {}
    new_emails: set[str] = set()
    for number, row in enumerate(rows, start=2):
        if progress is not None and ((number - 1) % 100 == 0 or number - 1 == len(rows)):
            progress(number - 1, len(rows))
        where = f"{name}: row {number}"
        agency = row["agency"]
        if not agency:
            problems.append(f"{where}: the agency is blank")
            continue
        if len(agency) > 200:
            problems.append(f"{where}: the agency name is longer than 200 characters")
            continue
        key = agency.lower()
        if key not in members and key not in new_agencies:
            if not row["type"]:
                problems.append(f"{where}: unknown agency {agency!r}; give its type to create it, or check the "
                                f"spelling against the partnership's agencies")
                continue
            new_agencies[key] = agency
            plan.new_agencies.append((agency, row["type"][:60]))
            if key in elsewhere:
                plan.shared_agencies.append(agency)
        email = row["email"].lower()
        if not (row["name"] or email or row["role"]):
            continue
        if email_address(email) is None:
            problems.append(f"{where}: {row['email']!r} is not an email address")
            continue
        if not row["name"]:
            problems.append(f"{where}: the name of {email} is blank")
            continue
        role = ROLES.get(row["role"].lower() or "contributor")
        if role is None:
            problems.append(f"{where}: role {row['role']!r} is not lead or contributor")
            continue
        if email in emails and emails[email][1] != row["name"]:
            problems.append(f"{where}: {email} appears twice with different names (first on row {emails[email][0]})")
            continue
        emails.setdefault(email, (number, row["name"]))
        if email not in known and email not in new_emails:
            new_emails.add(email)
            plan.new_people.append((email, row["name"][:200]))
        if (email, key, role) not in held and (email, key, role) not in planned:
            planned.add((email, key, role))
            plan.new_roles.append((email, agency, role))
    if problems:
        raise DirectoryImportError(problems)
    return plan, rows


@use_case
def apply_import(session: Session, partnership: Partnership, plan: ImportPlan,
                 by_person_id: int | None = None) -> None:
    """Carry out a checked plan in one transaction."""
    agencies = {a.name.lower(): a for a in session.scalars(
        select(Agency).join(PartnershipAgency).where(PartnershipAgency.partnership_id == partnership.id))}
    for agency_name, kind in plan.new_agencies:
        existing = session.scalar(select(Agency).where(func.lower(Agency.name) == agency_name.lower()))
        agency = existing or Agency(name=agency_name, kind=kind)
        session.add(agency)
        session.add(PartnershipAgency(partnership=partnership, agency=agency))
        agencies[agency_name.lower()] = agency
        session.flush()
        audit(session, by_person_id, "agency.created", "agency", agency.id,
              new={"name": agency.name, "type": agency.kind, "from": "import"}, partnerships=[partnership.id])
    people: dict[str, Person] = {}
    for email, person_name in plan.new_people:
        people[email] = Person(email=email, name=person_name)
        session.add(people[email])
    session.flush()
    for email, agency_name, role in plan.new_roles:
        person = people.get(email) or session.scalar(select(Person).where(func.lower(Person.email) == email))
        agency = agencies[agency_name.lower()]
        assert person is not None  # noqa: S101 - planned above
        # Memberships of this partnership only: the same agency's people for other partnerships are not touched.
        mine = (RoleAssignment.person_id == person.id, RoleAssignment.agency_id == agency.id,
                RoleAssignment.partnership_id == partnership.id)
        exists = session.scalar(select(RoleAssignment).where(*mine, RoleAssignment.role == role))
        if exists is None:
            session.add(RoleAssignment(person=person, role=role, agency=agency, partnership=partnership))
            audit(session, by_person_id, "membership.added", "person", person.id,
                  new={"agency": agency.name, "role": role.value, "from": "import"}, partnerships=[partnership.id])
            if role is Role.LEAD:
                lead_as_contributor = session.scalar(select(RoleAssignment).where(
                    *mine, RoleAssignment.role == Role.CONTRIBUTOR))
                if lead_as_contributor is None:
                    session.add(RoleAssignment(person=person, role=Role.CONTRIBUTOR, agency=agency,
                                               partnership=partnership))
            session.flush()
    audit(session, by_person_id, "directory.imported", "partnership", partnership.id,
          new={"summary": plan.summary()}, partnerships=[partnership.id])


def import_file(session: Session, partnership: Partnership, path: Path, dry_run: bool = False,
                progress: Callable[[int, int], None] | None = None) -> ImportPlan:
    """Check a file and, unless a dry run, import it; raise DirectoryImportError listing every problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DirectoryImportError([f"{path}: cannot read the file ({exc.strerror or exc})"]) from None
    plan, _ = plan_import(session, partnership, str(path), data, progress)
    if not dry_run:
        apply_import(session, partnership, plan)
    return plan


__all__ = ["COLUMNS", "DirectoryImportError", "ImportPlan", "apply_import", "import_file", "plan_import", "read_rows"]
