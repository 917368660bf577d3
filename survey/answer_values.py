"""What a person can set for one statement, as plain values: posted, compared, stashed, saved and written to (or
read from) a return workbook."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any


@dataclass(frozen=True, slots=True)
class AnswerValues:
    """What a person can set for one statement."""

    rating: float | None = None
    not_applicable: bool = False
    commentary: str = ""
    evidence_notes: str = ""
    evidence_links: str = ""
    action_what: str = ""
    action_who: str = ""
    action_by: dt.date | None = None

    @classmethod
    def of(cls, answer: object | None) -> AnswerValues:
        """The values stored in an Answer row, whose columns are named as these fields (empty when there is none)."""
        if answer is None:
            return cls()
        return cls(*(getattr(answer, name) for name in VALUE_FIELDS))

    def digest(self) -> str:
        """A short fingerprint, carried in the form to tell what this person changed."""
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]

    def fields(self) -> dict[str, Any]:
        """The values by field name (which are the Answer columns' names)."""
        # Not dataclasses.asdict: every value is immutable, and its deep copies were a twentieth of a save.
        return {name: getattr(self, name) for name in VALUE_FIELDS}

    def to_json(self) -> dict[str, Any]:
        """Plain data for stashing."""
        data = self.fields()
        data["action_by"] = self.action_by.isoformat() if self.action_by else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnswerValues:
        """Back from stashed plain data."""
        by = data.get("action_by")
        return cls(**{**data, "action_by": dt.date.fromisoformat(by) if by else None})

    @property
    def answered(self) -> bool:
        """Rated, or marked not applicable."""
        return self.rating is not None or self.not_applicable

    @property
    def empty(self) -> bool:
        """Nothing entered at all."""
        return self == AnswerValues()


# AnswerValues' fields in order; each is named after the Answer column it is stored in.
VALUE_FIELDS = tuple(f.name for f in dataclass_fields(AnswerValues))


@dataclass(frozen=True, slots=True)
class StatementInput:
    """One statement as posted: the values, and the revision and fingerprint the page was loaded with."""

    statement_id: str
    values: AnswerValues
    base_revision: int
    base_digest: str
    page: str = ""  # the id the duty page's script gave itself ("" without script)
    confirm: bool = False  # an answer carried from the agency's last return was ticked as still right


@dataclass(frozen=True, slots=True)
class Conflict:
    """Someone else saved this statement since the page was loaded, differently."""

    statement_id: str
    mine: AnswerValues
    theirs: AnswerValues
    their_revision: int
    their_name: str
    their_time: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did."""

    saved: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    # Each statement's revision now, where the stored version is what was posted (saved now, or already so).
    revisions: dict[str, int] = field(default_factory=dict)
