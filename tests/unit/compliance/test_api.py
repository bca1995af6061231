"""POST /api/v1/compliance/decisions: the same JSON and the same messages as the command."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.unit.compliance.builders import body

from huikuan.web.api.compliance import compliance_caller, router

URL = "/api/v1/compliance/decisions"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[compliance_caller] = lambda: "dialer"  # a key's user (tests/integration)
    return TestClient(app)


def test_a_refused_contact_is_a_200_with_the_decision(client: TestClient) -> None:
    response = client.post(URL, json=body("2026-03-04T15:15:00Z"))
    assert response.status_code == 200
    decision = response.json()
    assert decision["allowed"] is False and decision["next_allowed_at"] == "2026-03-04T16:00:00Z"
    assert set(decision) == {"allowed", "violations", "next_allowed_at", "pack", "pack_version", "id"}


def test_the_default_pack_is_regulation_f(client: TestClient) -> None:
    assert client.post(URL, json=body("2026-03-04T18:00:00Z")).json()["pack"] == "us-reg-f"


def test_the_pack_comes_from_the_query_or_the_body(client: TestClient) -> None:
    assert client.post(URL, params={"pack": "uk-conc"}, json=body()).json()["pack"] == "uk-conc"
    assert client.post(URL, json={**body(), "pack": "cn"}).json()["pack"] == "cn"
    clash = client.post(URL, params={"pack": "cn"}, json={**body(), "pack": "uk-conc"})
    assert clash.status_code == 422 and clash.json()["detail"].startswith("pack:")


def test_an_invalid_request_is_a_422_naming_the_field(client: TestClient) -> None:
    bad = body()
    bad["debtor"]["flags"]["cease"] = "no"
    response = client.post(URL, json=bad)
    assert response.status_code == 422
    assert response.json() == {"detail": "debtor.flags.cease: expected a boolean"}


def test_text_that_is_not_json_is_a_422(client: TestClient) -> None:
    response = client.post(URL, content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"].startswith("request:")


def test_an_unknown_pack_is_a_422(client: TestClient) -> None:
    response = client.post(URL, params={"pack": "mars"}, json=body())
    assert response.status_code == 422 and response.json()["detail"].startswith("pack: unknown pack")


def test_the_contract_appears_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"][URL]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"at", "channel", "purpose", "party", "debtor", "debt", "history"} <= set(schema["properties"])
    assert "flags" in schema["properties"]["debtor"]["properties"]
    assert "$defs" not in str(schema)
    assert {p["name"] for p in operation["parameters"]} == {"pack"}
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response["$ref"].endswith("/DecisionOut")
