"""A round's collated results for the board: figures, distributions, anonymised commentary, year on year.

Anonymity rules (stated on the results page too):
- nothing collated is shown until at least k returns are counted (k is the questionnaire's anonymity_threshold);
- which statements, duties and sections are shown is decided by survey.disclosure (at least k ratings, no pool
  that would give a hidden statement away, and nothing that differs from an earlier release by fewer than k);
- the chair sees releases, never live figures: an open round's newest publication, frozen when the manager
  published it, or a closed round's final results, compared with every publication before them;
- commentary is listed without agency or author, sorted by its text, with the names of the round's agencies and
  people replaced by "[name removed]".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import disclosure, scoring
from survey.db import use_case
from survey.definitions import Duty, Questionnaire, Section, Statement
from survey.models import (
    Answer,
    AuditEvent,
    Moderation,
    Publication,
    Return,
    ReturnState,
    Round,
    RoundState,
    as_utc,
    utcnow,
)
from survey.services import collation
from survey.services.collation import collate_round, round_ratings
from survey.services.commentary import Comment, comments_by_duty
from survey.services.definitions import questionnaire_of
from survey.services.round_history import earlier_rounds

Key = tuple[scoring.Level, str]


@dataclass(frozen=True, slots=True)
class Change:
    """How a figure moved since the previous round."""

    previous_mean: float
    previous_label: str
    direction: str  # "improving", "maintaining" or "declining"


@dataclass
class RoundResults:
    """Everything the results page and the board workbook show for one round."""

    round: Round
    questionnaire: Questionnaire
    counted: int
    total: int
    figures: dict[Key, scoring.Figures]
    shown: dict[Key, bool]
    comments: dict[str, list[Comment]] = field(default_factory=dict)
    previous_round: Round | None = None
    changes: dict[Key, Change] = field(default_factory=dict)
    agencies_improving: tuple[int, int] | None = None  # (improving or maintaining, taking part in both)
    moderated: bool = False  # figures use moderated ratings where present
    moderations: int = 0  # how many moderated ratings the round has
    release: Release = field(default_factory=lambda: Release(None))

    @property
    def return_ids(self) -> frozenset[int]:
        """The returns collated here."""
        if self.release.return_ids is not None:
            return self.release.return_ids
        return _submitted_ids(self.round)

    @property
    def ratings_kind(self) -> str:
        """Which ratings the figures come from, in words."""
        if self.moderated:
            return "moderated ratings where the board has moderated, otherwise the agencies' own ratings"
        return "the agencies' own ratings"

    @property
    def k(self) -> int:
        """The anonymity threshold."""
        return self.questionnaire.anonymity_threshold

    @property
    def enough(self) -> bool:
        """At least k returns are counted, so anything may be shown."""
        return disclosure.enough_returns(self.counted, self.k)

    def visible(self, level: scoring.Level, ident: str) -> scoring.Figures | None:
        """The figures of one row if they may be shown, else None."""
        key = (level, ident)
        return self.figures[key] if self.enough and self.shown.get(key) else None

    def unrated(self, level: scoring.Level, ident: str) -> scoring.Figures | None:
        """The figures of a row nobody rated (n 0, nothing to withhold) once enough returns are counted, else None:
        `survey round results` shows them as `survey score` does."""
        found = self.figures[(level, ident)]
        return found if self.enough and found.n == 0 else None

    def note(self, level: scoring.Level, ident: str) -> str:
        """Why a row's figures are not shown ("" when they are)."""
        if self.visible(level, ident) is not None:
            return ""
        if not self.enough:
            return f"not shown: fewer than {self.k} returns counted"
        if self.figures[(level, ident)].n == 0:
            return "no ratings"
        if level == "statement" and self.figures[(level, ident)].n >= self.k:
            return (f"not shown: it would differ by fewer than {self.k} ratings from other figures the chair can see "
                    "(an earlier release, or the other ratings view)")
        if level == "statement":
            return f"not shown: fewer than {self.k} ratings"
        return f"not shown: a statement in it has fewer than {self.k} ratings"

    def rows(self, section_id: str | None = None) -> Iterator[tuple[scoring.Level, Section | Duty | Statement,
                                                                   scoring.Figures | None, Change | None]]:
        """Section, duty and statement rows in the Appendix 3 order (of one section, if given) with what may be
        shown of each."""
        for section in self.questionnaire.sections:
            if section_id is not None and section.id != section_id:
                continue
            yield "section", section, self.visible("section", section.id), self._change("section", section.id)
            for duty in section.duties:
                yield "duty", duty, self.visible("duty", duty.id), self._change("duty", duty.id)
                for statement in duty.statements:
                    yield ("statement", statement, self.visible("statement", statement.id),
                           self._change("statement", statement.id))

    def _change(self, level: scoring.Level, ident: str) -> Change | None:
        return self.changes.get((level, ident)) if self.visible(level, ident) else None


@dataclass(frozen=True, slots=True)
class Release:
    """Which returns a view is collated from (None: live, the manager's view) and the earlier releases it must
    not be told apart from by fewer than k returns."""

    return_ids: frozenset[int] | None
    earlier: tuple[Publication, ...] = ()
    published: Publication | None = None  # the publication shown, if any


def publications(session: Session, round_id: int) -> list[Publication]:
    """A round's publications, oldest first."""
    return list(session.scalars(select(Publication).where(Publication.round_id == round_id)
                                .order_by(Publication.id)))


def _submitted_ids(round_: Round) -> frozenset[int]:
    return frozenset(r.id for r in round_.returns if r.state is ReturnState.SUBMITTED)


def release_for(session: Session, round_: Round, viewer: str) -> Release:
    """What a viewer's pages and downloads are collated from: live for the manager; for the chair, the newest
    publication of an open round, or a closed round's final results; and the releases before it."""
    if viewer == "manager":
        return Release(None)
    published = publications(session, round_.id)
    shown = [p for p in published if p.withdrawn_at is None]  # withdrawn ones stay among those compared with
    if round_.state is RoundState.CLOSED:
        ids = _submitted_ids(round_)
        current = next((p for p in reversed(shown) if frozenset(p.return_ids) == ids), None)
    else:
        current = shown[-1] if shown else None
        ids = frozenset(current.return_ids) if current is not None else frozenset()
    if current is not None and current.risk_reason:
        return Release(ids, (), current)  # the manager accepted, with a reason, what comparing it may reveal
    return Release(ids, tuple(p for p in published if p is not current), current)


def _differences(session: Session, round_: Round, ids: frozenset[int], earlier: Publication,
                 moderated: bool) -> dict[str, int]:
    """Per statement, how many ratings may differ between this view and an earlier release: those of returns
    added since, and anything said by returns gone since or resubmitted (or, in the moderated view, moderated)
    since, whose ratings then cannot be told from now."""
    before = frozenset(earlier.return_ids)
    since = as_utc(earlier.created_at)
    changed = {r.id for r in round_.returns if r.id in ids & before and r.submitted_at is not None
               and as_utc(r.submitted_at) > since}
    counts = collation.rated_by(session, ids - before, moderated)
    for statement_id, count in collation.answered_by(session, (before - ids) | changed, moderated).items():
        counts[statement_id] = counts.get(statement_id, 0) + count
    if moderated:
        for statement_id in session.scalars(select(Moderation.statement_id).where(
                Moderation.return_id.in_(sorted((ids & before) - changed) or [-1]),
                Moderation.updated_at > earlier.created_at)):
            counts[statement_id] = counts.get(statement_id, 0) + 1
    return counts


def _moderations(session: Session, return_ids: frozenset[int]) -> dict[str, int]:
    """Per statement, how many of these returns' ratings the board's moderation changed (or gave)."""
    if not return_ids:
        return {}
    changed = (Answer.rating.is_(None) | Answer.not_applicable.is_(True) | (Answer.rating != Moderation.rating))
    query = (select(Moderation.statement_id, func.count()).select_from(Moderation)
             .join(Answer, (Answer.return_id == Moderation.return_id)
                   & (Answer.statement_id == Moderation.statement_id))
             .where(Moderation.return_id.in_(sorted(return_ids)), changed).group_by(Moderation.statement_id))
    return dict(session.execute(query).all())


def _direction(now: float, before: float, precision: int) -> str:
    # Compared as the board reads them: to the questionnaire's precision, rounded as Excel does.
    a, b = float(scoring.excel_round(now, precision)), float(scoring.excel_round(before, precision))
    return "improving" if a > b else "declining" if a < b else "maintaining"


def previous_round(session: Session, round_: Round) -> Round | None:
    """The latest closed round of the same questionnaire and partnership that opened before this one."""
    closed = [r for r in earlier_rounds(session, round_) if r.state is RoundState.CLOSED]
    return closed[-1] if closed else None


def _agency_means(session: Session, round_id: int, moderated: bool,
                  return_ids: frozenset[int] | None = None) -> dict[int, float]:
    ratings = round_ratings(session, round_id, moderated=moderated)
    agency_of = dict(session.execute(select(Return.id, Return.agency_id).where(Return.round_id == round_id)).all())
    overall = scoring.overall(ratings.layout)
    out: dict[int, float] = {}
    for row, return_id in enumerate(ratings.return_ids):
        if return_ids is not None and return_id not in return_ids:
            continue
        mean = scoring.collate_codes(ratings.codes[row:row + 1], overall)[0].mean
        if mean is not None:
            out[agency_of[return_id]] = mean
    return out


def results_for(session: Session, round_: Round, moderated: bool = False, viewer: str = "manager") -> RoundResults:
    """Collate a round (submitted returns only) with the anonymity rules applied and last round beside it.

    With `moderated`, moderated ratings replace the agencies' own where present (in both rounds compared). The
    chair's view is collated from a release (`release_for`), never from live figures."""
    questionnaire = questionnaire_of(round_.definition_version)
    release = release_for(session, round_, viewer)
    ids = release.return_ids
    figures = scoring.by_id(collate_round(session, round_.id, moderated=moderated, return_ids=ids))
    counted = len(ids) if ids is not None else len(_submitted_ids(round_))
    rated = {s.id: figures[("statement", s.id)].n for _, _, s in questionnaire.statements()}
    differences = [_differences(session, round_, ids, e, moderated) for e in release.earlier] if ids else []
    if moderated and ids is not None:
        # For the chair the agencies' own view of the same returns is one click away: the two must not differ by
        # fewer than k. (The manager, who reads each return and moderation anyway, sees both in full.)
        differences.append(_moderations(session, ids))
    results = RoundResults(round_, questionnaire, counted, len(round_.returns), figures,
                           disclosure.shown(questionnaire, rated, questionnaire.anonymity_threshold, differences),
                           moderated=moderated, release=release)
    results.moderations = session.scalar(select(func.count()).select_from(Moderation).join(Return).where(
        Return.round_id == round_.id, Return.state == ReturnState.SUBMITTED)) or 0
    if results.enough:
        results.comments = comments_by_duty(session, round_, questionnaire, ids)
    before = previous_round(session, round_)
    if before is not None and results.enough:
        results.previous_round = before
        old_q = questionnaire_of(before.definition_version)
        old = scoring.by_id(collate_round(session, before.id, moderated=moderated))
        old_shown = disclosure.shown(old_q, {s.id: old[("statement", s.id)].n for _, _, s in old_q.statements()},
                                     old_q.anonymity_threshold)
        old_counted = sum(1 for r in before.returns if r.state is ReturnState.SUBMITTED)
        for key, now in figures.items():
            was = old.get(key)
            if (was is None or was.mean is None or now.mean is None or not old_shown.get(key)
                    or old_counted < old_q.anonymity_threshold):
                continue
            results.changes[key] = Change(was.mean, was.mean_label,
                                          _direction(now.mean, was.mean, questionnaire.precision))
        now_means = _agency_means(session, round_.id, moderated, ids)
        old_means = _agency_means(session, before.id, moderated)
        both = [a for a in now_means if a in old_means]
        if len(both) >= results.k:
            better = sum(1 for a in both if _direction(now_means[a], old_means[a], questionnaire.precision)
                         != "declining")
            results.agencies_improving = (better, len(both))
    return results


def respondent_order(round_id: int, return_ids: list[int], salt: str) -> dict[int, str]:
    """Labels R1, R2, ... for returns in an order that reveals neither agency nor submission order."""
    def key(return_id: int) -> str:
        return hashlib.sha256(f"{salt}:{round_id}:{return_id}".encode()).hexdigest()

    width = len(str(len(return_ids)))
    return {rid: f"R{i:0{width}d}" for i, rid in enumerate(sorted(return_ids, key=key), start=1)}


def can_see(round_: Round, viewer: str) -> bool:
    """Managers see interim results; chairs once the manager publishes or the round closes."""
    if viewer == "manager":
        return round_.state is not RoundState.DRAFT
    return round_.state is RoundState.CLOSED or round_.published_at is not None


class PublishError(Exception):
    """The results cannot be released now; the message says why and what would allow it."""


@dataclass(frozen=True, slots=True)
class PublishState:
    """What publishing now would release, against the last publication."""

    submitted: int
    previous: Publication | None
    k: int

    @property
    def new_returns(self) -> int:
        """Returns submitted since the last publication (all of them if there was none)."""
        return self.submitted - (len(self.previous.return_ids) if self.previous is not None else 0)

    @property
    def needs_reason(self) -> bool:
        """Publishing again with fewer than k more returns lets a comparison show what those few said."""
        return self.previous is not None and not disclosure.republishable(
            len(self.previous.return_ids), self.submitted, self.k)


def publish_state(session: Session, round_: Round) -> PublishState:
    """Where publishing stands for a round (the manager's results page shows it)."""
    published = publications(session, round_.id)
    return PublishState(len(_submitted_ids(round_)), published[-1] if published else None,
                        questionnaire_of(round_.definition_version).anonymity_threshold)


@use_case
def publish(session: Session, round_: Round, by_person_id: int | None, risk_reason: str = "") -> Publication:
    """Release the round's results to the chair as they stand now: frozen until the next publication.

    Publishing again needs at least k more returns than the last publication, or the reason the board accepts
    that comparing the two may show what the few new returns said."""
    if round_.state is RoundState.DRAFT:
        raise PublishError(f"{round_.title} has not opened: there are no results to publish")
    ids = _submitted_ids(round_)
    state = publish_state(session, round_)
    previous = state.previous
    # The same returns as the last publication tell the chair nothing new; that is refused only while the chair
    # still sees it (a withdrawn one may be published again as it was).
    same = previous is not None and frozenset(previous.return_ids) == ids
    if same and previous is not None and previous.withdrawn_at is None:
        raise PublishError("Nothing has been submitted since the results were last published: the chair already "
                           "sees these results")
    reason = risk_reason.strip()[:2000]
    if state.needs_reason and not same and not reason:
        new = state.new_returns
        raise PublishError(
            f"{new} return{'s' if new != 1 else ''} submitted since the results were last published. Publishing "
            f"again needs at least {state.k} more, or the chair could work out what {'they' if new != 1 else 'it'} "
            "said by comparing the two. Wait for more returns, or give the reason the board accepts that risk")
    publication = Publication(round_id=round_.id, by_person_id=by_person_id, return_ids=sorted(ids),
                              risk_reason=reason, final=round_.state is RoundState.CLOSED)
    session.add(publication)
    if round_.published_at is None:
        round_.published_at = utcnow()
    session.add(AuditEvent(person_id=by_person_id, action="round.results_published", round_id=round_.id,
                           object_type="round", object_id=str(round_.id),
                           new={"returns": len(ids), **({"risk_reason": reason} if reason else {})}))
    return publication


__all__ = ["Change", "Comment", "PublishError", "PublishState", "Release", "RoundResults", "can_see",
           "comments_by_duty", "publish_state", "publications", "release_for",
           "previous_round", "publish", "respondent_order", "results_for"]
