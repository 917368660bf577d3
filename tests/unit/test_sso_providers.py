"""The single sign-on providers file: every mistake gets a message naming the file, the provider and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey.sso_providers import Provider, ProviderFileError, load_providers

GOOD = '''
[[provider]]
name = "microsoft"
label = "Sign in with Microsoft"
issuer = "https://login.microsoftonline.com/organizations/v2.0"
client_id = "abc"
client_secret_env = "MS_SECRET"
kind = "entra"
tenants = ["72F988BF-86F1-41AF-91AB-2D7CD011DB47"]
required_for_domains = ["@Police.example"]

[[provider]]
name = "nhsmail"
label = "Sign in with NHSmail"
issuer = "https://nhsmail.example/auth"
client_id = "def"
client_secret = "s"
'''


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "providers.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_good_file_is_read(tmp_path: Path) -> None:
    microsoft, nhs = load_providers(write(tmp_path, GOOD), environ={"MS_SECRET": "from-env"})
    assert microsoft.client_secret == "from-env" and "from-env" not in repr(microsoft)
    assert microsoft.tenants == {"72f988bf-86f1-41af-91ab-2d7cd011db47"}
    assert microsoft.required_for_domains == {"police.example"}
    assert nhs.kind == "standard" and nhs.metadata_url == "https://nhsmail.example/auth/.well-known/openid-configuration"


@pytest.mark.parametrize(("change", "words"), [
    (('kind = "entra"', 'kind = "saml"'), "kind 'saml' must be one of standard, entra"),
    (('name = "nhsmail"', 'name = "microsoft"'), "two providers are called 'microsoft'"),
    (('name = "nhsmail"', 'name = "NHS Mail"'), "must be lower-case letters"),
    (('issuer = "https://nhsmail.example/auth"', 'issuer = "http://nhsmail.example/auth"'), "must start with https://"),
    (('client_secret = "s"', 'client_secret = ""'), "give client_secret, or client_secret_env"),
    (('client_secret_env = "MS_SECRET"', 'client_secret_env = "UNSET_SECRET"'), "'UNSET_SECRET', but that"),
    (('label = "Sign in with NHSmail"', 'colour = "blue"'), "unknown setting 'colour'"),
    (('tenants = ["72F988BF-86F1-41AF-91AB-2D7CD011DB47"]', 'tenants = ["contoso"]'), "'contoso' is not a tenant id"),
    (('tenants = ["72F988BF-86F1-41AF-91AB-2D7CD011DB47"]', 'tenants = "x"'), "tenants must be a list of strings"),
    (('client_id = "def"', 'client_id = "def"\nscopes = "email"'), "scopes must include openid"),
    (('[[provider]]\nname = "microsoft"', '[server]\nname = "microsoft"'), "list each provider in a"),
    (('name = "nhsmail"', 'name = "nhsmail'), "is not valid TOML"),
])
def test_mistakes_are_named(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    with pytest.raises(ProviderFileError) as raised:
        load_providers(write(tmp_path, GOOD.replace(*change, 1)), environ={"MS_SECRET": "x"})
    assert words in str(raised.value)
    assert str(tmp_path) in str(raised.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ProviderFileError, match="cannot be read"):
        load_providers(str(tmp_path / "missing.toml"))
    (tmp_path / "latin1.toml").write_bytes("label = 'Caf\xe9'".encode("latin-1"))
    with pytest.raises(ProviderFileError, match="not UTF-8"):
        load_providers(str(tmp_path / "latin1.toml"))
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    with pytest.raises(ProviderFileError, match=r"\[\[provider\]\] table"):
        load_providers(str(tmp_path / "empty.toml"))


def test_loopback_http_issuers_only_in_development(tmp_path: Path) -> None:
    text = GOOD.replace("https://nhsmail.example/auth", "http://127.0.0.1:9000")
    assert load_providers(write(tmp_path, text), environ={"MS_SECRET": "x"}, development=True)[1].issuer
    with pytest.raises(ProviderFileError, match="https://"):
        load_providers(write(tmp_path, text), environ={"MS_SECRET": "x"})


def test_an_entra_token_fills_in_the_issuer_template() -> None:
    entra = Provider("m", "M", "https://login.microsoftonline.com/organizations/v2.0", "c", "s", kind="entra")
    template = "https://login.microsoftonline.com/{tenantid}/v2.0"
    tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert entra.issuer_matches(template, {"tid": tid, "iss": f"https://login.microsoftonline.com/{tid}/v2.0"})
    # A token from one tenant claiming to be another's, or with no tenant at all, does not match.
    assert not entra.issuer_matches(template, {"tid": tid, "iss": "https://login.microsoftonline.com/other/v2.0"})
    assert not entra.issuer_matches(template, {"iss": template})
    standard = Provider("n", "N", "https://nhs.example", "c", "s")
    assert not standard.issuer_matches("https://nhs.example", {"iss": "https://evil.example"})
    assert standard.issuer_matches("https://nhs.example", {"iss": "https://nhs.example"})
