"""Moderation and challenge of submitted returns, while their round is open.

A moderated rating sits beside the agency's own rating (never replacing it); the agency sees it with the note.
A challenge is a question about one statement; the agency lead answers in the product and the thread is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.db import use_case
from survey.definitions import Questionnaire, format_value
from survey.models import (
    Answer,
    AuditEvent,
    Challenge,
    ChallengeMessage,
    ChallengeState,
    Moderation,
    Person,
    Return,
    ReturnState,
    Role,
    RoundState,
    utcnow,
)
from survey.services import mail
from survey.services.access import agency_people, partnership_managers
from survey.services.definitions import questionnaire_of
from survey.text import possessive

NOTE_MAX = 2000
MESSAGE_MAX = 4000


class ModerationError(Exception):
    """A moderation or challenge that cannot be made; the message says why."""

    def __init__(self, message: str, field: str = "") -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class StatementView:
    """One statement of a return: the agency's answer, the board's moderation and any challenges."""

    statement_id: str
    text: str
    duty: str
    answer: Answer | None
    moderation: Moderation | None
    challenges: tuple[Challenge, ...]


def _check_open(ret: Return, what: str) -> None:
    if ret.round.state is RoundState.CLOSED:
        raise ModerationError(f"{ret.round.title} is closed: its returns can no longer be {what}")
    if ret.state is not ReturnState.SUBMITTED:
        raise ModerationError(f"{possessive(ret.agency.name)} return has not been submitted, so it cannot be "
                              f"{what} yet")


def _statement(questionnaire: Questionnaire, statement_id: str) -> None:
    if statement_id not in questionnaire.statement_ids():
        raise ModerationError(f"There is no statement {statement_id!r} in this questionnaire")


def statements_of(session: Session, ret: Return) -> list[StatementView]:
    """Every statement of a return with its answer, moderation and challenges, in questionnaire order."""
    questionnaire = questionnaire_of(ret.round.definition_version)
    answers = {a.statement_id: a for a in session.scalars(select(Answer).where(Answer.return_id == ret.id))}
    moderations = {m.statement_id: m for m in session.scalars(select(Moderation).where(Moderation.return_id == ret.id))}
    challenges: dict[str, list[Challenge]] = {}
    for c in session.scalars(select(Challenge).where(Challenge.return_id == ret.id)
                             .options(selectinload(Challenge.messages).selectinload(ChallengeMessage.person))
                             .order_by(Challenge.id)):
        challenges.setdefault(c.statement_id, []).append(c)
    return [StatementView(st.id, st.text, duty.title, answers.get(st.id), moderations.get(st.id),
                          tuple(challenges.get(st.id, ()))) for _, duty, st in questionnaire.statements()]


@use_case
def set_moderation(session: Session, ret: Return, statement_id: str, rating_text: str, note: str,
                   by_person_id: int | None) -> Moderation | None:
    """Set (or, with a blank rating, remove) the moderated rating of one statement; the agency's rating stays."""
    _check_open(ret, "moderated")
    questionnaire = questionnaire_of(ret.round.definition_version)
    _statement(questionnaire, statement_id)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ModerationError(f"The note must be {NOTE_MAX} characters or fewer", "note")
    existing = session.scalar(select(Moderation).where(Moderation.return_id == ret.id,
                                                       Moderation.statement_id == statement_id))
    if not rating_text.strip():
        if existing is not None:
            session.delete(existing)
            session.add(AuditEvent(person_id=by_person_id, action="moderation.removed", round_id=ret.round_id,
                                   return_id=ret.id, object_type="statement", object_id=statement_id,
                                   old={"rating": existing.rating, "note": existing.note}))
        return None
    try:
        rating = float(rating_text)
    except ValueError:
        raise ModerationError("Choose a rating on the scale", "rating") from None
    if rating not in questionnaire.scale.values():
        raise ModerationError(f"{rating_text} is not on the scale "
                              f"({', '.join(format_value(v) for v in questionnaire.scale.values())})", "rating")
    if not note:
        raise ModerationError("Give a note saying why the board's rating differs or agrees", "note")
    old = {"rating": existing.rating, "note": existing.note} if existing else None
    if existing is None:
        existing = Moderation(return_id=ret.id, statement_id=statement_id, rating=rating, note=note,
                              by_person_id=by_person_id)
        session.add(existing)
    else:
        existing.rating, existing.note, existing.by_person_id = rating, note, by_person_id
    session.add(AuditEvent(person_id=by_person_id, action="moderation.set", round_id=ret.round_id, return_id=ret.id,
                           object_type="statement", object_id=statement_id, old=old,
                           new={"rating": rating, "note": note}))
    return existing


def _clean_message(body: str) -> str:
    body = body.strip()
    if not body:
        raise ModerationError("Write the message", "body")
    if len(body) > MESSAGE_MAX:
        raise ModerationError(f"The message must be {MESSAGE_MAX} characters or fewer", "body")
    return body


def _leads(session: Session, ret: Return) -> list[Person]:
    """The active leads of the return's agency: they answer the board's challenges."""
    return [p for p in agency_people(session, ret.agency_id, ret.partnership_id)
            if any(r.role is Role.LEAD and r.agency_id == ret.agency_id for r in p.roles)]


def _warning(session: Session, settings: mail.SmtpSettings | None, batch: mail.Batch) -> str:
    """Once the change has committed: whether its emails could not be sent yet (it is saved all the same)."""
    problem = mail.problem(session, settings, batch) if settings is not None else ""
    return f"Saved, but {problem}" if problem else ""


def raise_challenge(session: Session, ret: Return, statement_id: str, question: str, by_person_id: int | None,
                    settings: mail.SmtpSettings, compose: Callable[[Person, Challenge], mail.Outgoing]
                    ) -> tuple[Challenge, str]:
    """Ask the agency a question about one statement; its lead is emailed. Returns the challenge and any warning."""
    challenge, batch = _raise(session, ret, statement_id, question, by_person_id, settings, compose)
    return challenge, _warning(session, settings, batch)


@use_case
def _raise(session: Session, ret: Return, statement_id: str, question: str, by_person_id: int | None,
           settings: mail.SmtpSettings, compose: Callable[[Person, Challenge], mail.Outgoing]
           ) -> tuple[Challenge, mail.Batch]:
    _check_open(ret, "challenged")
    _statement(questionnaire_of(ret.round.definition_version), statement_id)
    body = _clean_message(question)
    challenge = Challenge(return_id=ret.id, statement_id=statement_id, raised_by_id=by_person_id)
    challenge.messages.append(ChallengeMessage(person_id=by_person_id, from_board=True, body=body))
    session.add(challenge)
    session.flush()
    session.add(AuditEvent(person_id=by_person_id, action="challenge.raised", round_id=ret.round_id,
                           return_id=ret.id, object_type="challenge", object_id=str(challenge.id)))
    return challenge, mail.send(session, settings, [compose(p, challenge) for p in _leads(session, ret)])


def reply(session: Session, challenge: Challenge, body: str, person_id: int, from_board: bool,
          settings: mail.SmtpSettings | None = None,
          compose: Callable[[Person, Challenge], mail.Outgoing] | None = None) -> str:
    """Add to a challenge's thread: the agency's answer (it becomes answered) or the board's follow-up; any
    warning about its emails."""
    return _warning(session, settings, _reply(session, challenge, body, person_id, from_board, settings, compose))


@use_case
def _reply(session: Session, challenge: Challenge, body: str, person_id: int, from_board: bool,
           settings: mail.SmtpSettings | None, compose: Callable[[Person, Challenge], mail.Outgoing] | None
           ) -> mail.Batch:
    ret = challenge.return_
    if ret.round.state is RoundState.CLOSED:
        raise ModerationError(f"{ret.round.title} is closed: its challenges can no longer be answered")
    if challenge.state is ChallengeState.CLOSED:
        raise ModerationError("This challenge is closed")
    text = _clean_message(body)
    challenge.messages.append(ChallengeMessage(person_id=person_id, from_board=from_board, body=text))
    challenge.state = ChallengeState.OPEN if from_board else ChallengeState.ANSWERED
    session.add(AuditEvent(person_id=person_id, action="challenge.followed_up" if from_board else "challenge.answered",
                           round_id=ret.round_id, return_id=ret.id, object_type="challenge",
                           object_id=str(challenge.id)))
    if settings is None or compose is None:
        return mail.Batch()
    # The board's follow-up goes to the agency's leads; the agency's answer to the partnership's managers.
    people = _leads(session, ret) if from_board else partnership_managers(session, ret.partnership_id)
    return mail.send(session, settings, [compose(p, challenge) for p in people])



@use_case
def close_challenge(session: Session, challenge: Challenge, by_person_id: int | None) -> None:
    """The board is satisfied: close the challenge (its thread is kept)."""
    if challenge.state is ChallengeState.CLOSED:
        raise ModerationError("This challenge is already closed")
    challenge.state = ChallengeState.CLOSED
    challenge.closed_at = utcnow()
    session.add(AuditEvent(person_id=by_person_id, action="challenge.closed", round_id=challenge.return_.round_id,
                           return_id=challenge.return_id, object_type="challenge", object_id=str(challenge.id)))


def challenges_of_round(session: Session, round_id: int) -> list[Challenge]:
    """Every challenge of a round, by agency, open ones first."""
    rows = session.scalars(select(Challenge).join(Return).where(Return.round_id == round_id)
                           .options(selectinload(Challenge.return_).selectinload(Return.agency),
                                    selectinload(Challenge.messages))).all()
    order = {ChallengeState.OPEN: 0, ChallengeState.ANSWERED: 1, ChallengeState.CLOSED: 2}
    return sorted(rows, key=lambda c: (c.return_.agency.name.lower(), order[c.state], c.id))


__all__ = ["ModerationError", "StatementView", "challenges_of_round", "close_challenge", "raise_challenge", "reply",
           "set_moderation", "statements_of"]
