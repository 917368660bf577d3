"""Demo data: a partnership named after the seeds' partners, people in every role, a closed and an open round.

The closed board self-assessment round holds six agencies' submitted returns whose ratings reproduce most rows of
the published Appendix 3 table, with partner commentary quoted from it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.models import (
    ActionStatus,
    Agency,
    Answer,
    AreaAction,
    AuditEvent,
    DevelopmentArea,
    Partnership,
    PartnershipAgency,
    Person,
    Return,
    ReturnState,
    Role,
    RoleAssignment,
    Round,
    RoundState,
    utcnow,
)
from survey.services.catalogue import Catalogue
from survey.services.definitions import ensure_version
from survey.services.second_factor import code_at

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for people trying the demo
DOMAIN = "demo.example"
DEMO_AREA = "Consistent attendance at board meetings"

AGENCIES: list[tuple[str, str, str]] = [
    # (slug for emails, name, kind)
    ("childrens-services", "Southend Borough Council – Children's Services", "local authority"),
    ("education", "Southend Borough Council – Education", "local authority"),
    ("police", "Essex Police", "police"),
    ("ccg", "NHS Southend Clinical Commissioning Group", "health commissioner"),
    ("hospital", "Southend University Hospital NHS Foundation Trust", "acute hospital trust"),
    ("mental-health", "Essex Partnership University NHS Foundation Trust", "mental health trust"),
    ("probation", "National Probation Service", "probation"),
    ("crc", "Essex Community Rehabilitation Company", "probation"),
    ("cafcass", "CAFCASS", "courts advisory service"),
    ("schools", "Southend Schools and Colleges", "education"),
]

# What the demo reproduces, and the three printed rows it cannot (shown on the start page and in the README).
ABOUT = ("The demo's closed board self-assessment reproduces the Appendix 3 table of the Southend LSCB annual "
         "report (mode, mean and range per statement from six returns), except three rows whose printed "
         "figures no six ratings on the scale can give together: membership-1 (mode 4, mean 3.5, range 1), "
         "risk-1 (mode 3, mean 3.4, range 1.5) and leadership-3 (mode 4, mean 3.5, range 1). There the demo "
         "keeps the printed mode and range, and its means are 3.6, 3.2 and 3.6.")

# Ratings of the six agencies that completed the board self-assessment, per statement (Appendix 3).
BOARD_RATINGS: dict[str, list[float | None]] = {
    "strategic-plan-1": [2, 3, 3, 3, 3, 4],
    "strategic-plan-2": [2, 3, 3, 3, 3, 3],
    "annual-report-1": [None] * 6,
    "case-reviews-1": [2, 2, 2, 3, 3, 3],
    "roles-accountability-1": [3, 3, 3, 3, 4, 4],
    "data-intelligence-1": [2, 2, 3, 3, 3.5, 2.5],
    "holding-to-account-1": [2, 3, 3, 3, 3, 3],
    "holding-to-account-2": [3, 3, 3, 3, 3, 4],
    "policies-strategies-1": [2, 3, 3, 3, 3, 3],
    "preventative-strategies-1": [3, 3, 3, 3, 3, 3],
    "preventative-strategies-2": [1, 2, 2, 3, 3, 3],
    "confidentiality-1": [3, 3, 4, 4, 4, 4],
    "monitoring-review-1": [1, 2, 3, 3, 3, 3],
    "reviews-publication-1": [2, 3, 3, 3, 3, 4],
    "challenge-1": [3, 3, 3, 3, 3, 4],
    "multi-agency-training-1": [2, 3, 3, 3, 3, 3],
    "aim-vision-1": [3, 3, 4, 4, 4, 4],
    "membership-1": [3, 3, 3.5, 4, 4, 4],
    "membership-2": [2, 3, 3, 3, 4, 4],
    "attendance-1": [3, 3, 4, 4, 4, 4],
    "attendance-2": [3, 3, 3, 3, 3, 4],
    "risk-1": [2.5, 3, 3, 3, 3.5, 4],
    "finance-1": [2, 3, 3, 3, 3, 4],
    "leadership-1": [3, 3, 3, 3, 4, 4],
    "leadership-2": [2.5, 3, 3, 3, 3.5, 4],
    "leadership-3": [3, 3, 3.5, 4, 4, 4],
}

# Partner commentary as published (Appendix 3), by statement; each quote is given to a different agency.
BOARD_COMMENTARY: dict[str, list[str]] = {
    "strategic-plan-1": [
        "Board members are involved in the creation of the strategic plan and take ownership of actions.",
        "The Board clearly demonstrates what the main objectives are and how we will achieve them.",
    ],
    "strategic-plan-2": [
        "Revisions to the use of information and intelligence have strengthened this area during 2018.",
        "The Board has a good understanding of partners view points and takes into account all information "
        "and intelligence",
    ],
    "annual-report-1": [
        "All members are asked to contribute to the Annual Report by giving a specific account of their agency's "
        "safeguarding context, outcomes and successes.",
        "The approach of completing the annual report is an area of strength as there is now a consistent way of "
        "including feedback from safeguarding partners.",
    ],
    "case-reviews-1": [
        "There is a designated panel which feeds to the board and responds to demands for review. This is a "
        "multi-agency attendance and the responsibilities for partner agencies are made clear.",
        "The process of arranging practice reviews has developed over the year and is becoming an area of "
        "strength.",
    ],
    "holding-to-account-1": [
        "Being held to account is vitally important to a successful board and this is completed in a "
        "constructive environment.",
    ],
    "preventative-strategies-1": [
        "The Board has input to the development of Early Help services and receives reports on the "
        "effectiveness of the service.",
    ],
    "confidentiality-1": [
        "The guidelines around confidentiality are explicit within the work of the board and sub-groups.",
    ],
    "challenge-1": [
        "Board members challenge each other as 'critical friends'. There is external challenge through the "
        "Joint LSCB & SAB Scrutiny Panel.",
    ],
}


class DemoRefused(Exception):
    """The database holds data that is not demo data."""


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What was loaded and how to sign in."""

    created: bool
    summary: str


def demo_secret(email: str) -> str:
    """The authenticator secret of a demo account: derived from its address, so the demo's codes can be printed
    (the demo is public, like its password)."""
    return base64.b32encode(hashlib.sha256(f"survey-demo:{email}".encode()).digest()[:20]).decode()


def demo_code(session: Session, email: str) -> str:
    """The code a demo board account's authenticator app would show now; DemoRefused for any other account."""
    person = session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if person is None or not person.is_demo or person.totp_secret is None:
        raise DemoRefused(f"{email} is not a demo account with a second factor (the demo's board accounts are "
                          f"manager@{DOMAIN}, chair@{DOMAIN} and admin@{DOMAIN})")
    return code_at(person.totp_secret, utcnow())


def _person(session: Session, hasher_hash: str, email: str, name: str, title: str) -> Person:
    person = Person(email=email, name=name, job_title=title, password_hash=hasher_hash, is_demo=True)
    session.add(person)
    return person


def loaded(session: Session) -> bool:
    """Whether the demo partnership is in the database."""
    return bool(session.scalar(select(exists().where(Partnership.is_demo.is_(True)))))


@use_case
def load(session: Session, catalogue: Catalogue, today: dt.date | None = None) -> DemoResult:
    """Load the demo partnership in one transaction; refuse if real (non-demo) data exists."""
    today = today or dt.date.today()
    real = any(
        session.scalar(select(exists().where(model.is_demo.is_(False))))
        for model in (Partnership, Agency, Person)
    )
    if real:
        raise DemoRefused("this database already holds real (non-demo) data; use an empty database for the demo")
    if session.scalar(select(exists().where(Partnership.is_demo.is_(True)))):
        return DemoResult(False, "demo data is already loaded.\n" + _sign_in_text())
    board = catalogue.get("board-self-assessment")
    audit = catalogue.get("section-11-audit")
    if board is None or audit is None:
        raise DemoRefused("the demo needs the shipped board-self-assessment and section-11-audit questionnaires")

    password_hash = PasswordHasher().hash(DEMO_PASSWORD)
    partnership = Partnership(name="Southend Safeguarding Children Partnership", slug="southend", is_demo=True)
    session.add(partnership)
    agencies: dict[str, Agency] = {}
    for slug, name, kind in AGENCIES:
        agency = Agency(name=name, kind=kind, is_demo=True)
        agencies[slug] = agency
        session.add(agency)
        session.add(PartnershipAgency(partnership=partnership, agency=agency))
        lead = _person(session, password_hash, f"lead.{slug}@{DOMAIN}", f"{_title(slug)} Lead",
                       "Head of Safeguarding")
        staff = _person(session, password_hash, f"staff.{slug}@{DOMAIN}", f"{_title(slug)} Contributor",
                        "Safeguarding Adviser")
        session.add(RoleAssignment(person=lead, role=Role.LEAD, agency=agency, partnership=partnership))
        session.add(RoleAssignment(person=lead, role=Role.CONTRIBUTOR, agency=agency, partnership=partnership))
        officer = _person(session, password_hash, f"officer.{slug}@{DOMAIN}", f"{_title(slug)} Officer",
                          "Safeguarding Officer")
        session.add(RoleAssignment(person=staff, role=Role.CONTRIBUTOR, agency=agency, partnership=partnership))
        session.add(RoleAssignment(person=officer, role=Role.CONTRIBUTOR, agency=agency, partnership=partnership))
    manager = _person(session, password_hash, f"manager@{DOMAIN}", "Board Manager", "Partnership Business Manager")
    chair = _person(session, password_hash, f"chair@{DOMAIN}", "Independent Chair", "Independent Chair")
    admin = _person(session, password_hash, f"admin@{DOMAIN}", "System Administrator", "Administrator")
    session.add(RoleAssignment(person=manager, role=Role.MANAGER, partnership=partnership))
    session.add(RoleAssignment(person=chair, role=Role.CHAIR, partnership=partnership))
    session.add(RoleAssignment(person=admin, role=Role.ADMIN))
    for board_person in (manager, chair, admin):
        # Board roles need a second factor; the demo's are set up already, with codes from `survey demo-code`.
        board_person.totp_secret = demo_secret(board_person.email)
        board_person.totp_enabled_at = utcnow()
    session.flush()

    closed = Round(
        partnership=partnership, definition_version=ensure_version(session, board),
        title=f"Board self-assessment {today.year - 1}", opens_on=today - dt.timedelta(days=400),
        deadline=today - dt.timedelta(days=340), state=RoundState.CLOSED,
        opened_at=_at(today, -400), closed_at=_at(today, -330),
    )
    session.add(closed)
    respondents = ["childrens-services", "police", "ccg", "hospital", "mental-health", "education"]
    for i, slug in enumerate(respondents):
        signer = session.scalar(select(Person).where(Person.email == f"lead.{slug}@{DOMAIN}"))
        ret = Return(round=closed, agency=agencies[slug], partnership=partnership, state=ReturnState.SUBMITTED,
                     submitted_at=_at(today, -345 + i), submitted_by=signer,
                     declaration_name=signer.name if signer else "", declaration_role="Head of Safeguarding")
        session.add(ret)
        for sid, ratings in BOARD_RATINGS.items():
            quotes = BOARD_COMMENTARY.get(sid, [])
            rating = ratings[i]
            session.add(Answer(return_=ret, statement_id=sid, rating=rating,
                               commentary=quotes[i] if i < len(quotes) else "", updated_by=signer,
                               updated_at=_at(today, -350 + i)))

    # The chair agreed an area for development after the board self-assessment; its actions are under way.
    area = DevelopmentArea(round=closed, title=DEMO_AREA, agreed_by_id=chair.id, agreed_at=_at(today, -320),
                           rationale="Partners rated attendance lower than the rest of the board's work, and said "
                                     "deputies are not always briefed.",
                           statement_ids=["attendance-1", "attendance-2"])
    area.actions.append(AreaAction(what="Report each member's attendance to every board meeting",
                                   owner_name="Partnership business unit", due_on=today - dt.timedelta(days=200),
                                   status=ActionStatus.DONE, done_on=today - dt.timedelta(days=210)))
    area.actions.append(AreaAction(what="Agree a briefing note for deputies attending in a member's place",
                                   owner_agency=agencies["childrens-services"], owner_name="Head of Safeguarding",
                                   due_on=today + dt.timedelta(days=45), status=ActionStatus.IN_PROGRESS))
    session.add(area)

    open_round = Round(
        partnership=partnership, definition_version=ensure_version(session, audit),
        title=f"Section 11 audit {today.year}", opens_on=today - dt.timedelta(days=14),
        deadline=today + dt.timedelta(days=28), state=RoundState.OPEN, opened_at=_at(today, -14),
    )
    session.add(open_round)
    statement_ids = audit.statement_ids()
    # How far each agency has got: the number of statements answered so far.
    progress = {"childrens-services": len(statement_ids), "police": 20, "ccg": 12, "hospital": 5,
                "mental-health": 1, "probation": 0, "crc": 0, "cafcass": 8, "schools": 0}
    for j, (slug, answered) in enumerate(progress.items()):
        writer = session.scalar(select(Person).where(Person.email == f"staff.{slug}@{DOMAIN}"))
        state = ReturnState.DRAFT if answered else ReturnState.NOT_STARTED
        ret = Return(round=open_round, agency=agencies[slug], partnership=partnership, state=state)
        session.add(ret)
        for k, sid in enumerate(statement_ids[:answered]):
            rating = float(2 + (j + k) % 3)
            needs_action = audit.requires_action_below is not None and rating < audit.requires_action_below
            session.add(Answer(
                return_=ret, statement_id=sid, rating=rating, updated_by=writer, updated_at=_at(today, -10 + k % 9),
                commentary="Evidence reviewed at the safeguarding committee; see the annual safeguarding report.",
                action_what="Refresh the policy and audit compliance" if needs_action else "",
                action_who="Head of Safeguarding" if needs_action else "",
                action_by=today + dt.timedelta(days=90) if needs_action else None,
            ))
    session.add(AuditEvent(person_id=admin.id, action="demo.loaded", object_type="partnership",
                           object_id=str(partnership.id)))
    return DemoResult(True, "demo data loaded: Southend Safeguarding Children Partnership, "
                            f"{len(AGENCIES)} agencies, 1 closed and 1 open round.\n" + _sign_in_text())


def _title(slug: str) -> str:
    return slug.replace("-", " ").title().replace("Ccg", "CCG").replace("Crc", "CRC").replace("Cafcass", "CAFCASS")


def _at(today: dt.date, days: int) -> dt.datetime:
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(10, 0), tzinfo=dt.UTC)


def _sign_in_text() -> str:
    return (
        f"Sign in with any of these (password: {DEMO_PASSWORD}):\n"
        f"  board manager   manager@{DOMAIN}\n"
        f"  chair           chair@{DOMAIN}\n"
        f"  admin           admin@{DOMAIN}\n"
        f"  agency lead     lead.police@{DOMAIN} (also lead.<agency>@{DOMAIN})\n"
        f"  contributors    staff.police@{DOMAIN}, officer.police@{DOMAIN} (also staff.<agency>, officer.<agency>)\n"
        f"  agencies: {', '.join(slug for slug, _, _ in AGENCIES)}\n"
        f"The board accounts have a second factor: `survey demo-code manager@{DOMAIN}` prints the code an\n"
        f"authenticator app would show now."
    )


__all__ = ["DEMO_AREA", "DEMO_PASSWORD", "DemoRefused", "DemoResult", "demo_code", "demo_secret", "load"]
