"""Disclosure control: which collated figures may be shown without letting anyone work out one agency's answer.

One function decides, for the results page, the board workbook (every sheet), the CLI and any later output:

- a statement's figures are shown only if at least k returns rated it;
- a duty's or section's pooled figures are shown only if every statement in it that has ratings is shown, so a
  hidden statement can never be worked out by subtracting the shown ones from the pool;
- across releases (an interim publication, then another, then the final results): a statement is shown only if,
  against every earlier release of the same round, the ratings that differ (given by returns in one release and
  not the other, or changed since) are none or at least k, so putting two saved pages side by side shows only
  ratings that k or more agencies gave together. As within one release, "not applicable" is not protected: a
  page may show that an agency chose it, never which. The two ratings views (the agencies' own, and moderated)
  of one release are compared the same way, the moderations being the ratings that differ.

Plain data in, plain data out: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from survey.definitions import Questionnaire

Level = Literal["section", "duty", "statement"]
Key = tuple[Level, str]


def enough_returns(counted: int, k: int) -> bool:
    """Whether enough returns are counted (at least k) for any figure of a round to be shown."""
    return counted >= k


def shown_beside_own(rated: int, k: int, own_counted: bool) -> bool:
    """Whether an agency may see a statement's collated figures beside its own rating: the ratings of the others
    must meet k by themselves, or the agency could take its own rating away and learn about fewer than k."""
    return rated - (1 if own_counted else 0) >= k


def statement_shown(rated: int, k: int, differences: Iterable[int] = ()) -> bool:
    """Whether one statement's figures may be shown: `rated` returns rated it, and against each earlier release
    `differences` ratings of it may differ."""
    return rated >= k and _apart(differences, k)


def _apart(differences: Iterable[int], k: int) -> bool:
    return all(d == 0 or d >= k for d in differences)


def shown(questionnaire: Questionnaire, rated: Mapping[str, int], k: int,
          differences: Iterable[Mapping[str, int]] = ()) -> dict[Key, bool]:
    """Which statements, duties and sections may be shown.

    `rated` is how many returns rated each statement; `differences` holds, for each earlier release, how many
    ratings of each statement may differ between it and this one."""
    earlier = list(differences)
    result: dict[Key, bool] = {}
    for section in questionnaire.sections:
        section_ok, section_rated = True, 0
        for duty in section.duties:
            duty_ok, duty_rated = True, 0
            for statement in duty.statements:
                n = rated.get(statement.id, 0)
                apart = _apart((d.get(statement.id, 0) for d in earlier), k)
                result[("statement", statement.id)] = n >= k and apart
                # A statement nobody rates now still counts in a pool compared with an earlier release's.
                duty_ok = duty_ok and apart and (n == 0 or n >= k)
                duty_rated += n
            result[("duty", duty.id)] = duty_ok and duty_rated > 0
            section_ok = section_ok and duty_ok
            section_rated += duty_rated
        result[("section", section.id)] = section_ok and section_rated > 0
    return result


def republishable(previous: int, now: int, k: int) -> bool:
    """Whether a new release may follow one of `previous` returns without a stated risk: at least k more."""
    return now - previous >= k


__all__ = ["Key", "Level", "republishable", "shown", "statement_shown"]
