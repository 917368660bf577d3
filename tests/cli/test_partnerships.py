"""Setting up a new installation from the command line: a partnership, its board manager, an administrator."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from survey import create_app
from survey.cli import main
from tests.fixtures_demo import set_up_second_factor
from tests.web.forms import csrf_token

PASSWORD = "a long and unguessable passphrase 2026"
SECRET = "test-secret-key-0123456789"


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {"SURVEY_DATABASE_URL": db_url, "SURVEY_SECRET_KEY": SECRET}


def run(runner: CliRunner, env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_a_new_installation_gets_its_partnership_and_people(env: dict[str, str], runner: CliRunner, db_url: str,
                                                           tmp_path: Path) -> None:
    code, out = run(runner, env, "partnership", "create", "Lambeth Safeguarding Children Partnership",
                    "--slug", "lambeth")
    assert code == 0 and "created partnership lambeth: Lambeth Safeguarding Children Partnership" in out
    code, out = run(runner, env, "person", "add", "Sam.Manager@Lambeth.example", "--name", "Sam Manager",
                    "--role", "manager", "--partnership", "lambeth")
    assert code == 0, out
    assert ("Sam Manager (sam.manager@lambeth.example) is now manager of Lambeth Safeguarding Children "
            "Partnership") in out
    link = out.strip().splitlines()[-1]
    assert "/set-password/invite/" in link
    code, out = run(runner, env, "person", "add", "it@lambeth.example", "--name", "Ira Tech", "--role", "admin")
    assert code == 0 and "is now an administrator" in out
    code, out = run(runner, env, "partnership", "list", "--format", "json")
    assert code == 0
    assert json.loads(out) == [{"id": json.loads(out)[0]["id"], "name": "Lambeth Safeguarding Children Partnership",
                                "slug": "lambeth", "agencies": 0, "managers": ["sam.manager@lambeth.example"],
                                "chairs": []}]

    # The manager follows the printed link, chooses a password, signs in and can start a round.
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": SECRET,
                      "EXPORTS_DIR": str(tmp_path / "exports"), "EVIDENCE_DIR": str(tmp_path / "evidence")})
    client = app.test_client()
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200
    set_password = client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                           "password": PASSWORD, "confirm": PASSWORD})
    assert set_password.status_code == 302, set_password.get_data(as_text=True)[:2000]
    sign_in = client.get("/sign-in")
    signed = client.post("/sign-in", data={"csrf_token": csrf_token(sign_in.get_data(as_text=True)),
                                           "email": "sam.manager@lambeth.example", "password": PASSWORD})
    assert signed.status_code == 302
    assert client.get("/manager/").headers["Location"].startswith("/account/second-factor")
    set_up_second_factor(client, "sam.manager@lambeth.example")
    assert client.get("/manager/").status_code == 200
    new_round = client.get("/manager/rounds/new").get_data(as_text=True)
    assert "For Lambeth Safeguarding Children Partnership" in new_round
    assert "This partnership has no agencies yet" in new_round
    assert client.get(path).status_code == 400, "the link works once"

    code, out = run(runner, env, "person", "remove-role", "sam.manager@lambeth.example", "--role", "manager",
                    "--partnership", "lambeth")
    assert code == 0 and "is no longer manager of Lambeth" in out
    assert client.get("/manager/").status_code == 403


@pytest.mark.parametrize(("args", "message"), [
    (["partnership", "create", "", "--slug", "x"], "Enter the partnership's name"),
    (["partnership", "create", "Lambeth", "--slug", "Lambeth Board"], "lower-case letters, digits"),
    (["partnership", "create", "Lambeth", "--slug", "southend"], "The short name southend is taken"),
    (["partnership", "create", "Southend Safeguarding Children Partnership", "--slug", "s2"],
     "There is already a partnership called"),
    (["partnership", "rename", "nowhere", "New Name"], "no partnership 'nowhere'"),
    (["partnership", "rename", "southend", "   "], "Enter the partnership's name"),
    (["partnership", "rename", "southend", "x" * 201], "200 characters or fewer"),
    (["person", "add", "new@x.example", "--role", "manager", "--partnership", "southend"], "Enter the person's name"),
    (["person", "add", "new@x.example", "--name", "N", "--role", "king"], "Choose manager, chair or admin"),
    (["person", "add", "new@x.example", "--name", "N", "--role", "chair"], "Choose the partnership the chair"),
    (["person", "add", "new@x.example", "--name", "N", "--role", "chair", "--partnership", "nowhere"],
     "no partnership 'nowhere'"),
    (["person", "add", "new@x.example", "--name", "N", "--role", "admin", "--partnership", "southend"],
     "not one partnership"),
    (["person", "add", "not-an-email", "--name", "N", "--role", "admin"], "correct format"),
    # The one rule sign-in applies too: these were accepted here and then could never sign in.
    (["person", "add", "a@example..org", "--name", "N", "--role", "admin"], "correct format"),
    (["person", "add", '=HYPERLINK("http://x")@a.b', "--name", "N", "--role", "admin"], "correct format"),
    (["person", "add", "manager@demo.example", "--role", "manager", "--partnership", "southend"],
     "is already manager of Southend"),
    (["person", "remove-role", "nobody@x.example", "--role", "admin"], "no person with the email"),
    (["person", "remove-role", "chair@demo.example", "--role", "manager", "--partnership", "southend"],
     "is not manager of Southend"),
    (["person", "remove-role", "chair@demo.example", "--role", "chair"], "say which partnership"),
    (["person", "remove-role", "admin@demo.example", "--role", "admin"], "the last administrator"),
])
def test_bad_input_gets_one_line_and_changes_nothing(env: dict[str, str], runner: CliRunner, args: list[str],
                                                     message: str) -> None:
    assert run(runner, env, "demo")[0] == 0
    before = run(runner, env, "partnership", "list", "--format", "json")[1]
    code, out = run(runner, env, *args)
    assert code != 0 and message in out, out
    assert run(runner, env, "partnership", "list", "--format", "json")[1] == before


def test_a_partnership_is_renamed_and_keeps_its_short_name(env: dict[str, str], runner: CliRunner) -> None:
    assert run(runner, env, "demo")[0] == 0
    assert run(runner, env, "partnership", "create", "Essex Safeguarding Children Board", "--slug", "essex")[0] == 0
    code, out = run(runner, env, "partnership", "rename", "southend", "  Southend   Safeguarding Partnership ")
    assert code == 0, out
    assert ("renamed partnership southend: Southend Safeguarding Children Partnership -> "
            "Southend Safeguarding Partnership") in out
    listed = {r["slug"]: r["name"] for r in json.loads(run(runner, env, "partnership", "list", "--format", "json")[1])}
    assert listed == {"southend": "Southend Safeguarding Partnership", "essex": "Essex Safeguarding Children Board"}
    rounds = json.loads(run(runner, env, "round", "list", "--format", "json")[1])
    assert rounds and {r["partnership"] for r in rounds} == {"Southend Safeguarding Partnership"}

    code, out = run(runner, env, "partnership", "rename", "southend", "Southend Safeguarding Partnership")
    assert code == 0 and "partnership southend is already called Southend Safeguarding Partnership" in out
    code, out = run(runner, env, "partnership", "rename", "southend", "essex safeguarding children board")
    assert code != 0 and "There is already a partnership called Essex Safeguarding Children Board" in out
    code, out = run(runner, env, "partnership", "rename", "essex", "ESSEX Safeguarding Children Board")
    assert code == 0 and "-> ESSEX Safeguarding Children Board" in out, "a change of case alone is allowed"
