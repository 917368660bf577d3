"""Definition versions: immutable snapshots of a questionnaire that rounds pin."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.definitions import Questionnaire, load_text, to_yaml
from survey.models import DefinitionVersion


def ensure_version(session: Session, questionnaire: Questionnaire) -> DefinitionVersion:
    """The stored version with this content, created if new; an unchanged definition is reused."""
    digest = questionnaire.content_hash
    found = session.scalar(select(DefinitionVersion).where(DefinitionVersion.content_hash == digest))
    if found is not None:
        return found
    # The snapshot is the normalised definition itself, so it reloads to the same content (and hash)
    # whatever happens to the file afterwards.
    version = DefinitionVersion(
        questionnaire_id=questionnaire.id, version=questionnaire.version, title=questionnaire.title,
        content_hash=digest, source_name=Path(questionnaire.source).name or f"{questionnaire.id}.yaml",
        source_text=to_yaml(questionnaire),
    )
    session.add(version)
    session.flush()
    return version


@lru_cache(maxsize=64)
def _parse(source_text: str, source_name: str) -> Questionnaire:
    return load_text(source_text, source_name)


# Versions never change (their content hash is unique), so the parsed questionnaire is kept by hash and the
# stored text is not even fetched again.
_BY_HASH: dict[str, Questionnaire] = {}


def questionnaire_of(version: DefinitionVersion) -> Questionnaire:
    """The questionnaire a stored version holds (parsed once per process)."""
    found = _BY_HASH.get(version.content_hash)
    if found is None:
        found = _parse(version.source_text, version.source_name)
        if len(_BY_HASH) < 256:
            _BY_HASH[version.content_hash] = found
    return found


def questionnaire_with_hash(session: Session, version_id: int, content_hash: str) -> Questionnaire:
    """The questionnaire of a stored version; the version is fetched only the first time a process meets it."""
    found = _BY_HASH.get(content_hash)
    return found if found is not None else questionnaire_of(session.get_one(DefinitionVersion, version_id))
