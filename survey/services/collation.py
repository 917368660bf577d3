"""A round's answers from the database to collated figures, through the one scoring function."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import scoring
from survey.definitions import Questionnaire
from survey.models import Answer, Moderation, Return, ReturnState, Round
from survey.services.definitions import questionnaire_of


@dataclass(frozen=True, slots=True)
class RoundRatings:
    """The ratings of a round as int8 codes (returns x statements; 0 = not rated)."""

    questionnaire: Questionnaire
    layout: scoring.Layout
    return_ids: tuple[int, ...]
    codes: npt.NDArray[np.int8]


def _rating(moderated: bool) -> tuple[Any, Any]:
    """The rating column and the condition for counting it: the agency's own, or the moderated one where present."""
    if not moderated:
        return Answer.rating, (Answer.rating.is_not(None)) & Answer.not_applicable.is_(False)
    rating = func.coalesce(Moderation.rating, Answer.rating)
    return rating, rating.is_not(None) & (Answer.not_applicable.is_(False) | Moderation.id.is_not(None))


def _with_moderation(query: Any, moderated: bool) -> Any:
    if not moderated:
        return query
    return query.outerjoin(Moderation, (Moderation.return_id == Answer.return_id)
                           & (Moderation.statement_id == Answer.statement_id))


def round_ratings(session: Session, round_id: int, submitted_only: bool = True,
                  moderated: bool = False) -> RoundRatings:
    """Fetch a round's ratings straight into a code matrix (columns fetched as tuples: no ORM objects).

    With `moderated`, a moderated rating replaces the agency's own where there is one."""
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise LookupError(f"no round {round_id}")
    questionnaire = questionnaire_of(round_.definition_version)
    layout = scoring.layout_for(questionnaire)
    returns = select(Return.id).where(Return.round_id == round_id)
    if submitted_only:
        returns = returns.where(Return.state == ReturnState.SUBMITTED)
    return_ids = tuple(session.scalars(returns.order_by(Return.id)))
    row_of = {rid: i for i, rid in enumerate(return_ids)}
    column_of = {sid: j for j, sid in enumerate(layout.statement_ids)}
    code_of = {value: k for k, value in enumerate(layout.values, start=1)}
    codes = np.zeros((len(return_ids), len(layout.statement_ids)), dtype=np.int8)
    if return_ids:
        rating, counted = _rating(moderated)
        rows = session.execute(_with_moderation(
            select(Answer.return_id, Answer.statement_id, rating).join(Return, Return.id == Answer.return_id),
            moderated).where(Return.round_id == round_id, counted))
        r_index, c_index, k_index = [], [], []
        for return_id, statement_id, rating in rows:
            row, column, code = row_of.get(return_id), column_of.get(statement_id), code_of.get(rating)
            if row is not None and column is not None and code is not None:
                r_index.append(row)
                c_index.append(column)
                k_index.append(code)
        codes[r_index, c_index] = k_index
    return RoundRatings(questionnaire, layout, return_ids, codes)


def collate_round(session: Session, round_id: int, submitted_only: bool = True,
                  moderated: bool = False, return_ids: Collection[int] | None = None) -> list[scoring.Figures]:
    """Figures for every statement, duty and section of a round (submitted returns only, by default; moderated
    ratings where present, if asked; only the returns `return_ids` names, when given: a publication's).

    The figures need only how often each statement got each rating, so the database counts (a few hundred rows
    instead of one per answer) and the counts table goes straight into the scoring function."""
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise LookupError(f"no round {round_id}")
    layout = scoring.layout_for(questionnaire_of(round_.definition_version))
    rating, counted = _rating(moderated)
    query = (_with_moderation(select(Answer.statement_id, rating, func.count())
                              .join(Return, Return.id == Answer.return_id), moderated)
             .where(Return.round_id == round_id, counted)
             .group_by(Answer.statement_id, rating))
    if submitted_only:
        query = query.where(Return.state == ReturnState.SUBMITTED)
    if return_ids is not None:
        query = query.where(Return.id.in_(sorted(return_ids) or [-1]))
    column_of = {sid: j for j, sid in enumerate(layout.statement_ids)}
    value_of = {value: k for k, value in enumerate(layout.values)}
    counts = np.zeros((len(layout.statement_ids), len(layout.values)), dtype=np.int64)
    for statement_id, rating, count in session.execute(query):
        column, value = column_of.get(statement_id), value_of.get(rating)
        if column is not None and value is not None:
            counts[column, value] = count
    return scoring.collate_counts(counts, layout)


def rated_by(session: Session, return_ids: Collection[int], moderated: bool = False) -> dict[str, int]:
    """How many of these returns rated each statement (as `collate_round` counts them), whatever their state."""
    if not return_ids:
        return {}
    _, counted = _rating(moderated)
    query = (_with_moderation(select(Answer.statement_id, func.count()), moderated)
             .where(Answer.return_id.in_(sorted(return_ids)), counted).group_by(Answer.statement_id))
    return {statement_id: count for statement_id, count in session.execute(query)}


def answered_by(session: Session, return_ids: Collection[int], moderated: bool = False) -> dict[str, int]:
    """How many of these returns answered each statement (a rating, or "not applicable"), whatever their state;
    in the moderated view a moderated rating counts as an answer."""
    if not return_ids:
        return {}
    answered = Answer.rating.is_not(None) | Answer.not_applicable.is_(True)
    if moderated:
        answered = answered | Moderation.id.is_not(None)
    query = (_with_moderation(select(Answer.statement_id, func.count()), moderated)
             .where(Answer.return_id.in_(sorted(return_ids)), answered).group_by(Answer.statement_id))
    return {statement_id: count for statement_id, count in session.execute(query)}
