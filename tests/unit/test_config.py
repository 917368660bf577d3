"""Configuration: environment overrides, production refusals, and refusing an invalid shipped definition."""

from __future__ import annotations

import secrets
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


STRONG = secrets.token_urlsafe(32)
PRODUCTION = {"ENV": "production", "DATABASE_URL": "sqlite://", "BASE_URL": "https://board.example.org"}


@pytest.mark.parametrize(("config", "message"), [
    ({"SECRET_KEY": "dev-only-not-secret"}, "SURVEY_SECRET_KEY must be at least 32 random bytes"),
    ({"SECRET_KEY": ""}, "SURVEY_SECRET_KEY must be at least 32 random bytes"),
    ({"SECRET_KEY": "x"}, "SURVEY_SECRET_KEY must be at least 32 random bytes"),
    ({"SECRET_KEY": "x" * 40}, "SURVEY_SECRET_KEY must be at least 32 random bytes"),
    ({"SECRET_KEY": "ab" * 30}, "SURVEY_SECRET_KEY must be at least 32 random bytes"),
    ({"SECRET_KEY": secrets.token_hex(16)}, "SURVEY_SECRET_KEY must be at least 32 random bytes"),
    ({"SECRET_KEY": STRONG, "DEBUG": True}, "debug must be off in production"),
    ({"SECRET_KEY": STRONG, "BASE_URL": "http://board.example.org"}, "in production it must start with https://"),
    ({"SECRET_KEY": STRONG, "BASE_URL": "board.example.org"}, "it must be the address people use"),
])
def test_production_refuses_a_weak_secret_debug_or_no_address(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_app({**PRODUCTION, **config})


@pytest.mark.parametrize("secret", [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(64)],
                         ids=["urlsafe-32", "hex-32", "urlsafe-64"])
def test_production_starts_with_a_real_secret(secret: str) -> None:
    app = create_app({**PRODUCTION, "SECRET_KEY": secret})
    assert app.config["ENV"] == "production" and app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["TRUSTED_HOSTS"] == ["board.example.org"]


@pytest.mark.parametrize("env", ["Production", "prod", "PRODUCTION", "staging", ""])
def test_unknown_environment_refuses_to_start(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="it must be one of development, production"):
        create_app({"DATABASE_URL": "sqlite://", "ENV": env})
    monkeypatch.setenv("SURVEY_ENV", env)
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 1 and f"SURVEY_ENV is {env!r}" in result.output


def test_misspelt_setting_refuses_to_start_with_a_suggestion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_DATABSE_URL", "sqlite://")
    with pytest.raises(ConfigurationError, match="SURVEY_DATABSE_URL is not a setting of this app; did you mean "
                                                 "SURVEY_DATABASE_URL"):
        create_app()
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 1 and "did you mean SURVEY_DATABASE_URL?" in result.output
    monkeypatch.delenv("SURVEY_DATABSE_URL")
    monkeypatch.setenv("SURVEY_WHATEVER", "1")
    with pytest.raises(ConfigurationError, match="SURVEY_WHATEVER is not a setting"):
        create_app()


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
                    ["round", "create"], ["round", "joint"], ["round", "open"], ["round", "close"],
                    ["round", "status"], ["remind"], ["agencies", "import"]):
        result = runner.invoke(main, [*command, "--help"], prog_name="survey")
        assert result.exit_code == 0 and "Usage: survey" in result.output, command


def test_serve_rejects_bad_port() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "70000"])
    assert result.exit_code == 2 and "70000 is not in the range 1<=x<=65535" in result.output


def test_mail_settings_without_a_sender_use_the_default() -> None:
    from survey.services.mail import DEFAULT_SENDER, SmtpSettings

    settings = SmtpSettings.from_config({"SMTP_HOST": "h"})
    assert settings.sender == DEFAULT_SENDER == "safeguarding-partnership@localhost"
    assert SmtpSettings.from_config({"SMTP_HOST": "h", "MAIL_FROM": "board@example.org"}).sender == "board@example.org"


def test_settings_from_the_environment_take_the_type_of_their_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_SMTP_PASSWORD", "123456")  # text, though it is all digits
    monkeypatch.setenv("SURVEY_SMTP_PORT", "2525")
    monkeypatch.setenv("SURVEY_SMTP_STARTTLS", "TRUE")
    monkeypatch.setenv("SURVEY_SERVICE_NAME", "true")  # text: the name happens to be a word for a flag
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["SMTP_PASSWORD"] == "123456"
    assert app.config["SMTP_PORT"] == 2525
    assert app.config["SMTP_STARTTLS"] is True
    assert app.config["SERVICE_NAME"] == "true"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SMTP_PORT", "twenty-five", "SURVEY_SMTP_PORT is 'twenty-five'; it must be a number"),
    ("SMTP_STARTTLS", "yes please", "SURVEY_SMTP_STARTTLS is 'yes please'; it must be true or false"),
])
def test_a_setting_of_the_wrong_kind_refuses_to_start(name: str, value: str, message: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"SURVEY_{name}", value)
    with pytest.raises(ConfigurationError, match=message):
        create_app({"DATABASE_URL": "sqlite://"})
