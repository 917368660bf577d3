"""Files of existing ratings (CSV, XLSX or ODS; long or wide form) read into a code matrix for `survey score`.

Long form: a header row naming `respondent`, `statement` and `rating` (any case, any order, other columns ignored),
then one row per rating. Wide form: a header row whose first column is `respondent` and whose other columns are
statement ids, then one row per respondent. A blank rating or N/A is not counted. Anything else that would be
read wrong (a value with no header, a second rating column, a formula never calculated) is refused with one line.
"""

from __future__ import annotations

from pathlib import Path

from survey.responses.forms import Responses, responses_from
from survey.responses.ratings import DEFAULT_VALUES, NOT_RATED, ResponsesError, Rules
from survey.responses.sources import FAST_FROM, MAX_BYTES, Progress, Reader, read_grid


def read_responses(path: str | Path, rules: Rules | None = None, sheet: str | None = None,
                   reader: Reader = "auto", progress: Progress | None = None) -> Responses:
    """Read and check a file of ratings; raise ResponsesError on the first problem. `progress(done, total)` hears
    how many rows have been read, every few thousand rows."""
    return responses_from(read_grid(Path(path), sheet, reader, progress), rules or Rules())


__all__ = ["DEFAULT_VALUES", "FAST_FROM", "MAX_BYTES", "NOT_RATED", "Progress", "Reader", "Responses",
           "ResponsesError", "Rules", "read_responses"]
