"""Configuration: environment overrides, production refusals, and refusing an invalid shipped definition."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from survey import create_app
from survey.cli import main
from survey.factory import ConfigurationError
from survey.services.catalogue import CatalogueError

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("SURVEY_SMTP_PORT", "2525")
    monkeypatch.setenv("SURVEY_SMTP_STARTTLS", "true")
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"].endswith("env.sqlite")
    assert app.config["SMTP_PORT"] == 2525 and app.config["SMTP_STARTTLS"] is True
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["DATABASE_URL"] == "sqlite://", "the test dict wins over the environment"


def test_default_database_is_sqlite_in_instance_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SURVEY_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{Path(app.instance_path) / 'survey.sqlite'}"


@pytest.mark.parametrize("config", [{"SECRET_KEY": "dev-only-not-secret"}, {"SECRET_KEY": ""},
                                    {"SECRET_KEY": "x" * 40, "DEBUG": True}])
def test_production_refuses_default_secret_or_debug(config: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        create_app({"ENV": "production", "DATABASE_URL": "sqlite://", **config})


def test_production_starts_with_a_real_secret() -> None:
    app = create_app({"ENV": "production", "DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40})
    assert app.config["ENV"] == "production"


def test_invalid_shipped_definition_stops_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good.yaml").write_text((QUESTIONNAIRES / "board-self-assessment.yaml").read_text())
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: Broken\n")
    with pytest.raises(CatalogueError) as caught:
        create_app({"DATABASE_URL": "sqlite://", "QUESTIONNAIRES_DIR": str(tmp_path)})
    assert f"{tmp_path / 'broken.yaml'}:1: [E102]" in str(caught.value)
    monkeypatch.setenv("SURVEY_QUESTIONNAIRES_DIR", str(tmp_path))
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1 and "invalid questionnaire definition" in result.output
    assert "broken.yaml:1: [E102]" in result.output


def test_two_files_with_one_id_stop_the_app(tmp_path: Path) -> None:
    text = (QUESTIONNAIRES / "board-self-assessment.yaml").read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(CatalogueError, match="is also used by"):
        create_app({"DATABASE_URL": "sqlite://", "QUESTIONNAIRES_DIR": str(tmp_path)})


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for command in (["validate"], ["score"], ["demo"], ["db"], ["db", "upgrade"], ["db", "current"], ["serve"],
                    ["retention", "apply"], ["person", "export"], ["person", "erase"], ["round", "list"],
                    ["round", "create"], ["round", "open"], ["round", "close"], ["round", "status"], ["remind"],
                    ["agencies", "import"]):
        result = runner.invoke(main, [*command, "--help"], prog_name="survey")
        assert result.exit_code == 0 and "Usage: survey" in result.output, command


def test_serve_rejects_bad_port() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "70000"])
    assert result.exit_code == 2 and "70000 is not in the range 1<=x<=65535" in result.output
