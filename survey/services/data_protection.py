"""Data protection: anonymising answers after a round's retention period, a person's data export and erasure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.db import after_commit, use_case
from survey.models import (
    AgencyAction,
    Answer,
    AuditEvent,
    Challenge,
    ChallengeMessage,
    EmailMessage,
    EvidenceFile,
    Moderation,
    Person,
    Return,
    RoleAssignment,
    Round,
    RoundState,
    SignInSession,
    StashedPost,
    as_utc,
    utcnow,
)
from survey.services import unsaved


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What a retention run did (or would do)."""

    rounds: tuple[str, ...]
    answers: int
    files: int


def due_rounds(session: Session, default_days: int, now: dt.datetime | None = None) -> list[Round]:
    """Closed rounds past their retention period and not yet anonymised."""
    now = now or utcnow()
    found = session.scalars(select(Round).where(Round.state == RoundState.CLOSED, Round.anonymised_at.is_(None),
                                                Round.closed_at.is_not(None))).all()
    return [r for r in found
            if r.closed_at is not None
            and as_utc(r.closed_at) + dt.timedelta(days=r.retention_days or default_days) <= now]


@use_case
def apply_retention(session: Session, default_days: int, evidence_dir: str | Path, dry_run: bool = False,
                    now: dt.datetime | None = None) -> RetentionResult:
    """Anonymise due rounds: free text, names and files go; ratings stay for year-on-year figures."""
    rounds = due_rounds(session, default_days, now)
    answers = files = 0
    for round_ in rounds:
        return_ids = [r.id for r in round_.returns]
        if not return_ids:
            continue
        answers += len(session.scalars(select(Answer.id).where(Answer.return_id.in_(return_ids))).all())
        rows = session.scalars(select(EvidenceFile).where(EvidenceFile.return_id.in_(return_ids),
                                                          EvidenceFile.storage_key != "")).all()
        files += len(rows)
        if dry_run:
            continue
        session.execute(update(Answer).where(Answer.return_id.in_(return_ids)).values(
            commentary="", evidence_notes="", evidence_links="", action_what="", action_who="", updated_by_id=None))
        session.execute(update(Return).where(Return.id.in_(return_ids)).values(
            declaration_name="", declaration_role="", submitted_by_id=None, reopened_reason=""))
        # The board's notes, challenge threads and action evidence hold the same kind of text as answers.
        session.execute(update(Moderation).where(Moderation.return_id.in_(return_ids)).values(
            note="", by_person_id=None))
        challenge_ids = select(Challenge.id).where(Challenge.return_id.in_(return_ids))
        session.execute(update(ChallengeMessage).where(ChallengeMessage.challenge_id.in_(challenge_ids)).values(
            body="(removed after the retention period)", person_id=None))
        session.execute(update(AgencyAction).where(AgencyAction.return_id.in_(return_ids)).values(
            who="", evidence="", updated_by_id=None))
        for row in rows:
            # The bytes go only once the rows saying they are gone have committed.
            after_commit(session, lambda path=Path(evidence_dir) / row.storage_key: path.unlink(missing_ok=True))
            row.filename, row.storage_key, row.deleted_at = "removed", f"removed-{row.id}", utcnow()
        unsaved.forget_returns(session, return_ids)  # versions kept from edit conflicts hold answers' text
        session.execute(update(AuditEvent).where(AuditEvent.return_id.in_(return_ids)).values(old=None, new=None))
        round_.anonymised_at = utcnow()
        session.add(AuditEvent(action="round.anonymised", round_id=round_.id, object_type="round",
                               object_id=str(round_.id)))
    return RetentionResult(tuple(r.title for r in rounds), answers, files)


def export_person(session: Session, person: Person) -> dict[str, Any]:
    """Everything held about a person, as plain data (a subject access request)."""
    def when(moment: dt.datetime | None) -> str | None:
        return as_utc(moment).isoformat() if moment else None

    answers = session.scalars(select(Answer).where(Answer.updated_by_id == person.id)).all()
    return {
        "person": {"id": person.id, "name": person.name, "email": person.email, "job_title": person.job_title,
                   "active": person.active, "created_at": when(person.created_at),
                   "last_sign_in_at": when(person.last_sign_in_at)},
        "roles": [{"role": r.role.value, "agency": r.agency.name if r.agency else None,
                   "partnership": r.partnership.name if r.partnership else None}
                  for r in session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == person.id))],
        "sign_ins": [{"started": when(s.created_at), "last_seen": when(s.last_seen_at), "ended": when(s.ended_at)}
                     for s in session.scalars(select(SignInSession).where(SignInSession.person_id == person.id))],
        "answers_last_edited": [{"round": a.return_.round.title, "agency": a.return_.agency.name,
                                 "statement": a.statement_id, "rating": a.rating, "commentary": a.commentary,
                                 "updated_at": when(a.updated_at)} for a in answers],
        "declarations": [{"round": r.round.title, "agency": r.agency.name, "name": r.declaration_name,
                          "role": r.declaration_role, "submitted_at": when(r.submitted_at)}
                         for r in session.scalars(select(Return).where(Return.submitted_by_id == person.id))],
        "activity": [{"at": when(e.at), "action": e.action, "object": f"{e.object_type} {e.object_id}".strip()}
                     for e in session.scalars(select(AuditEvent).where(AuditEvent.person_id == person.id)
                                              .order_by(AuditEvent.at))],
        "emails": [{"subject": m.subject, "kind": m.kind, "sent_at": when(m.sent_at)}
                   for m in session.scalars(select(EmailMessage).where(EmailMessage.to_address == person.email))],
        "challenge_messages": [{"challenge": m.challenge_id, "body": m.body, "at": when(m.created_at)}
                               for m in session.scalars(select(ChallengeMessage).where(
                                   ChallengeMessage.person_id == person.id))],
        "moderations": [{"return": m.return_id, "statement": m.statement_id, "rating": m.rating, "note": m.note}
                        for m in session.scalars(select(Moderation).where(Moderation.by_person_id == person.id))],
    }


@use_case
def erase_person(session: Session, person: Person, by_person_id: int | None = None) -> None:
    """Erase a person: identity gone, sign-in impossible, roles removed; records stay under a pseudonym."""
    pseudonym = f"Erased person {person.id}"
    old_email = person.email
    session.execute(update(Return).where(Return.submitted_by_id == person.id).values(
        declaration_name=pseudonym, declaration_role=""))
    session.execute(update(EmailMessage).where(EmailMessage.to_address == old_email).values(
        to_address=f"erased-{person.id}@invalid", body=""))
    session.execute(update(SignInSession).where(SignInSession.person_id == person.id,
                                                SignInSession.ended_at.is_(None)).values(ended_at=utcnow()))
    for row in session.scalars(select(StashedPost).where(StashedPost.person_id == person.id)):
        session.delete(row)
    for role in session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == person.id)):
        session.delete(role)
    person.name, person.email, person.job_title = pseudonym, f"erased-{person.id}@invalid", ""
    person.password_hash, person.active, person.erased_at = None, False, utcnow()
    session.add(AuditEvent(person_id=by_person_id, action="person.erased", object_type="person",
                           object_id=str(person.id)))


def find(session: Session, email: str) -> Person | None:
    """A person by email (case-insensitive)."""
    from survey.services.accounts import find_person

    return find_person(session, email)


__all__ = ["RetentionResult", "apply_retention", "due_rounds", "erase_person", "export_person", "find"]
