"""The OpenAPI schema and the interactive docs (served from local sidecar assets, no CDN)."""

from __future__ import annotations

import re

from django.test import Client
from openapi_spec_validator import validate

EXPECTED_OPERATIONS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/cases/": {"get"},
    "/api/v1/cases/import/": {"post"},
    "/api/v1/cases/{case_id}/": {"get"},
    "/api/v1/cases/{case_id}/events/": {"get"},
    "/api/v1/cases/{case_id}/transitions/": {"post"},
    "/api/v1/cases/{case_id}/refunds/": {"post"},
    "/api/v1/cases/{case_id}/acceptance/": {"post"},
    "/api/v1/cases/{case_id}/comment-labels/": {"post"},
    "/api/v1/inspections/": {"post"},
}
ASSET_ATTRIBUTE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_schema_is_valid_openapi_3_json_with_every_path(client: Client, db: None) -> None:
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()} == EXPECTED_OPERATIONS


def test_schema_documents_parameters_and_problem_responses(client: Client, db: None) -> None:
    schema = client.get("/api/schema/").json()
    paths = schema["paths"]

    queue_params = {p["name"] for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert queue_params == {
        "status",
        "kind",
        "marketplace",
        "account",
        "reason",
        "overdue",
        "open",
        "attention",
        "q",
    } | {
        "cursor",
        "limit",
    }
    transition = paths["/api/v1/cases/{case_id}/transitions/"]["post"]
    for status in ("400", "401", "403", "404", "409", "500"):
        assert "application/problem+json" in transition["responses"][status]["content"], status
    assert "application/json" in transition["responses"]["200"]["content"]
    imports = paths["/api/v1/cases/import/"]["post"]
    assert {"200", "201", "400", "401", "403"} <= set(imports["responses"])
    assert [p["name"] for p in imports["parameters"]] == ["account"]
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    money = schema["components"]["schemas"]["Money"]
    assert money["properties"]["amount"]["type"] == "string"
    assert "knoxApiToken" in schema["components"]["securitySchemes"]


def test_schema_is_also_available_as_yaml(client: Client, db: None) -> None:
    response = client.get("/api/schema/", {"format": "yaml"})

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def _assets(html: str) -> list[str]:
    return ASSET_ATTRIBUTE.findall(html)


def test_swagger_ui_uses_local_assets_only(client: Client, db: None) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = _assets(html)
    assert any("swagger-ui" in asset for asset in assets)
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert not re.search(r"https?://", html)
    assert "/api/schema/" in html
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io


def test_redoc_uses_local_assets_only(client: Client, db: None) -> None:
    response = client.get("/api/redoc/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = _assets(html)
    assert any("redoc" in asset for asset in assets)
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert not re.search(r"https?://", html)
