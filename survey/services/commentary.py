"""The board manager's review of partner commentary before the chair reads it: each comment with its suggested
redactions, which the manager accepts or edits; a comment can be hidden, or chosen as one of the "Examples of
commentary by partners" that Appendix 3 prints."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import use_case
from survey.definitions import Questionnaire
from survey.models import Agency, Answer, AuditEvent, CommentReview, Person, Return, ReturnState, RoleAssignment, Round
from survey.services.definitions import questionnaire_of

MAX_SHOWN = 5000


class ReviewError(Exception):
    """A review that cannot be saved; the message says why."""

    def __init__(self, message: str, answer_id: int) -> None:
        super().__init__(message)
        self.answer_id = answer_id


def digest(text: str) -> str:
    """What a review is tied to: the comment's text as the agency wrote it."""
    return hashlib.sha256(text.strip().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One submitted comment as the manager reviews it."""

    answer_id: int
    duty_title: str
    statement_text: str
    agency: str
    written: str
    suggested: str  # with names, short names, emails and phone numbers removed
    shown: str  # what the chair reads (the suggestion, or the manager's edit)
    hidden: bool
    example: bool
    reviewed: bool


@dataclass(frozen=True, slots=True)
class Choice:
    """The manager's decision on one comment."""

    shown: str
    hidden: bool = False
    example: bool = False


def reviews_for(session: Session, answer_ids: list[int]) -> dict[int, CommentReview]:
    """The reviews of these answers' comments, by answer id."""
    if not answer_ids:
        return {}
    return {r.answer_id: r for r in session.scalars(select(CommentReview).where(
        CommentReview.answer_id.in_(answer_ids)))}


def current(review: CommentReview | None, written: str) -> CommentReview | None:
    """The review, if it still applies to the comment as written now."""
    return review if review is not None and review.source_digest == digest(written) else None


def items(session: Session, round_: Round) -> list[ReviewItem]:
    """Every comment of the round's submitted returns, in questionnaire order, with its review."""
    questionnaire = questionnaire_of(round_.definition_version)
    place = {st.id: (i, duty.title, st.text) for i, (_, duty, st) in enumerate(questionnaire.statements())}
    names = redactor(session, round_) if questionnaire.anonymous_results else None
    rows = session.execute(select(Answer.id, Answer.statement_id, Answer.commentary, Agency.name).select_from(Answer)
                           .join(Return, Return.id == Answer.return_id).join(Agency, Agency.id == Return.agency_id)
                           .where(Return.round_id == round_.id, Return.state == ReturnState.SUBMITTED,
                                  Answer.commentary != "")).all()
    reviews = reviews_for(session, [r[0] for r in rows])
    out = []
    for answer_id, statement_id, written, agency in rows:
        if statement_id not in place or not written.strip():
            continue
        order, duty_title, statement_text = place[statement_id]
        suggested = redact(written.strip(), names) if questionnaire.anonymous_results else written.strip()
        review = current(reviews.get(answer_id), written)
        shown = review.shown_text if review is not None and review.shown_text else suggested
        out.append((order, ReviewItem(answer_id, duty_title, statement_text, agency, written.strip(), suggested,
                                      shown, review.hidden if review else False,
                                      review.example if review else False, review is not None)))
    out.sort(key=lambda pair: (pair[0], pair[1].shown.lower()))
    return [item for _, item in out]


@use_case
def save(session: Session, round_: Round, choices: dict[int, Choice], by_person_id: int | None) -> int:
    """Record the manager's review of these comments (of the round's submitted returns only); how many changed."""
    listed = {i.answer_id: i for i in items(session, round_)}
    reviews = reviews_for(session, list(listed))
    changed = 0
    for answer_id, choice in choices.items():
        item = listed.get(answer_id)
        if item is None:
            continue  # not a comment of this round's submitted returns: nothing to review
        shown = choice.shown.replace("\r\n", "\n").strip()
        if len(shown) > MAX_SHOWN:
            raise ReviewError(f"What the chair reads must be {MAX_SHOWN} characters or fewer", answer_id)
        if not shown and not choice.hidden:
            raise ReviewError("Write what the chair reads, or hide the comment", answer_id)
        if choice.hidden and choice.example:
            raise ReviewError("A hidden comment cannot be an example: untick one of them", answer_id)
        kept = "" if shown == item.suggested else shown
        review = reviews.get(answer_id)
        state = (kept, choice.hidden, choice.example)
        if review is not None and review.source_digest == digest(item.written) and (
                review.shown_text, review.hidden, review.example) == state:
            continue
        if review is None and state == ("", False, False):
            continue  # accepted as suggested: nothing to record
        if review is None:
            review = CommentReview(answer_id=answer_id)
            session.add(review)
        review.source_digest = digest(item.written)
        review.shown_text, review.hidden, review.example, review.by_person_id = (*state, by_person_id)
        session.add(AuditEvent(person_id=by_person_id, action="comment.reviewed", round_id=round_.id,
                               object_type="answer", object_id=str(answer_id),
                               new={"hidden": choice.hidden, "example": choice.example, "edited": bool(kept)}))
        changed += 1
    return changed


@dataclass(frozen=True, slots=True)
class Comment:
    """One anonymised piece of partner commentary."""

    statement_id: str
    text: str
    agency: str = ""  # who wrote it: only where the questionnaire's results are not anonymous
    example: bool = False  # chosen by the board manager as an example of commentary by partners


# Contact details say who wrote a comment as surely as a name does.
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|\(?0)\d(?:[\s-]?\d){8,9}\b")


def redact(text: str, names: re.Pattern[str] | None) -> str:
    """Commentary as the chair may read it: names, short names, email addresses and phone numbers removed."""
    text = EMAIL.sub("[email removed]", text)
    text = PHONE.sub("[phone removed]", text)
    return names.sub("[name removed]", text) if names else text


def redactor(session: Session, round_: Round) -> re.Pattern[str] | None:
    """The names to remove from a round's commentary: its agencies', their short names, and their people's."""
    agency_ids = [r.agency_id for r in round_.returns]
    names = set(session.scalars(select(Agency.name).where(Agency.id.in_(agency_ids))))
    names |= set(session.scalars(select(Person.name).join(RoleAssignment).where(
        RoleAssignment.agency_id.in_(agency_ids))))
    names = {n.strip() for n in names if len(n.strip()) >= 3}
    # Short names the managers gave may be two letters ("YJ"); they chose them, so each is meant.
    for short in session.scalars(select(Agency.short_names).where(Agency.id.in_(agency_ids))):
        names |= {n.strip() for n in short.split(",") if len(n.strip()) >= 2}
    if not names:
        return None
    # Longest first, so "Essex Police Authority" goes before "Essex Police"; whole words only, so that someone
    # called Ali leaves "Quality" alone.
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def comments_by_duty(session: Session, round_: Round, questionnaire: Questionnaire,
                     return_ids: frozenset[int] | None = None) -> dict[str, list[Comment]]:
    """Submitted commentary per duty (of these returns, when given), sorted by text: without agency or author and
    with names and contact details removed, unless the questionnaire says its results are not anonymous
    (`anonymous_results: false`), when each comment is shown as written with its agency."""
    duty_of = {st.id: duty.id for _, duty, st in questionnaire.statements()}
    anonymous = questionnaire.anonymous_results
    names = redactor(session, round_) if anonymous else None
    out: dict[str, list[Comment]] = {duty.id: [] for _, duty in questionnaire.duties()}
    query = select(Answer.id, Answer.statement_id, Answer.commentary, Agency.name).select_from(Answer).join(
        Return, Return.id == Answer.return_id).join(Agency, Agency.id == Return.agency_id).where(
        Return.round_id == round_.id, Return.state == ReturnState.SUBMITTED, Answer.commentary != "")
    if return_ids is not None:
        query = query.where(Return.id.in_(sorted(return_ids) or [-1]))
    rows = session.execute(query).all()
    reviews = reviews_for(session, [r[0] for r in rows])
    for answer_id, statement_id, text, agency in rows:
        if statement_id not in duty_of or not text.strip():
            continue
        review = current(reviews.get(answer_id), text)
        if review is not None and review.hidden:
            continue
        shown = review.shown_text if review is not None and review.shown_text else (
            redact(text.strip(), names) if anonymous else text.strip())
        out[duty_of[statement_id]].append(Comment(statement_id, shown, "" if anonymous else agency,
                                                  review is not None and review.example))
    order = {sid: i for i, sid in enumerate(duty_of)}
    for comments in out.values():
        comments.sort(key=lambda c: (order[c.statement_id], c.text.lower()))
    return out
