"""The OpenID Connect providers people may sign in with (Microsoft Entra ID, NHSmail, any standard issuer),
read from the TOML file SURVEY_SSO_PROVIDERS_FILE names. Secrets stay out of the file where the administrator
prefers: `client_secret_env` names an environment variable that holds the secret instead."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KINDS = ("standard", "entra")
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# A Microsoft Entra tenant id is a GUID.
TENANT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
KEYS = frozenset({"name", "label", "issuer", "client_id", "client_secret", "client_secret_env", "kind", "tenants",
                  "required_for_domains", "scopes"})
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ProviderFileError(ValueError):
    """The providers file cannot be used; the message names the file, the provider and what is wrong."""


@dataclass(frozen=True, slots=True)
class Provider:
    """One OpenID Connect provider and how this installation is registered with it."""

    name: str  # in the sign-in address, /sign-in/sso/<name>
    label: str  # the button's words: "Sign in with Microsoft"
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    kind: str = "standard"  # "entra": Microsoft Entra ID, where the token's tenant (`tid`) must be allowed
    tenants: frozenset[str] = frozenset()  # Entra tenants allowed for everyone, beside each partnership's own
    required_for_domains: frozenset[str] = frozenset()  # people with these email domains must use this provider
    scopes: str = "openid email profile"

    @property
    def metadata_url(self) -> str:
        """Where the provider publishes its endpoints and keys (OpenID Connect Discovery)."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def issuer_matches(self, published: str, claims: Mapping[str, Any]) -> bool:
        """Whether a token's `iss` is the provider's. Entra's multi-tenant endpoints publish the issuer as a
        template, `https://login.microsoftonline.com/{tenantid}/v2.0`, that each tenant's tokens fill in."""
        expected = published
        if self.kind == "entra" and "{tenantid}" in published:
            expected = published.replace("{tenantid}", str(claims.get("tid", "")))
        return claims.get("iss") == expected


def _strings(value: Any, where: str, key: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProviderFileError(f"{where}: {key} must be a list of strings, like [\"a\", \"b\"]")
    return frozenset(item.strip().lower() for item in value if item.strip())


def _issuer(value: Any, where: str, development: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProviderFileError(f"{where}: issuer is missing; it is the provider's address, like "
                                "https://login.microsoftonline.com/organizations/v2.0")
    parts = urlsplit(value.strip())
    loopback = development and parts.scheme == "http" and parts.hostname in LOOPBACK
    if parts.scheme != "https" and not loopback:
        raise ProviderFileError(f"{where}: issuer {value!r} must start with https://")
    return value.strip()


def _secret(raw: Mapping[str, Any], where: str, environ: Mapping[str, str]) -> str:
    if "client_secret_env" in raw:
        variable = raw["client_secret_env"]
        if not isinstance(variable, str) or not environ.get(variable):
            raise ProviderFileError(f"{where}: client_secret_env names {variable!r}, but that environment variable "
                                    "is not set")
        return environ[variable]
    secret = raw.get("client_secret")
    if not isinstance(secret, str) or not secret:
        raise ProviderFileError(f"{where}: give client_secret, or client_secret_env naming the environment variable "
                                "that holds it")
    return secret


def provider_from(raw: Mapping[str, Any], where: str, environ: Mapping[str, str], development: bool) -> Provider:
    """One provider from its table in the file, every value checked."""
    if not isinstance(raw, Mapping):
        raise ProviderFileError(f"{where}: list each provider in a [[provider]] table")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ProviderFileError(f"{where}: unknown setting {unknown[0]!r}; the settings are {', '.join(sorted(KEYS))}")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ProviderFileError(f"{where}: name {name!r} must be lower-case letters, digits and hyphens, like "
                                "\"microsoft\"")
    where = f"{where} ({name})"
    for key in ("label", "client_id"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ProviderFileError(f"{where}: {key} is missing")
    kind = raw.get("kind", "standard")
    if kind not in KINDS:
        raise ProviderFileError(f"{where}: kind {kind!r} must be one of {', '.join(KINDS)}")
    tenants = _strings(raw.get("tenants", []), where, "tenants")
    bad = sorted(t for t in tenants if not TENANT.fullmatch(t))
    if bad:
        raise ProviderFileError(f"{where}: tenant {bad[0]!r} is not a tenant id (a GUID like "
                                "72f988bf-86f1-41af-91ab-2d7cd011db47)")
    scopes = raw.get("scopes", "openid email profile")
    if not isinstance(scopes, str) or "openid" not in scopes.split():
        raise ProviderFileError(f"{where}: scopes must include openid")
    return Provider(name=name, label=raw["label"].strip(), issuer=_issuer(raw.get("issuer"), where, development),
                    client_id=raw["client_id"].strip(), client_secret=_secret(raw, where, environ), kind=kind,
                    tenants=tenants, scopes=scopes,
                    required_for_domains=frozenset(d.lstrip("@") for d in _strings(
                        raw.get("required_for_domains", []), where, "required_for_domains")))


def load_providers(path: str, environ: Mapping[str, str] | None = None, development: bool = False) -> list[Provider]:
    """The providers a file lists ([[provider]] tables), or a ProviderFileError saying what is wrong."""
    environ = os.environ if environ is None else environ
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProviderFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ProviderFileError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProviderFileError(f"{path}: is not valid TOML ({exc})") from None
    tables = data.get("provider", [])
    if set(data) - {"provider"} or not isinstance(tables, list) or not tables:
        raise ProviderFileError(f"{path}: list each provider in a [[provider]] table")
    providers = [provider_from(raw, f"{path}, provider {n}", environ, development)
                 for n, raw in enumerate(tables, start=1)]
    names = [p.name for p in providers]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ProviderFileError(f"{path}: two providers are called {repeated[0]!r}; each needs its own name")
    return providers
