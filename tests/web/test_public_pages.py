"""The public pages over HTTP: start page, questionnaire preview, health, error pages, assets."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


def test_home_lists_shipped_questionnaires(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/assets/govuk-frontend.min.css"' in html
    for title in ("Board self-assessment", "Section 11 audit", "Schools&#39; safeguarding return"):
        assert title in html


def test_questionnaire_preview(client: FlaskClient) -> None:
    page = client.get("/questionnaires/board-self-assessment")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Statutory Duties set out in Section 14 of the Children Act 2004" in html
    assert "Poor, Adequate, Good, Outstanding" in html
    assert "Evidence how LSCB members have challenged one another" in html


def test_unknown_questionnaire_is_404(client: FlaskClient) -> None:
    page = client.get("/questionnaires/nope")
    assert page.status_code == 404 and "Page not found" in page.get_data(as_text=True)


def test_health_checks_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "up"}


@pytest.mark.parametrize("asset", ["govuk-frontend.min.css", "govuk-frontend.min.js", "fonts/light-94a07e06a1-v2.woff2",
                                   "images/favicon.ico"])
def test_govuk_assets_are_served_locally(client: FlaskClient, asset: str) -> None:
    with client.get(f"/assets/{asset}") as response:
        assert response.status_code == 200 and len(response.data) > 100


def test_asset_path_traversal_is_refused(client: FlaskClient) -> None:
    assert client.get("/assets/../../../pyproject.toml").status_code == 404
    assert client.get("/assets/%2e%2e/%2e%2e/package.json").status_code == 404


def test_method_not_allowed_page(client: FlaskClient) -> None:
    assert client.post("/").status_code in (400, 405)
