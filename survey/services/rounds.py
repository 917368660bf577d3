"""Rounds: create (pinning the questionnaire's current version), open with invitations, close, and report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from survey.db import use_case
from survey.definitions import Questionnaire
from survey.models import (
    Agency,
    Answer,
    AuditEvent,
    Partnership,
    PartnershipAgency,
    Person,
    Return,
    ReturnState,
    RoleAssignment,
    Round,
    RoundPartnership,
    RoundState,
    as_utc,
    utcnow,
)
from survey.services import mail
from survey.services.definitions import ensure_version, questionnaire_of
from survey.timezone import london

# Writes one person's email about the rounds just open to them, each with the agencies they answer it for.
Invite = Callable[[Person, Sequence[tuple[Round, str]]], mail.Outgoing]


class RoundError(Exception):
    """A request about a round that cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RoundRow:
    """One line of `survey round list` and the managers' list of rounds."""

    id: int
    partnership: str
    questionnaire: str
    title: str
    state: str
    submitted: int
    returns: int
    joint_with: list[str]  # the other partnerships running a joint round

    def to_json(self) -> dict[str, object]:
        """The public JSON object."""
        out: dict[str, object] = {
            "id": self.id, "partnership": self.partnership, "questionnaire": self.questionnaire, "title": self.title,
            "state": self.state, "submitted": self.submitted, "returns": self.returns}
        if self.joint_with:
            # Only joint rounds carry the key, so every other round's object stays as it always was.
            out["joint_with"] = self.joint_with
        return out


Status = Literal["not started", "draft", "submitted", "reopened", "overdue"]


@dataclass(frozen=True, slots=True)
class AgencyStatus:
    """One agency's line on a round's dashboard."""

    return_id: int
    agency: str
    status: Status
    answered: int
    statements: int
    last_activity: dt.datetime | None
    submitted_at: dt.datetime | None
    submitted_by: str
    deadline: dt.date
    stage: Status = "not started"  # how far the return has got, even when it is overdue

    @property
    def late(self) -> bool:
        """Submitted after its deadline (the round's, or its extension), by the date in London."""
        return self.submitted_at is not None and london(self.submitted_at).date() > self.deadline

    @property
    def status_text(self) -> str:
        """The status as the dashboard says it: "Overdue: draft", "Submitted late"."""
        if self.status == "overdue":
            return f"Overdue: {self.stage}"
        if self.status == "submitted" and self.late:
            return "Submitted late"
        return self.status.capitalize()

    @property
    def percent(self) -> int:
        """Share of statements answered, as a whole percentage."""
        return round(100 * self.answered / self.statements) if self.statements else 0


@dataclass(frozen=True, slots=True)
class RoundStatus:
    """A round's dashboard."""

    round: Round
    rows: tuple[AgencyStatus, ...]

    @property
    def submitted(self) -> int:
        """Returns submitted."""
        return sum(r.status == "submitted" for r in self.rows)

    @property
    def percent_returned(self) -> int:
        """Share of returns submitted."""
        return round(100 * self.submitted / len(self.rows)) if self.rows else 0

    def counts(self) -> list[tuple[Status, int]]:
        """How many returns have each status, in the order a round goes (statuses nobody has left out)."""
        order: tuple[Status, ...] = ("not started", "draft", "reopened", "overdue", "submitted")
        return [(s, n) for s in order if (n := sum(r.status == s for r in self.rows))]

    @property
    def late(self) -> int:
        """Returns submitted after their deadline."""
        return sum(r.late for r in self.rows)


def list_rounds(session: Session, partnership_ids: Iterable[int] | None = None) -> list[RoundRow]:
    """Every round (or those of some partnerships), newest first, with submitted and total returns."""
    query = select(Round).options(selectinload(Round.partnership), selectinload(Round.definition_version),
                                  selectinload(Round.joint_partnerships).selectinload(RoundPartnership.partnership))
    if partnership_ids is not None:
        query = query.where(Round.run_by_any(partnership_ids))
    rounds = session.scalars(query.order_by(Round.id.desc())).all()
    totals = dict(session.execute(select(Return.round_id, func.count()).group_by(Return.round_id)).all())
    submitted = dict(session.execute(select(Return.round_id, func.count()).where(
        Return.state == ReturnState.SUBMITTED).group_by(Return.round_id)).all())
    return [RoundRow(r.id, r.partnership.name, r.definition_version.questionnaire_id, r.title, r.state.value,
                     submitted.get(r.id, 0), totals.get(r.id, 0), r.partnership_names[1:]) for r in rounds]


def return_of(session: Session, round_: Round, agency: str) -> Return | None:
    """The round's return from an agency named by its id or its name (in any case)."""
    named = Agency.id == int(agency) if agency.isdigit() else func.lower(Agency.name) == agency.strip().lower()
    return session.scalar(select(Return).join(Agency, Agency.id == Return.agency_id)
                          .where(Return.round_id == round_.id, named))


def get_round(session: Session, round_id: int) -> Round:
    """A round by id, or RoundError."""
    found = session.get(Round, round_id)
    if found is None:
        raise RoundError(f"there is no round {round_id}; `survey round list` shows the rounds")
    return found


@use_case
def create_round(session: Session, partnership: Partnership, questionnaire: Questionnaire, title: str,
                 opens_on: dt.date, deadline: dt.date, agency_ids: Iterable[int], by_person_id: int | None = None,
                 joint_with: Sequence[Partnership] = (), *, today: dt.date | None = None,
                 deadline_passed_ok: bool = False) -> Round:
    """Create a draft round pinning the questionnaire's current version, with a return per agency (all of them
    the partnership's own).

    `joint_with` other partnerships are asked to run it jointly: nothing of theirs takes part, and they see
    nothing of it but the proposal, until each one's manager accepts (`joint_rounds.accept`)."""
    title = title.strip()
    if not title:
        raise RoundError("Enter a title for the round, for example 'Board self-assessment 2026'")
    if len(title) > 200:
        raise RoundError("The title must be 200 characters or fewer")
    if deadline < opens_on:
        raise RoundError("The deadline must be the same as or after the opening date")
    _check_deadline(deadline, today or dt.date.today(), deadline_passed_ok, "create")
    joint = [p for p in dict.fromkeys(joint_with) if p.id != partnership.id]
    wanted = list(dict.fromkeys(agency_ids))
    check_agencies_of(session, partnership, wanted)
    round_ = Round(partnership=partnership, definition_version=ensure_version(session, questionnaire), title=title,
                   opens_on=opens_on, deadline=deadline, state=RoundState.DRAFT)
    session.add(round_)
    for other in joint:
        session.add(RoundPartnership(round=round_, partnership=other, proposed_by_id=by_person_id))
    for agency_id in wanted:
        session.add(Return(round=round_, agency_id=agency_id, partnership_id=partnership.id,
                           state=ReturnState.NOT_STARTED))
    session.flush()
    session.add(AuditEvent(person_id=by_person_id, action="round.created", round_id=round_.id, object_type="round",
                           object_id=str(round_.id), new={"title": title, "agencies": len(wanted),
                                                          "joint_proposed_to": [p.name for p in joint]}))
    return round_


def check_agencies_of(session: Session, partnership: Partnership, agency_ids: Sequence[int]) -> None:
    """RoundError unless every agency is an active agency of the partnership."""
    links = dict(session.execute(select(PartnershipAgency.agency_id, PartnershipAgency.active).where(
        PartnershipAgency.partnership_id == partnership.id, PartnershipAgency.agency_id.in_(list(agency_ids)))).all())
    outsiders = [a for a in agency_ids if a not in links]
    if outsiders:
        raise RoundError(f"Not agencies of {partnership.name}: choose from the partnership's own agencies")
    inactive = [a for a in agency_ids if not links[a]]
    if inactive:
        names = session.scalars(select(Agency.name).where(Agency.id.in_(inactive)).order_by(Agency.name)).all()
        raise RoundError(f"Deactivated agencies cannot take part: {', '.join(names)}")


class DeadlinePassed(RoundError):
    """The round's deadline is already past: the manager must confirm (a mistyped year, most likely)."""


def _check_deadline(deadline: dt.date, today: dt.date, confirmed: bool, doing: str) -> None:
    if deadline < today and not confirmed:
        raise DeadlinePassed(f"The deadline, {deadline.strftime('%-d %B %Y')}, has already passed. Check the year, "
                             f"or confirm that you want to {doing} it anyway")


@use_case
def open_round(session: Session, round_: Round, settings: mail.SmtpSettings,
               compose: Invite, by_person_id: int | None = None, *,
               today: dt.date | None = None, on_opening_date: bool = False,
               deadline_passed_ok: bool = False) -> mail.Batch:
    """Open a draft round and email everyone in its agencies (the emails are queued with the change).

    Before its opening date it opens now only when asked (the opening date becomes today); with
    `on_opening_date` it is left to open by itself on that date (`open_due`). A deadline already past needs
    `deadline_passed_ok`."""
    today = today or dt.date.today()
    if round_.state is RoundState.OPEN:
        raise RoundError(f"Round {round_.id} is already open")
    if round_.state is RoundState.CLOSED:
        raise RoundError(f"Round {round_.id} is closed; a closed round cannot be opened again")
    if not round_.returns:
        raise RoundError("A round needs at least one agency before it can open")
    _check_deadline(round_.deadline, today, deadline_passed_ok, "open")
    if on_opening_date and round_.opens_on > today:
        round_.opens_by_itself = True
        session.add(AuditEvent(person_id=by_person_id, action="round.scheduled", round_id=round_.id,
                               object_type="round", object_id=str(round_.id),
                               new={"opens_on": round_.opens_on.isoformat()}))
        return mail.Batch()
    return _open(session, round_, settings, compose, by_person_id, today)


def _open(session: Session, round_: Round, settings: mail.SmtpSettings,
          compose: Invite, by_person_id: int | None,
          today: dt.date) -> mail.Batch:
    seen = _mark_open(session, round_, by_person_id, today)
    return mail.send(session, settings, [compose(person, [(round_, agency)]) for person, agency in seen.values()])


def _mark_open(session: Session, round_: Round, by_person_id: int | None,
               today: dt.date) -> dict[int, tuple[Person, str]]:
    """Open the round (audited); the people to tell, as `members_to_invite` gives them."""
    old = {"opens_on": round_.opens_on.isoformat()} if round_.opens_on > today else None
    if old is not None:
        round_.opens_on = today  # opened early: nobody answers before the round's opening date
    round_.state = RoundState.OPEN
    round_.opened_at = utcnow()
    round_.opens_by_itself = False
    session.add(AuditEvent(person_id=by_person_id, action="round.opened", round_id=round_.id, object_type="round",
                           object_id=str(round_.id), old=old,
                           new={"opens_on": round_.opens_on.isoformat()} if old else None))
    return members_to_invite(session, round_.returns)


@use_case
def stop_opening_by_itself(session: Session, round_: Round, by_person_id: int | None = None) -> None:
    """Keep a scheduled round a draft: it no longer opens on its opening date."""
    if round_.state is not RoundState.DRAFT or not round_.opens_by_itself:
        raise RoundError(f"{round_.title} is not waiting to open by itself")
    round_.opens_by_itself = False
    session.add(AuditEvent(person_id=by_person_id, action="round.unscheduled", round_id=round_.id,
                           object_type="round", object_id=str(round_.id)))


@dataclass(frozen=True, slots=True)
class OpenedByItself:
    """A scheduled round the worker opened (or could not, and why)."""

    round_id: int
    title: str
    batch: mail.Batch
    problem: str = ""


def open_due(session: Session, settings: mail.SmtpSettings,
             compose: Invite, today: dt.date | None = None
             ) -> list[OpenedByItself]:
    """Open every scheduled round whose opening date has come.

    A partnership's rounds due the same day open in one unit of work, and each person gets one email listing
    those of them they take part in (never another board's: each board's emails are its own). A round that
    cannot open (its agencies were all removed, say) stays a draft, no longer scheduled, with an audit entry."""
    today = today or dt.date.today()
    due = session.execute(select(Round.partnership_id, Round.id).where(
        Round.state == RoundState.DRAFT, Round.opens_by_itself.is_(True), Round.opens_on <= today)
        .order_by(Round.partnership_id, Round.id)).all()
    by_partnership: dict[int, list[int]] = {}
    for partnership_id, round_id in due:
        by_partnership.setdefault(partnership_id, []).append(round_id)
    done: list[OpenedByItself] = []
    for round_ids in by_partnership.values():
        done += _open_together(session, round_ids, settings, compose, today)
    return done


@use_case
def _open_together(session: Session, round_ids: list[int], settings: mail.SmtpSettings,
                   compose: Invite,
                   today: dt.date) -> list[OpenedByItself]:
    opened: list[tuple[Round, dict[int, tuple[Person, str]]]] = []
    skipped = []
    for round_id in round_ids:
        round_ = session.get(Round, round_id, with_for_update=True, populate_existing=True)
        if round_ is None or round_.state is not RoundState.DRAFT or not round_.opens_by_itself:
            continue  # another worker opened it first
        if not round_.returns:
            round_.opens_by_itself = False
            session.add(AuditEvent(action="round.not_opened", round_id=round_.id, object_type="round",
                                   object_id=str(round_.id), new={"reason": "no agencies take part"}))
            skipped.append(OpenedByItself(round_.id, round_.title, mail.Batch(), "no agencies take part"))
            continue
        opened.append((round_, _mark_open(session, round_, None, today)))
    people: dict[int, Person] = {}
    lists: dict[int, list[tuple[Round, str]]] = {}
    for round_, seen in opened:
        for person_id, (person, agency) in seen.items():
            people[person_id] = person
            lists.setdefault(person_id, []).append((round_, agency))
    batch = mail.send(session, settings, [compose(people[pid], lists[pid]) for pid in people])
    # The one batch is reported against each round it opened: its emails are the invitations to all of them.
    return [OpenedByItself(r.id, r.title, batch) for r, _ in opened] + skipped


def members_to_invite(session: Session, returns: Iterable[Return]) -> dict[int, tuple[Person, str]]:
    """Everyone with an active membership of the returns' agencies, for the partnership each return answers
    for: person id -> (person, the names of their agencies among them), each person once."""
    pairs = sorted({(r.agency_id, r.partnership_id) for r in returns})
    if not pairs:
        return {}
    recipients = session.execute(
        select(Person, Agency.name).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .join(Agency, Agency.id == RoleAssignment.agency_id)
        .where(tuple_(RoleAssignment.agency_id, RoleAssignment.partnership_id).in_(pairs),
               RoleAssignment.active.is_(True), Person.active.is_(True))
        .order_by(Person.id)
    ).all()
    names: dict[int, list[str]] = {}
    people: dict[int, Person] = {}
    for person, agency_name in recipients:
        people[person.id] = person
        if agency_name not in names.setdefault(person.id, []):
            names[person.id].append(agency_name)
    return {pid: (people[pid], " and ".join(sorted(names[pid]))) for pid in people}


@use_case
def close_round(session: Session, round_: Round, by_person_id: int | None = None) -> None:
    """Close an open round: read-only for everyone, for good."""
    if round_.state is RoundState.CLOSED:
        raise RoundError(f"Round {round_.id} is already closed")
    if round_.state is RoundState.DRAFT:
        raise RoundError(f"Round {round_.id} has not been opened; open it first, or leave it as a draft")
    round_.state = RoundState.CLOSED
    round_.closed_at = utcnow()
    session.add(AuditEvent(person_id=by_person_id, action="round.closed", round_id=round_.id, object_type="round",
                           object_id=str(round_.id)))


def status(session: Session, round_: Round, today: dt.date | None = None) -> RoundStatus:
    """Each agency's progress in a round."""
    today = today or dt.date.today()
    statements = len(questionnaire_of(round_.definition_version).statement_ids())
    returns = session.scalars(select(Return).where(Return.round_id == round_.id)
                              .options(selectinload(Return.agency), selectinload(Return.submitted_by))).all()
    answered = dict(session.execute(
        select(Answer.return_id, func.count()).join(Return, Return.id == Answer.return_id)
        .where(Return.round_id == round_.id, Answer.rating.is_not(None) | Answer.not_applicable.is_(True))
        .group_by(Answer.return_id)).all())
    activity = dict(session.execute(
        select(Answer.return_id, func.max(Answer.updated_at)).join(Return, Return.id == Answer.return_id)
        .where(Return.round_id == round_.id).group_by(Answer.return_id)).all())
    rows = []
    for ret in returns:
        deadline = ret.deadline_extended_to or round_.deadline
        stage: Status = {"not_started": "not started", "draft": "draft", "submitted": "submitted",
                         "reopened": "reopened"}[ret.state.value]  # type: ignore[assignment]
        state = stage
        if state != "submitted" and round_.state is RoundState.OPEN and deadline < today:
            state = "overdue"
        last = activity.get(ret.id)
        rows.append(AgencyStatus(ret.id, ret.agency.name, state, answered.get(ret.id, 0), statements,
                                 as_utc(last) if last else None, as_utc(ret.submitted_at) if ret.submitted_at else None,
                                 ret.declaration_name if ret.submitted_at else "", deadline, stage))
    rows.sort(key=lambda r: r.agency)
    return RoundStatus(round_, tuple(rows))
