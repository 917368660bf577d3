"""Migrations: from empty to head on SQLite and PostgreSQL, and the models agree with them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect

from survey.cli import main
from survey.db import make_engine
from survey.migrate import current_revision, downgrade, head_revision, upgrade
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


def test_memberships_migration_keeps_every_role_return_and_joint_round(empty_db_url: str) -> None:
    """0007: a lead of an agency serving two boards becomes a lead for each; the agency's deactivation moves to
    each board; returns answer for the board that has the agency; joint rounds already running count as agreed."""
    from sqlalchemy import text

    engine = make_engine(empty_db_url)
    flags = {"t": True, "f": False}
    try:
        upgrade(engine, "0006")
        with engine.begin() as conn:
            for sql in (
                "INSERT INTO partnership (id, name, slug, is_demo, created_at) VALUES "
                "(1, 'Southend', 'southend', :f, CURRENT_TIMESTAMP), (2, 'Essex', 'essex', :f, CURRENT_TIMESTAMP)",
                "INSERT INTO agency (id, name, kind, active, is_demo, created_at) VALUES "
                "(1, 'Essex Police', 'Police', :f, :f, CURRENT_TIMESTAMP), "
                "(2, 'Essex Fire', 'Fire', :t, :f, CURRENT_TIMESTAMP)",
                "INSERT INTO partnership_agency (partnership_id, agency_id) VALUES (1, 1), (2, 1), (2, 2)",
                "INSERT INTO person (id, email, name, job_title, active, is_demo, created_at) VALUES "
                "(1, 'lead@police.example', 'Lee', '', :t, :f, CURRENT_TIMESTAMP), "
                "(2, 'manager@essex.example', 'Max', '', :t, :f, CURRENT_TIMESTAMP)",
                "INSERT INTO role_assignment (person_id, role, agency_id, partnership_id) VALUES "
                "(1, 'lead', 1, NULL), (1, 'contributor', 1, NULL), (2, 'manager', NULL, 2)",
                "INSERT INTO definition_version (id, questionnaire_id, version, title, content_hash, source_name, "
                "source_text, created_at) VALUES (1, 'q', '1', 'Q', 'h', 'q.yaml', '', CURRENT_TIMESTAMP)",
                "INSERT INTO survey_round (id, partnership_id, definition_version_id, title, opens_on, deadline, "
                "state, created_at) VALUES (1, 1, 1, 'Joint', '2026-01-01', '2026-02-01', 'open', CURRENT_TIMESTAMP)",
                "INSERT INTO round_partnership (round_id, partnership_id) VALUES (1, 2)",
                "INSERT INTO agency_return (id, round_id, agency_id, state, declaration_name, declaration_role, "
                "reopened_reason, created_at, updated_at) VALUES "
                "(1, 1, 1, 'draft', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
                "(2, 1, 2, 'draft', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                "INSERT INTO answer (return_id, statement_id, rating, not_applicable, commentary, evidence_notes, "
                "evidence_links, action_what, action_who, revision, updated_at) VALUES "
                "(1, 's1', 3, :f, 'kept', '', '', '', '', 1, CURRENT_TIMESTAMP)",
            ):
                conn.execute(text(sql), flags)
        upgrade(engine, "0007")
        with engine.connect() as conn:
            roles = conn.execute(text("SELECT person_id, role, agency_id, partnership_id, active FROM "
                                      "role_assignment ORDER BY person_id, role, partnership_id")).all()
            assert [tuple(r[:4]) for r in roles] == [(1, "contributor", 1, 1), (1, "contributor", 1, 2),
                                                     (1, "lead", 1, 1), (1, "lead", 1, 2), (2, "manager", None, 2)]
            assert all(r[4] for r in roles)
            links = conn.execute(text("SELECT partnership_id, agency_id, active FROM partnership_agency "
                                      "ORDER BY partnership_id, agency_id")).all()
            assert [(p, a, bool(on)) for p, a, on in links] == [(1, 1, False), (2, 1, False), (2, 2, True)]
            returns = conn.execute(text("SELECT id, partnership_id FROM agency_return ORDER BY id")).all()
            assert [tuple(r) for r in returns] == [(1, 1), (2, 2)], "the owner's agency, then the joint board's"
            assert conn.execute(text("SELECT state FROM round_partnership")).scalar_one() == "accepted"
            assert conn.execute(text("SELECT commentary FROM answer")).scalar_one() == "kept"
            assert "active" not in {c["name"] for c in inspect(conn).get_columns("agency")}
        downgrade(engine, "0006")
        with engine.connect() as conn:
            roles = conn.execute(text("SELECT person_id, role, agency_id, partnership_id FROM role_assignment "
                                      "ORDER BY person_id, role")).all()
            assert [tuple(r) for r in roles] == [(1, "contributor", 1, None), (1, "lead", 1, None),
                                                 (2, "manager", None, 2)]
            assert conn.execute(text("SELECT active FROM agency WHERE id = 1")).scalar_one() in (False, 0)
    finally:
        engine.dispose()


def test_publications_migration_freezes_what_was_published(empty_db_url: str) -> None:
    """0009: a round published before publications were recorded is frozen at the returns submitted by then."""
    from sqlalchemy import text

    engine = make_engine(empty_db_url)
    flags = {"t": True, "f": False}
    try:
        upgrade(engine, "0008")
        with engine.begin() as conn:
            for sql in (
                "INSERT INTO partnership (id, name, slug, is_demo, created_at) VALUES "
                "(1, 'Southend', 'southend', :f, CURRENT_TIMESTAMP)",
                "INSERT INTO agency (id, name, kind, is_demo, created_at) VALUES "
                "(1, 'A', 'Police', :f, CURRENT_TIMESTAMP), (2, 'B', 'Fire', :f, CURRENT_TIMESTAMP), "
                "(3, 'C', 'Health', :f, CURRENT_TIMESTAMP)",
                "INSERT INTO definition_version (id, questionnaire_id, version, title, content_hash, source_name, "
                "source_text, created_at) VALUES (1, 'q', '1', 'Q', 'h', 'q.yaml', '', CURRENT_TIMESTAMP)",
                "INSERT INTO survey_round (id, partnership_id, definition_version_id, title, opens_on, deadline, "
                "state, created_at, published_at) VALUES (1, 1, 1, 'Published', '2026-01-01', '2026-02-01', "
                "'open', CURRENT_TIMESTAMP, '2026-01-20 12:00:00'), (2, 1, 1, 'Not published', '2026-01-01', "
                "'2026-02-01', 'open', CURRENT_TIMESTAMP, NULL)",
                "INSERT INTO agency_return (id, round_id, agency_id, partnership_id, state, submitted_at, "
                "declaration_name, declaration_role, reopened_reason, created_at, updated_at) VALUES "
                "(1, 1, 1, 1, 'submitted', '2026-01-10 09:00:00', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
                "(2, 1, 2, 1, 'submitted', '2026-01-25 09:00:00', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
                "(3, 1, 3, 1, 'draft', NULL, '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            ):
                conn.execute(text(sql), flags)
        upgrade(engine, "0009")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT round_id, return_ids, risk_reason FROM publication")).all()
            assert len(rows) == 1 and rows[0][0] == 1 and rows[0][2] == ""
            ids = rows[0][1] if isinstance(rows[0][1], list) else __import__("json").loads(rows[0][1])
            assert ids == [1], "only what was submitted when it was published"
        downgrade(engine, "0008")
        with engine.connect() as conn:
            assert "publication" not in inspect(conn).get_table_names()
    finally:
        engine.dispose()
