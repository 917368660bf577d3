"""Definition versions: an unchanged definition is reused, a changed one is new, old rounds never change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.db import make_engine
from survey.definitions import load_file
from survey.models import DefinitionVersion, Partnership, Round
from survey.services.definitions import ensure_version, questionnaire_of

BOARD = Path(__file__).resolve().parents[2] / "questionnaires" / "board-self-assessment.yaml"


def test_versions_by_content(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    copy = tmp_path / "board.yaml"
    copy.write_text(BOARD.read_text())
    with Session(engine) as session:
        first = ensure_version(session, load_file(copy))
        partnership = Partnership(name="Test board", slug="test")
        old_round = Round(partnership=partnership, definition_version=first, title="2025",
                          opens_on=dt.date(2025, 1, 1), deadline=dt.date(2025, 2, 1))
        session.add(old_round)
        session.commit()

        copy.write_text("# reformatted\n" + BOARD.read_text().replace("title: Board self-assessment",
                                                                        "title: 'Board self-assessment'"))
        assert ensure_version(session, load_file(copy)).id == first.id, "unchanged content is reused"

        copy.write_text(BOARD.read_text().replace("Determine its arrangements for peer review and self-audit.",
                                                  "Determine its arrangements for peer review."))
        second = ensure_version(session, load_file(copy))
        session.commit()
        assert second.id != first.id and second.content_hash != first.content_hash
        assert session.scalar(select(func.count()).select_from(DefinitionVersion)) == 2

        copy.unlink()  # the file can even disappear: the round keeps its snapshot
        pinned = questionnaire_of(session.get(Round, old_round.id).definition_version)
        texts = [st.text for _, _, st in pinned.statements()]
        assert "Determine its arrangements for peer review and self-audit." in texts
        assert pinned.content_hash == first.content_hash
    engine.dispose()
