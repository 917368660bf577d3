"""Data protection: anonymising answers after a round's retention period, a person's data export and erasure."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from survey.db import after_commit, use_case
from survey.models import (
    ActionNote,
    AgencyAction,
    Answer,
    AreaAction,
    AuditEvent,
    Challenge,
    ChallengeMessage,
    DevelopmentArea,
    EmailMessage,
    EvidenceFile,
    Moderation,
    Person,
    RateLimit,
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
            declaration_name="", declaration_role="", submitted_by_id=None, reopened_reason="",
            extension_reason=""))
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
            after_commit(session, functools.partial((Path(evidence_dir) / row.storage_key).unlink, missing_ok=True))
            row.filename, row.storage_key, row.deleted_at = "removed", f"removed-{row.id}", utcnow()
        unsaved.forget_returns(session, return_ids)  # versions kept from edit conflicts hold answers' text
        # Stored copies of emails about the round (confirmations hold the answers, reopen notices the reasons).
        session.execute(update(EmailMessage).where(EmailMessage.round_id == round_.id).values(body=""))
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
        "action_notes": [{"action": n.action_id, "text": n.text, "evidence_links": n.links,
                          "at": when(n.written_at)}
                         for n in session.scalars(select(ActionNote).where(ActionNote.by_id == person.id))],
        "moderations": [{"return": m.return_id, "statement": m.statement_id, "rating": m.rating, "note": m.note}
                        for m in session.scalars(select(Moderation).where(Moderation.by_person_id == person.id))],
    }


@dataclass(frozen=True, slots=True)
class Erased:
    """What erasing a person changed, and what stays (and why), to tell them."""

    pseudonym: str
    texts_rewritten: int  # free text, emails and audit entries where their name or address was replaced
    declarations: int  # submitted returns they signed: kept, signed by the pseudonym (the agency's record)
    answers: int  # answers they last saved: kept, as part of their agency's return
    actions: int  # audit entries of what they did: kept, under the pseudonym


# Free text where other people may have written a person's name, and where they are replaced on erasure.
_FREE_TEXT: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Answer, ("commentary", "evidence_notes", "evidence_links", "action_what", "action_who")),
    (ChallengeMessage, ("body",)),
    (Moderation, ("note",)),
    (AgencyAction, ("who", "evidence")),
    (AreaAction, ("owner_name", "what", "rag_reason")),
    (ActionNote, ("text", "evidence_links")),
    (DevelopmentArea, ("title", "rationale")),
    (EmailMessage, ("subject", "body")),
)


def _replacer(words: list[str], pseudonym: str) -> Callable[[str], str]:
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(words, key=len, reverse=True)),
                         re.IGNORECASE)
    return lambda text: pattern.sub(pseudonym, text)


def _scrub(value: Any, replace: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, dict):
        return {k: _scrub(v, replace) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, replace) for v in value]
    return value


@use_case
def erase_person(session: Session, person: Person, by_person_id: int | None = None) -> Erased:
    """Erase a person: identity gone, sign-in impossible, roles removed, their name and address replaced wherever
    they were written (by anyone: free text, stored emails, audit entries, rate-limit keys); the records of what
    they did stay under a pseudonym."""
    pseudonym = f"Erased person {person.id}"
    old_email, old_name = person.email, person.name
    words = [w for w in {old_email, old_name} if len(w.strip()) >= 3]
    replace = _replacer(words, pseudonym)
    rewritten = 0
    for model, columns in _FREE_TEXT:
        for column in columns:
            attribute = getattr(model, column)
            for row in session.scalars(select(model).where(or_(*(attribute.icontains(w) for w in words)))):
                text = getattr(row, column)
                if isinstance(text, str) and replace(text) != text:
                    setattr(row, column, replace(text))
                    rewritten += 1
    for event in session.scalars(select(AuditEvent).where(or_(
            (AuditEvent.object_type == "person") & (AuditEvent.object_id == str(person.id)),
            *(cast(AuditEvent.old, Text).icontains(w) for w in words),
            *(cast(AuditEvent.new, Text).icontains(w) for w in words)))):
        old, new = _scrub(event.old, replace), _scrub(event.new, replace)
        if (old, new) != (event.old, event.new):
            event.old, event.new = old, new
            rewritten += 1
    session.execute(delete(RateLimit).where(RateLimit.key.icontains(old_email)))
    declarations = session.execute(update(Return).where(Return.submitted_by_id == person.id).values(
        declaration_name=pseudonym, declaration_role="")).rowcount  # type: ignore[attr-defined]
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
    answers = session.scalar(select(func.count()).select_from(Answer).where(Answer.updated_by_id == person.id)) or 0
    actions = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.person_id == person.id)) or 0
    return Erased(pseudonym, rewritten, declarations, answers, actions)


@dataclass(frozen=True, slots=True)
class Housekept:
    """What a housekeeping pass removed."""

    rate_limits: int
    sessions: int
    stashes: int


SESSIONS_KEPT = dt.timedelta(days=30)  # ended sign-in sessions, kept a while for security reviews


@use_case
def housekeeping(session: Session, now: dt.datetime | None = None) -> Housekept:
    """Remove what has expired: rate-limit counters, sign-in sessions ended over 30 days ago, and form data kept
    for a person past its two days (versions kept from edit conflicts wait for their person's choice)."""
    import time

    from survey.services import pending_uploads, stash

    now = now or utcnow()
    limits = session.execute(delete(RateLimit).where(RateLimit.expires_at < time.time())).rowcount  # type: ignore[attr-defined]
    sessions = session.execute(delete(SignInSession).where(
        SignInSession.ended_at.is_not(None), SignInSession.ended_at < now - SESSIONS_KEPT)).rowcount  # type: ignore[attr-defined]
    stashes = session.execute(delete(StashedPost).where(
        StashedPost.kind != unsaved.KIND, StashedPost.created_at < now - max(stash.KEEP_FOR,
                                                                             pending_uploads.KEEP_FOR))).rowcount  # type: ignore[attr-defined]
    return Housekept(limits, sessions, stashes)


def find(session: Session, email: str) -> Person | None:
    """A person by email (case-insensitive)."""
    from survey.services.accounts import find_person

    return find_person(session, email)


__all__ = ["RetentionResult", "apply_retention", "due_rounds", "erase_person", "export_person", "find"]
