"""`survey agencies import`: every row checked first, nothing saved unless the whole file is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.cli import main
from survey.db import make_engine
from survey.models import Agency, Person, Role, RoleAssignment


@pytest.fixture
def env(db_url: str, runner: CliRunner) -> dict[str, str]:
    values = {"SURVEY_DATABASE_URL": db_url}
    assert runner.invoke(main, ["demo"], env=values).exit_code == 0
    return values


def counts(db_url: str) -> tuple[int, int, int]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = tuple(session.scalar(select(func.count()).select_from(model))
                      for model in (Agency, Person, RoleAssignment))
    engine.dispose()
    return found  # type: ignore[return-value]


GOOD = """Agency,Type,Name,Email,Role
Southend YMCA,voluntary sector,Sam Carter,sam.carter@ymca.example,lead
Southend YMCA,,Ali Khan,ali.khan@ymca.example,contributor
Essex Police,,Jo Patel,jo.patel@essex.police.example,
East of England Ambulance Service,ambulance,,,
"""


def test_import_csv(env: dict[str, str], runner: CliRunner, tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(GOOD)
    before = counts(db_url)
    dry = runner.invoke(main, ["agencies", "import", str(path), "--partnership", "southend", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "would add: 2 new agencies, 3 new people, 3 new roles" in dry.output
    assert counts(db_url) == before
    done = runner.invoke(main, ["agencies", "import", str(path), "--partnership", "southend"], env=env)
    assert done.exit_code == 0 and "added: 2 new agencies, 3 new people, 3 new roles" in done.output
    engine = make_engine(db_url)
    with Session(engine) as session:
        sam = session.scalar(select(Person).where(Person.email == "sam.carter@ymca.example"))
        assert {r.role for r in sam.roles} == {Role.LEAD, Role.CONTRIBUTOR} and sam.password_hash is None
        assert session.scalar(select(Agency.kind).where(Agency.name == "East of England Ambulance Service")) == \
            "ambulance"
    engine.dispose()
    again = runner.invoke(main, ["agencies", "import", str(path), "--partnership", "southend"], env=env)
    assert again.exit_code == 0 and "added: 0 new agencies, 0 new people, 0 new roles" in again.output
    assert counts(db_url) != before


def test_a_csv_the_reader_cannot_parse_gets_one_line(env: dict[str, str], runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("agency,type,name,email,role\nEssex Police,,\"" + "x" * 140_000 + "\",a@x.example,\n")
    result = runner.invoke(main, ["agencies", "import", str(path), "--partnership", "southend"], env=env)
    assert result.exit_code == 1 and "this is not a readable CSV file" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 2


def test_import_xlsx(env: dict[str, str], runner: CliRunner, tmp_path: Path) -> None:
    workbook = Workbook()
    for row in [line.split(",") for line in GOOD.strip().splitlines()]:
        workbook.active.append(row)
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    done = runner.invoke(main, ["agencies", "import", str(path), "--partnership", "southend"], env=env)
    assert done.exit_code == 0 and "2 new agencies, 3 new people" in done.output


BAD = [
    ("wrong columns", "Organisation,Person\nA,B\n", "row 1: the columns must be agency, type, name, email, role"),
    ("empty", "", "the file is empty"),
    ("unknown agency", "agency,name,email\nMade-up Trust,A Person,a@b.example\n",
     "row 2: unknown agency 'Made-up Trust'; give its type to create it"),
    ("bad email", "agency,name,email\nEssex Police,A Person,not-an-email\n", "row 2: 'not-an-email' is not an email"),
    ("duplicate email", "agency,name,email\nEssex Police,A Person,a@b.example\nCAFCASS,Another,a@b.example\n",
     "row 3: a@b.example appears twice with different names (first on row 2)"),
    ("bad role", "agency,name,email,role\nEssex Police,A Person,a@b.example,chair\n", "role 'chair' is not lead"),
    ("blank name", "agency,name,email\nEssex Police,,a@b.example\n", "row 2: the name of a@b.example is blank"),
]


@pytest.mark.parametrize(("label", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_save_nothing(env: dict[str, str], runner: CliRunner, tmp_path: Path, db_url: str, label: str,
                                content: str, message: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(content)
    before = counts(db_url)
    result = runner.invoke(main, ["agencies", "import", str(path), "--partnership", "southend"], env=env)
    assert result.exit_code == 1 and message in result.output and "nothing was saved" in result.output
    assert counts(db_url) == before


def test_one_bad_row_among_good_ones_saves_nothing(env: dict[str, str], runner: CliRunner, tmp_path: Path,
                                                   db_url: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(GOOD + "Nowhere Trust,,X Person,x@y.example,lead\n")
    before = counts(db_url)
    result = runner.invoke(main, ["agencies", "import", str(path), "--partnership", "southend"], env=env)
    assert result.exit_code == 1 and "row 6: unknown agency 'Nowhere Trust'" in result.output
    assert counts(db_url) == before


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_csv_saved_with_semicolons_or_tabs_imports_the_same(env: dict[str, str], runner: CliRunner,
                                                               tmp_path: Path, separator: str) -> None:
    path = tmp_path / "people.csv"
    # As Excel saves a CSV where the decimal mark is a comma (and some tools save tabs), in Windows-1252.
    path.write_bytes(GOOD.replace(",", separator).replace("Ali Khan", "Ali Khán").encode("cp1252"))
    done = runner.invoke(main, ["agencies", "import", str(path), "--partnership", "southend", "--dry-run"], env=env)
    assert done.exit_code == 0 and "would add: 2 new agencies, 3 new people, 3 new roles" in done.output, done.output
