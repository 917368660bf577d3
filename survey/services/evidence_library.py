"""An agency's evidence library: the files it has given the same board before, any of which can be attached to a
statement again instead of being found and uploaded once more. Each reuse is a copy (a file of its own), so
removing or retiring the original never takes it away. Another board's files are never offered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import EvidenceFile, Return, Round
from survey.services.evidence import path_of

SHOWN = 200  # the newest files offered


class LibraryError(Exception):
    """The file chosen cannot be attached; the message says why."""


@dataclass(frozen=True, slots=True)
class LibraryFile:
    """A file the agency gave before: one per content, its newest upload."""

    id: int
    filename: str
    size: int
    round_title: str


def library(session: Session, agency_id: int, partnership_id: int) -> tuple[LibraryFile, ...]:
    """The agency's current evidence files in its returns to this partnership, newest first, one per content."""
    rows = session.execute(
        select(EvidenceFile.id, EvidenceFile.filename, EvidenceFile.size, Round.title, EvidenceFile.sha256)
        .join(Return, Return.id == EvidenceFile.return_id).join(Round, Round.id == Return.round_id)
        .where(Return.agency_id == agency_id, Return.partnership_id == partnership_id,
               EvidenceFile.deleted_at.is_(None))
        .order_by(EvidenceFile.uploaded_at.desc(), EvidenceFile.id.desc()).limit(SHOWN * 3))
    seen: set[str] = set()
    out = []
    for file_id, filename, size, round_title, digest in rows:
        if digest not in seen:
            seen.add(digest)
            out.append(LibraryFile(file_id, filename, size, round_title))
    return tuple(out[:SHOWN])


def take(session: Session, agency_id: int, partnership_id: int, raw_id: str, folder: str | Path) -> tuple[str, bytes]:
    """The name and bytes of a library file chosen on a page (checked to be this agency's, for this board)."""
    if not raw_id.isdigit() or len(raw_id) > 10:
        raise LibraryError("Choose one of your agency's files")
    row = session.execute(select(EvidenceFile, Return.agency_id, Return.partnership_id)
                          .join(Return, Return.id == EvidenceFile.return_id)
                          .where(EvidenceFile.id == int(raw_id))).first()
    if row is None or (row[1], row[2]) != (agency_id, partnership_id) or row[0].deleted_at is not None:
        raise LibraryError("Choose one of your agency's files")
    try:
        return row[0].filename, path_of(row[0], folder).read_bytes()
    except OSError:
        raise LibraryError(f"{row[0].filename} can no longer be read: upload it again") from None


__all__ = ["LibraryError", "LibraryFile", "library", "take"]
