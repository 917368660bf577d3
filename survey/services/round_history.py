"""A questionnaire's rounds over the years: the rounds before one, and the trend of its figures across them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import disclosure, scoring
from survey.definitions import Statement
from survey.exports.trend import TrendRow, TrendTable
from survey.models import DefinitionVersion, ReturnState, Round, RoundState
from survey.services.collation import collate_round
from survey.services.definitions import questionnaire_of

if TYPE_CHECKING:
    from survey.services.results import RoundResults


def earlier_rounds(session: Session, round_: Round) -> list[Round]:
    """The rounds of the same questionnaire and partnership that opened before this one, oldest first."""
    query = (select(Round).join(DefinitionVersion, DefinitionVersion.id == Round.definition_version_id)
             .where(Round.partnership_id == round_.partnership_id, Round.id != round_.id,
                    DefinitionVersion.questionnaire_id == round_.definition_version.questionnaire_id,
                    Round.opens_on < round_.opens_on)
             .order_by(Round.opens_on, Round.id))
    return list(session.scalars(query))


def _final_figures(session: Session, round_: Round,
                   moderated: bool) -> dict[tuple[scoring.Level, str], scoring.Figures]:
    """A closed round's figures that its own anonymity rules let be shown (others left out)."""
    q = questionnaire_of(round_.definition_version)
    counted = sum(1 for r in round_.returns if r.state is ReturnState.SUBMITTED)
    if not disclosure.enough_returns(counted, q.anonymity_threshold):
        return {}
    figures = scoring.by_id(collate_round(session, round_.id, moderated=moderated))
    shown = disclosure.shown(q, {s.id: figures[("statement", s.id)].n for _, _, s in q.statements()},
                             q.anonymity_threshold)
    return {key: f for key, f in figures.items() if shown.get(key) and f.mean is not None}


def trend_for(session: Session, results: RoundResults) -> TrendTable | None:
    """Each section's, duty's and statement's mean in every closed earlier round of the questionnaire and in this
    one, matched by id; None when there is no earlier round or this round shows nothing yet."""
    earlier = [r for r in earlier_rounds(session, results.round) if r.state is RoundState.CLOSED]
    if not earlier or not results.enough:
        return None
    columns = [_final_figures(session, r, results.moderated) for r in earlier]
    q = results.questionnaire
    rows = []
    for level, item, figures, _ in results.rows():
        key = (level, item.id)
        past = [column.get(key) for column in columns]
        means = (*(f.mean if f else None for f in past), figures.mean if figures else None)
        labels = (*(f.mean_label if f else "" for f in past), figures.mean_label if figures and figures.n else "")
        text = item.text if isinstance(item, Statement) else item.title
        rows.append(TrendRow(level, item.id, text, means, labels))
    values = q.scale.values()
    return TrendTable((*(r.title for r in earlier), results.round.title), tuple(rows), values[0], values[-1])


__all__ = ["earlier_rounds", "trend_for"]
