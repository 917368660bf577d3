"""The shipped questionnaires, validated once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from survey.definitions import DefinitionError, Questionnaire, default_paths, load_file


class CatalogueError(RuntimeError):
    """A shipped definition is invalid: the app refuses to start and says which file and why."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Questionnaires by id, in file-name order."""

    questionnaires: dict[str, Questionnaire]

    def get(self, questionnaire_id: str) -> Questionnaire | None:
        """The questionnaire with this id, or None."""
        return self.questionnaires.get(questionnaire_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.questionnaires.values())


def load_catalogue(folder: str | Path) -> Catalogue:
    """Load and validate every definition in a folder; raise CatalogueError listing every problem."""
    found: dict[str, Questionnaire] = {}
    problems: list[str] = []
    for path in default_paths(folder):
        try:
            questionnaire = load_file(path)
        except DefinitionError as exc:
            problems.extend(str(p) for p in exc.problems)
            continue
        if questionnaire.id in found:
            problems.append(f"{path}:1: questionnaire id '{questionnaire.id}' is also used by "
                            f"{found[questionnaire.id].source} — give each questionnaire file its own id")
            continue
        found[questionnaire.id] = questionnaire
    if problems:
        raise CatalogueError("invalid questionnaire definition:\n" + "\n".join(problems))
    return Catalogue(found)
