"""`survey board-paper ROUND` and the download buttons: the PDF read back with pypdf, as a chair and a screen reader
would read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import Agency, Person, Return, ReturnState, RoundState
from tests.cli.test_export import env, round_id  # noqa: F401 - env is a fixture


def paper(runner: CliRunner, env: dict[str, str], rid: int, out: Path,  # noqa: F811
          *extra: str) -> PdfReader:
    result = runner.invoke(main, ["board-paper", str(rid), "--out", str(out), *extra], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    return PdfReader(out)


def results(runner: CliRunner, env: dict[str, str], rid: int) -> list[dict[str, Any]]:  # noqa: F811
    done = runner.invoke(main, ["round", "results", str(rid), "--format", "json"], env=env)
    assert done.exit_code == 0, done.output
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def text_runs(page: Any) -> list[tuple[float, float, str]]:
    """Where each run of text starts on a page, in PDF points from the bottom left."""
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any) -> None:
        if text.strip():
            # The text matrix within the current transformation: where the run starts on the page.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x, y, text))

    page.extract_text(visitor_text=visit)
    return runs


def test_every_figure_is_on_the_paper(env: dict[str, str], runner: CliRunner, db_url: str,  # noqa: F811
                                      tmp_path: Path) -> None:
    rid = round_id(db_url, RoundState.CLOSED)
    reader = paper(runner, env, rid, tmp_path / "paper.pdf")
    pages = [page.extract_text() for page in reader.pages]
    whole = " ".join(" ".join(pages).split())  # wrapped lines joined again
    assert pages[0].count("Board self-assessment 2025") >= 1 and "Returns counted" in pages[0]
    assert "Returns in the round" in pages[0] and "Anonymity threshold (k)" in pages[0]
    shown = [r for r in results(runner, env, rid) if r["n"]]
    assert len(shown) > 30
    for row in shown:
        assert row["id"] in whole
        if row["level"] == "statement":
            # The chart's text equivalent: the same n and mean as `survey round results`.
            assert f"{row['id']}:" in whole and f"(n {row['n']}, mean {row['mean_label']})" in whole, row["id"]
    for label in ("Results by section and duty", "How the ratings were spread", "Examples of commentary by partners",
                  "Areas for development", "How the figures are worked out"):
        assert label in whole
    assert "every rating with the highest count" in whole


def test_pages_are_numbered_titled_tagged_and_nothing_runs_off(env: dict[str, str], runner: CliRunner,  # noqa: F811
                                                               db_url: str, tmp_path: Path) -> None:
    reader = paper(runner, env, round_id(db_url, RoundState.CLOSED), tmp_path / "paper.pdf")
    total = len(reader.pages)
    assert total >= 5
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {total}" in text
        if number > 1:
            assert "Southend Safeguarding Children Partnership" in text and "Board self-assessment 2025" in text
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842), "A4"
        runs = text_runs(page)
        assert runs
        outside = [(x, y, t) for x, y, t in runs if not (0 <= x < width and 0 <= y < height)]
        assert outside == [], number
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in catalog, "a tagged PDF"
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == "Board self-assessment 2025: board paper"


def test_nothing_below_k_and_no_names(env: dict[str, str], runner: CliRunner, db_url: str,  # noqa: F811
                                      tmp_path: Path) -> None:
    rid = round_id(db_url, RoundState.OPEN)
    engine = make_engine(db_url)
    with Session(engine) as session:
        for ret in session.scalars(select(Return).where(Return.round_id == rid).limit(2)):
            ret.state = ReturnState.SUBMITTED
        session.commit()
        agencies = list(session.scalars(select(Agency.name)))
        people = list(session.scalars(select(Person.name)))
    engine.dispose()
    whole = " ".join(" ".join(p.extract_text() for p in paper(runner, env, rid, tmp_path / "open.pdf").pages).split())
    assert "Figures are shown once at least 3 returns are counted" in whole
    assert "not shown: fewer than 3 returns counted" in whole
    assert "How the ratings were spread" not in whole and "(n " not in whole
    closed = " ".join(" ".join(p.extract_text() for p in paper(runner, env, round_id(db_url, RoundState.CLOSED),
                                                                tmp_path / "closed.pdf").pages).split())
    # The questionnaire's own statements may name an agency ("Essex Police attend every meeting"), and the areas
    # for development name the owners of the board's actions; the commentary and the charts must name nobody.
    start, end = closed.index("How the ratings were spread"), closed.index("Areas for development")
    assert "Examples of commentary by partners" in closed[start:end]
    for text in (whole, closed[start:end]):
        assert [name for name in agencies + people if name in text] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "{tmp}/paper.txt"], "the board paper is a PDF; give a name ending .pdf"),
    (["--out", "{tmp}/missing/paper.pdf"], "does not exist"),
    (["--ratings", "both"], "Invalid value for '--ratings'"),
])
def test_bad_input(env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path,  # noqa: F811
                   args: list[str], message: str) -> None:
    rid = round_id(db_url, RoundState.CLOSED)
    done = runner.invoke(main, ["board-paper", str(rid), *(a.format(tmp=tmp_path) for a in args)], env=env)
    assert done.exit_code != 0 and message in done.output
    assert not list(tmp_path.glob("**/*.pdf")), "nothing half-written"
    missing = runner.invoke(main, ["board-paper", "999", "--out", str(tmp_path / "p.pdf")], env=env)
    assert missing.exit_code == 1 and "999" in missing.output


def test_a_partnership_name_with_an_ampersand_and_quotes_heads_every_page(
        env: dict[str, str], runner: CliRunner, db_url: str, tmp_path: Path) -> None:  # noqa: F811
    name = 'Southend, Essex & Thurrock "SET" </style><b>'
    renamed = runner.invoke(main, ["partnership", "rename", "southend", name], env=env)
    assert renamed.exit_code == 0, renamed.output
    reader = paper(runner, env, round_id(db_url, RoundState.CLOSED), tmp_path / "paper.pdf")
    header = reader.pages[1].extract_text()
    assert 'Southend, Essex & Thurrock "SET" /style' in header and "&amp;" not in header and "&#" not in header
    assert "Southend, Essex & Thurrock" in reader.pages[0].extract_text()
