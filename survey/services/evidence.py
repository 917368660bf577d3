"""Evidence files: type checked by content, stored outside the web root under random names."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from survey.models import AuditEvent, EvidenceFile, Return, utcnow

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
    """Check and store one upload (bytes written and synced before the row is added)."""
    found = check(filename, data, max_bytes)
    display = clean_filename(filename)
    extension = os.path.splitext(display)[1].lower()
    key = secrets.token_hex(20)
    folder = Path(folder)
    # Safeguarding evidence: readable by the app's own user only, whatever the process's umask.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    target = folder / key
    temporary = folder / f".{key}.part"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
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


def remove(session: Session, row: EvidenceFile, person_id: int, round_id: int) -> None:
    """Mark a file removed from the return (the bytes stay until retention clears them)."""
    row.deleted_at = utcnow()
    session.add(AuditEvent(person_id=person_id, action="evidence.removed", round_id=round_id,
                           return_id=row.return_id, object_type="statement", object_id=row.statement_id,
                           old={"filename": row.filename}))


def path_of(row: EvidenceFile, folder: str | Path) -> Path:
    """Where a stored file's bytes are."""
    return Path(folder) / row.storage_key
