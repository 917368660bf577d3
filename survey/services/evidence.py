"""Evidence files: type checked by content, stored outside the web root under random names."""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import socket
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.db import after_commit, after_rollback, use_case
from survey.models import AuditEvent, EvidenceFile, Return, utcnow

PENDING = ".part"  # a file's temporary name is ".<key>.<host>.part" until its row has committed
# Which server wrote a temporary file: several may share one evidence folder (docs/operations.md), and each
# clears up only its own uploads when it starts, never one another server is still storing.
HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:60] or "host"
OTHERS_AFTER = 3600  # seconds after which another server's temporary file cannot still be in progress
ALLOWED = "PDF, Word (.docx, .doc), Excel (.xlsx, .xls), PNG, JPEG or GIF"


class EvidenceError(Exception):
    """An upload that cannot be accepted; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What a file really is, judged by its bytes."""

    kind: str
    content_type: str
    extensions: tuple[str, ...]


def sniff(data: bytes) -> Sniffed | None:
    """Identify an allowed file type from its content, or None."""
    if data.startswith(b"%PDF-"):
        return Sniffed("pdf", "application/pdf", (".pdf",))
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png", "image/png", (".png",))
    if data.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpeg", "image/jpeg", (".jpg", ".jpeg"))
    if data.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("gif", "image/gif", (".gif",))
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Sniffed("ole", "application/octet-stream", (".doc", ".xls"))
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return Sniffed("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           (".docx",))
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return Sniffed("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
    return None


def clean_filename(name: str) -> str:
    """A display name safe anywhere: no folders, no control characters, at most 120 characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(" .")
    if len(name) > 120:
        # Shorten the stem, never the extension: the extension is part of what the file is checked to be.
        stem, extension = os.path.splitext(name)
        extension = extension if len(extension) <= 10 else ""
        name = stem[:120 - len(extension)].rstrip(" .") + extension
    return name or "evidence"


def check(filename: str, data: bytes, max_bytes: int) -> Sniffed:
    """What an upload really is, or EvidenceError with a message the person can act on."""
    if not data:
        raise EvidenceError("The selected file is empty")
    if len(data) > max_bytes:
        raise EvidenceError(f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB")
    found = sniff(data)
    extension = os.path.splitext(clean_filename(filename))[1].lower()
    if found is None or extension not in found.extensions:
        raise EvidenceError(f"The selected file must be a {ALLOWED}, and its name must end in the right extension")
    return found


def store(session: Session, ret: Return, statement_id: str, filename: str, data: bytes, person_id: int,
          folder: str | Path, max_bytes: int) -> EvidenceFile:
    """Check and store one upload as part of the session's transaction.

    The bytes are written and synced under a temporary name first; they take their real name only once the
    transaction has committed, and are deleted if it rolls back, so a file and its row are kept or dropped
    together. A crash between the commit and the rename is put right by `settle` when the server starts."""
    found = check(filename, data, max_bytes)
    display = clean_filename(filename)
    extension = os.path.splitext(display)[1].lower()
    key = secrets.token_hex(20)
    target = Path(folder) / key
    temporary = _write_pending(Path(folder), key, data)
    after_commit(session, lambda: _publish(temporary, target))
    after_rollback(session, lambda: temporary.unlink(missing_ok=True))
    content_type = found.content_type
    if found.kind == "ole":
        content_type = "application/msword" if extension == ".doc" else "application/vnd.ms-excel"
    row = EvidenceFile(return_id=ret.id, statement_id=statement_id, filename=display, content_type=content_type,
                       kind=found.kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
                       uploaded_by_id=person_id)
    session.add(row)
    session.add(AuditEvent(person_id=person_id, action="evidence.uploaded", round_id=ret.round_id,
                           return_id=ret.id, object_type="statement", object_id=statement_id,
                           new={"filename": display, "size": len(data)}))
    return row


def _pending_path(folder: Path, key: str) -> Path:
    return folder / f".{key}.{HOST}{PENDING}"


def _write_pending(folder: Path, key: str, data: bytes) -> Path:
    # Safeguarding evidence: readable by the app's own user only, whatever the process's umask.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    temporary = _pending_path(folder, key)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def _publish(temporary: Path, target: Path) -> None:
    os.replace(temporary, target)
    # The rename itself must reach the disk before the save is acknowledged.
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@dataclass(frozen=True, slots=True)
class Settled:
    """What `settle` found in the evidence folder."""

    published: int  # committed files a crash left under their temporary name, now renamed
    discarded: int  # temporary files of uploads that never committed, now deleted
    unreferenced: tuple[str, ...]  # files no row refers to (left alone; see docs/operations.md)


def settle(session: Session, folder: str | Path, now: float | None = None) -> Settled:
    """After a crash: finish committed uploads; delete this server's uncommitted ones, and other servers' that
    are over an hour old. Run as the server starts, before any of its workers can be storing a file."""
    folder = Path(folder)
    now = time.time() if now is None else now
    paths = sorted(folder.iterdir()) if folder.is_dir() else []
    if not paths:
        return Settled(0, 0, ())  # nothing to read the database for (which may not even exist yet)
    keys = set(session.scalars(select(EvidenceFile.storage_key)))
    published = discarded = 0
    unreferenced = []
    for path in paths:
        name = path.name
        if name.startswith(".") and name.endswith(PENDING):
            key, _, host = name[1:-len(PENDING)].partition(".")
            if key in keys:
                _publish(path, folder / key)
                published += 1
            elif host == HOST or path.stat().st_mtime < now - OTHERS_AFTER:
                path.unlink(missing_ok=True)
                discarded += 1
        elif path.is_file() and name not in keys:
            unreferenced.append(name)
    return Settled(published, discarded, tuple(unreferenced))


@use_case
def remove(session: Session, row: EvidenceFile, person_id: int, round_id: int) -> None:
    """Mark a file removed from the return (the bytes stay until retention clears them)."""
    row.deleted_at = utcnow()
    session.add(AuditEvent(person_id=person_id, action="evidence.removed", round_id=round_id,
                           return_id=row.return_id, object_type="statement", object_id=row.statement_id,
                           old={"filename": row.filename}))


def path_of(row: EvidenceFile, folder: str | Path) -> Path:
    """Where a stored file's bytes are (still under the temporary name if a crash came just after the commit)."""
    path = Path(folder) / row.storage_key
    if not path.exists():
        waiting = sorted(Path(folder).glob(f".{row.storage_key}.*{PENDING}"))
        if waiting:
            return waiting[0]
    return path
