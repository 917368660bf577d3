"""Migrations: from empty to head on SQLite and PostgreSQL, and the models agree with them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect

from survey.cli import main
from survey.db import make_engine
from survey.migrate import current_revision, head_revision, upgrade
from survey.models import Base


def test_upgrade_from_empty_via_cli(empty_db_url: str, runner: CliRunner) -> None:
    result = runner.invoke(main, ["db", "upgrade"], env={"SURVEY_DATABASE_URL": empty_db_url})
    assert result.exit_code == 0, result.output
    assert f"empty -> {head_revision()}" in result.output
    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) == head_revision()
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    again = runner.invoke(main, ["db", "upgrade"], env={"SURVEY_DATABASE_URL": empty_db_url})
    assert again.exit_code == 0 and f"{head_revision()} -> {head_revision()}" in again.output
    current = runner.invoke(main, ["db", "current"], env={"SURVEY_DATABASE_URL": empty_db_url})
    assert current.exit_code == 0 and f": {head_revision()} (newest shipped: {head_revision()})" in current.output


def test_models_and_migrations_agree(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                    Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_upgrade_refuses_unreachable_database(runner: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = runner.invoke(main, ["db", "upgrade"], env={"SURVEY_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot upgrade postgresql+psycopg://nobody@127.0.0.1:1/none: ")
    assert len(result.output.strip().splitlines()) == 1


def test_commands_need_the_schema(empty_db_url: str, runner: CliRunner) -> None:
    result = runner.invoke(main, ["demo"], env={"SURVEY_DATABASE_URL": empty_db_url})
    assert result.exit_code == 1
    assert "run `survey db upgrade` first" in result.output


def test_upgrade_with_data_from_each_revision(empty_db_url: str) -> None:
    """Every migration applies to a database that already holds rows written at the previous revision."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from survey.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(empty_db_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, revisions[0])
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO person (email, name, job_title, active, is_demo, created_at) "
                              "VALUES ('a@b.example', 'A', '', :t, :f, CURRENT_TIMESTAMP)"), {"t": True, "f": False})
            conn.execute(text("INSERT INTO agency (name, kind, active, is_demo, created_at) "
                              "VALUES ('Police', 'police', :t, :f, CURRENT_TIMESTAMP)"), {"t": True, "f": False})
        for revision in revisions[1:]:
            upgrade(engine, revision)
            assert current_revision(engine) == revision
        with engine.connect() as conn:
            assert conn.execute(text("SELECT email FROM person")).scalar_one() == "a@b.example"
    finally:
        engine.dispose()
