"""Queries and notifications around an agency's returns (lists, evidence, confirmations)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from survey.db import unit_of_work
from survey.definitions import Questionnaire
from survey.models import Answer, EvidenceFile, Person, Return, Round, RoundPartnership, RoundState
from survey.services import board_email, email_texts, mail
from survey.services.access import Membership, member_returns
from survey.services.returns import editors_of


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """A line on the agency home page."""

    ret: Return
    answered: int
    total: int
    deadline: dt.date
    overdue: bool


def deadline_of(ret: Return) -> dt.date:
    """The agency's deadline: the round's, or its extension."""
    return ret.deadline_extended_to or ret.round.deadline


def for_memberships(session: Session, memberships: frozenset[Membership]) -> list[ReturnRow]:
    """Returns of these memberships in open and closed rounds, open rounds first, soonest deadline first."""
    if not memberships:
        return []
    found = session.scalars(
        select(Return).join(Round).where(member_returns(memberships), Round.state != RoundState.DRAFT)
        .options(selectinload(Return.round).selectinload(Round.definition_version), selectinload(Return.agency),
                 selectinload(Return.round).selectinload(Round.partnership),
                 selectinload(Return.round).selectinload(Round.joint_partnerships)
                 .selectinload(RoundPartnership.partnership))
    ).all()
    counts: dict[int, int] = dict(session.execute(
        select(Answer.return_id, func.count()).where(
            Answer.return_id.in_([r.id for r in found]),
            (Answer.rating.is_not(None)) | Answer.not_applicable.is_(True))
        .group_by(Answer.return_id)
    ).all())
    from survey.services.definitions import questionnaire_of

    today = dt.date.today()
    rows = []
    for ret in found:
        total = len(questionnaire_of(ret.round.definition_version).statement_ids())
        deadline = deadline_of(ret)
        rows.append(ReturnRow(ret, counts.get(ret.id, 0), total, deadline,
                              ret.round.state is RoundState.OPEN and deadline < today
                              and ret.submitted_at is None))
    rows.sort(key=lambda r: (r.ret.round.state is not RoundState.OPEN, r.deadline, r.ret.agency.name))
    return rows


def evidence_by_statement(session: Session, return_id: int) -> dict[str, list[EvidenceFile]]:
    """The return's current evidence files, by statement."""
    out: dict[str, list[EvidenceFile]] = defaultdict(list)
    for row in session.scalars(select(EvidenceFile).where(EvidenceFile.return_id == return_id,
                                                          EvidenceFile.deleted_at.is_(None))
                               .order_by(EvidenceFile.uploaded_at)):
        out[row.statement_id].append(row)
    return out


def evidence_row(session: Session, return_id: int, file_id: int) -> EvidenceFile | None:
    """One current evidence file of this return (None for another return's file)."""
    row = session.get(EvidenceFile, file_id)
    if row is None or row.return_id != return_id or row.deleted_at is not None:
        return None
    return row


def person(session: Session, person_id: int) -> Person:
    """A person by id."""
    found = session.get(Person, person_id)
    assert found is not None  # noqa: S101 - the signed-in person exists
    return found


def send_confirmation(session: Session, ret: Return, questionnaire: Questionnaire, config: Any,
                      print_link: str) -> bool:
    """Email the agency's lead and contributors a copy of the submitted answers; False if sending failed."""
    answers = {a.statement_id: a for a in ret.answers}
    files = evidence_by_statement(session, ret.id)
    body_for = {}
    for recipient in editors_of(session, ret):
        body_for[recipient.email] = email_texts.render("submitted.txt", config, person=recipient, ret=ret,
                                                       q=questionnaire, answers=answers, files=files,
                                                       link=print_link)
    board = board_email.board_of(ret, ret.partnership_id)
    messages = [board_email.signed(mail.Outgoing(email, f"Submitted: {ret.round.title} – {ret.agency.name}", body,
                                                 "submission", ret.round_id, ret.id), board)
                for email, body in body_for.items()]
    settings = mail.SmtpSettings.from_config(config)
    with unit_of_work(session):
        batch = mail.send(session, settings, messages)
    return not mail.problem(session, settings, batch)


def confirmation_sent(session: Session, ret: Return) -> str:
    """How the email with the submitted answers is doing (since the last submission): "sent" if it reached the
    mail server for at least one of the agency's people, "queued" if it waits in the outbox, "retrying" if the
    mail server could not take it yet, else "failed"."""
    from survey.models import EmailMessage, MailState

    query = select(EmailMessage.state, EmailMessage.attempts).where(EmailMessage.return_id == ret.id,
                                                                    EmailMessage.kind == "submission")
    if ret.submitted_at is not None:
        query = query.where(EmailMessage.created_at >= ret.submitted_at)
    rows = session.execute(query).all()
    states = {state for state, _ in rows}
    if MailState.SENT in states:
        return "sent"
    if MailState.QUEUED in states:
        return "retrying" if all(tries for state, tries in rows if state is MailState.QUEUED) else "queued"
    return "failed"
