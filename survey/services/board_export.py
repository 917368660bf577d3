"""The board workbook of a round, from the database: collated results, anonymised responses, areas, about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.definitions import Statement
from survey.exports.board_paper import write_board_paper
from survey.exports.board_workbook import Action, Area, BoardData, SummaryRow, write_board_workbook
from survey.models import Answer, AreaAction, DevelopmentArea, Moderation, Round, utcnow
from survey.services.action_follow_up import carried_areas, open_actions
from survey.services.development import areas_of
from survey.services.results import RoundResults, respondent_order, results_for
from survey.services.round_history import trend_for
from survey.timezone import london


def _responses(session: Session, results: RoundResults, salt: str,
               progress: Callable[[int, int], None] | None) -> Iterator[tuple[str, str, float | None, bool]]:
    """Answers of the submitted returns, one return at a time in the anonymous respondent order; only those of
    statements whose figures may be shown (the anonymity rule of the page, which hides a statement with fewer
    than k ratings, applies to every row: N/A choices included)."""
    returns = sorted(results.return_ids)  # the release collated (a chair's: the publication shown)
    labels = respondent_order(results.round.id, returns, salt)
    position = {sid: i for i, sid in enumerate(results.questionnaire.statement_ids())}
    for done, return_id in enumerate(sorted(returns, key=labels.__getitem__), start=1):
        rows: list[tuple[str, float | None, bool]] = [
            (sid, rating, na) for sid, rating, na in session.execute(
                select(Answer.statement_id, Answer.rating, Answer.not_applicable).where(Answer.return_id == return_id))]
        if results.moderated:
            moderated = dict(session.execute(select(Moderation.statement_id, Moderation.rating)
                                             .where(Moderation.return_id == return_id)).all())
            if moderated:
                rows = [(sid, moderated[sid], False) if sid in moderated else (sid, rating, na)
                        for sid, rating, na in rows]
        for statement_id, rating, not_applicable in sorted(rows, key=lambda r: position.get(r[0], len(position))):
            if statement_id in position and results.visible("statement", statement_id) is not None:
                yield labels[return_id], statement_id, rating, bool(not_applicable)
        if progress is not None:
            progress(done, len(returns))


def _area(area: DevelopmentArea, actions: list[AreaAction], today: dt.date, carried_from: str = "") -> Area:
    """An area and its actions as the workbook and the board paper show them: status, colour, latest progress."""
    def progress(action: AreaAction) -> str:
        if not action.notes:
            return ""
        latest = action.notes[-1]
        more = len(action.notes) - 1
        return (f"{london(latest.written_at):%-d %B %Y}: {latest.text}"
                + (f" ({more} earlier note{'s' if more != 1 else ''})" if more else ""))

    def rag(action: AreaAction) -> str:
        found = action.rag(today)
        return f"{found.colour.label}: {found.why}"

    return Area(area.title, area.rationale, tuple(str(s) for s in area.statement_ids),
                tuple(Action(x.what, x.owner, x.due_on, "overdue" if x.is_overdue(today) else x.status.value,
                             rag(x), progress(x)) for x in actions), carried_from)


def board_data(session: Session, round_: Round, salt: str, progress: Callable[[int, int], None] | None = None,
               moderated: bool = False, viewer: str = "manager") -> BoardData:
    """Everything the workbook shows, with the anonymity rules of the results page applied (for the chair, to the
    release they see)."""
    results = results_for(session, round_, moderated, viewer)
    rows = []
    section_of: dict[str, str] = {}
    for section in results.questionnaire.sections:
        section_of[section.id] = section.id
        for duty in section.duties:
            section_of[duty.id] = section.id
            for statement in duty.statements:
                section_of[statement.id] = section.id
    for level, item, figures, change in results.rows():
        text = item.text if isinstance(item, Statement) else item.title
        rows.append(SummaryRow(level, item.id, text, section_of[item.id], figures,
                               change.previous_mean if change else None, change.direction if change else "",
                               results.note(level, item.id)))
    comments = {duty: [(c.statement_id, f"{c.text} – {c.agency}" if c.agency else c.text, c.example)
                       for c in listed]
                for duty, listed in results.comments.items()}
    dv = round_.definition_version
    about = [("Opening date", round_.opens_on), ("Deadline", round_.deadline),
             ("State", round_.state.value), ("Definition fingerprint", dv.content_hash[:16]),
             ("Generated", utcnow().replace(tzinfo=None, microsecond=0))]
    if round_.closed_at:
        about.insert(3, ("Closed", round_.closed_at.replace(tzinfo=None, microsecond=0)))
    if results.agencies_improving:
        better, both = results.agencies_improving
        about.append(("Agencies improving or maintaining", f"{better} of {both} ({round(100 * better / both)}%)"))
    today = dt.date.today()
    areas = [_area(a, a.actions, today) for a in areas_of(session, round_.id)]
    areas += [_area(a, open_actions(a), today, a.round.title) for a in carried_areas(session, round_)]
    return BoardData(results.questionnaire, round_.title, round_.partnerships_text, results.counted, results.total,
                     rows, comments, _responses(session, results, salt, progress) if results.enough else iter(()),
                     about=about, previous_title=results.previous_round.title if results.previous_round else "",
                     ratings_kind=results.ratings_kind, areas=areas, trend=trend_for(session, results))


def export_round(session: Session, round_: Round, out: str | Path | IO[bytes], salt: str,
                 progress: Callable[[int, int], None] | None = None, moderated: bool = False,
                 viewer: str = "manager") -> None:
    """Write a round's board workbook (`progress(done, total)` after each return's answers)."""
    write_board_workbook(board_data(session, round_, salt, progress, moderated, viewer), out)


__all__ = ["board_data", "export_round"]


def write_paper(session: Session, round_: Round, out: str | Path | IO[bytes], salt: str, moderated: bool = False,
                viewer: str = "manager") -> None:
    """Write a round's board paper (a tagged PDF) from the figures the workbook shows the same viewer."""
    write_board_paper(board_data(session, round_, salt, moderated=moderated, viewer=viewer), out)
