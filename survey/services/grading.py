"""Each return's means by duty and section, and its statements below the threshold: for managers to find the
strongest agencies and those needing help."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import scoring
from survey.definitions import Questionnaire
from survey.models import Agency, Return, ReturnState, Round
from survey.services.collation import round_ratings
from survey.services.definitions import questionnaire_of

Key = tuple[scoring.Level, str]


@dataclass(frozen=True, slots=True)
class AgencyGrade:
    """One agency's return: its means by duty and section and its statements below the threshold."""

    return_id: int
    agency: str
    state: ReturnState
    overall: scoring.Figures
    groups: dict[Key, scoring.Figures]
    below: tuple[tuple[str, float], ...]
    grade: str = ""  # the questionnaire's grade for this return ("" when it defines none)


def grading(session: Session, round_: Round, include_unsubmitted: bool = False,
            moderated: bool = False) -> list[AgencyGrade]:
    """Each return's means by duty and section, for managers to find the strongest and those needing help."""
    questionnaire = questionnaire_of(round_.definition_version)
    ratings = round_ratings(session, round_.id, submitted_only=not include_unsubmitted, moderated=moderated)
    returns = {r.id: r for r in session.scalars(select(Return).where(Return.id.in_(ratings.return_ids)))}
    agencies = dict(session.execute(select(Agency.id, Agency.name).where(
        Agency.id.in_([r.agency_id for r in returns.values()]))).all())
    threshold = action_threshold(questionnaire)
    everything = scoring.overall(ratings.layout)
    out = []
    for row, return_id in enumerate(ratings.return_ids):
        codes = ratings.codes[row:row + 1]
        groups: dict[Key, scoring.Figures] = {(f.level, f.id): f for f in scoring.collate_codes(codes, ratings.layout)
                                              if f.level != "statement"}
        overall = scoring.collate_codes(codes, everything)[0]
        below = tuple((sid, ratings.layout.values[code - 1]) for sid, code in
                      zip(ratings.layout.statement_ids, codes[0].tolist(), strict=True)
                      if code and ratings.layout.values[code - 1] < threshold)
        ret = returns[return_id]
        grade = questionnaire.grade_of(overall.mean, len(below) / overall.n if overall.n else 0.0)
        out.append(AgencyGrade(return_id, agencies[ret.agency_id], ret.state, overall, groups, below, grade))
    return out


def action_threshold(questionnaire: Questionnaire) -> float:
    """The rating below which a statement counts against a return: the questionnaire's requires_action_below, or
    the middle of the scale (below "adequate" on a 1-4 scale)."""
    if questionnaire.requires_action_below is not None:
        return questionnaire.requires_action_below
    values = questionnaire.scale.values()
    return values[len(values) // 2 - 1] if len(values) > 1 else values[0]


def sorted_grades(grades: list[AgencyGrade], questionnaire: Questionnaire,
                  sort: str) -> tuple[list[AgencyGrade], str]:
    """Grades sorted by agency, or by a section's or duty's mean (lowest first), or overall; with the sort used."""
    def mean_of(grade: AgencyGrade, ident: str) -> float:
        found = [f.mean for (_, i), f in grade.groups.items() if i == ident and f.mean is not None]
        return found[0] if found else 99.0

    if sort == "agency":
        return sorted(grades, key=lambda g: g.agency.lower()), sort
    if sort in {d.id for _, d in questionnaire.duties()} | {s.id for s in questionnaire.sections}:
        return sorted(grades, key=lambda g: (mean_of(g, sort), g.agency)), sort
    return sorted(grades, key=lambda g: (g.overall.mean if g.overall.mean is not None else 99.0, g.agency)), "overall"
