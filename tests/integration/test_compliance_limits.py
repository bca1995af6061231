"""The public compliance endpoint guards itself: a body past its limit is a 413 (counted on the bytes
received, with or without Content-Length), JSON nested past the contract's depth a 422, a caller past
its rate a 429 with Retry-After; the decision is computed off the event loop. Every other route has a
body limit too."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.support.messaging import use_settings
from tests.unit.compliance.builders import body

from huikuan.compliance.contract_parse import MAX_DEPTH
from huikuan.web.api import compliance as api_compliance
from huikuan.web.app import create_app

URL = "/api/v1/compliance/decisions"
KIB = 1024


def _app(db_env: str) -> FastAPI:
    """The app, its compliance endpoint asked by one machine client (who it is: test_sessions.py)."""
    app = create_app(db_env)
    app.dependency_overrides[api_compliance.compliance_caller] = lambda: "dialer"
    return app


def _client(db_env: str, monkeypatch: pytest.MonkeyPatch, **settings: str) -> TestClient:
    use_settings(monkeypatch, **settings)
    return TestClient(_app(db_env))


def test_a_body_past_the_limit_is_refused_with_413(db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(db_env, monkeypatch, compliance_max_body_bytes=str(64 * KIB))
    padded = {**body(), "pack": "us-reg-f", "history": []}
    assert client.post(URL, json=padded).status_code == 200
    large = b'{"history": [' + b",".join(b'{"at": "2026-03-01T16:00:00Z"}' for _ in range(4000)) + b"]}"
    assert len(large) > 64 * KIB
    response = client.post(URL, content=large, headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_streamed_body_without_content_length_is_counted_as_it_arrives(
    db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(db_env, monkeypatch, compliance_max_body_bytes=str(64 * KIB))

    def chunks() -> Iterator[bytes]:
        yield b'{"history": ['
        for _ in range(200):
            yield b'{"at": "2026-03-01T16:00:00Z"},' * 20
        yield b"{}]}"

    response = client.post(URL, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_json_nested_deeper_than_the_contract_is_a_422_not_a_server_error(db_env: str) -> None:
    client = TestClient(_app(db_env), raise_server_exceptions=False)
    for depth in (MAX_DEPTH + 1, 1000, 100_000):
        nested = "[" * depth + "]" * depth
        response = client.post(URL, content=nested, headers={"content-type": "application/json"})
        assert response.status_code == 422, depth
        assert response.json()["detail"] == f"request: nested deeper than {MAX_DEPTH} levels"


def test_a_caller_past_its_rate_is_told_when_to_come_back(
    db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(db_env, monkeypatch, compliance_rate_per_minute="6")  # a burst of 1, then one per 10 s
    assert client.post(URL, json=body()).status_code == 200
    refused = client.post(URL, json=body())
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 10


def test_the_rate_limit_is_per_caller(db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(db_env)
    use_settings(monkeypatch, compliance_rate_per_minute="6")
    callers = iter(["10.0.0.1", "10.0.0.2"])
    app.dependency_overrides[api_compliance.compliance_caller] = lambda: next(callers)
    client = TestClient(app)
    assert [client.post(URL, json=body()).status_code for _ in range(2)] == [200, 200]


def test_the_decision_is_computed_off_the_event_loop(db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: dict[str, int] = {}
    real_check = api_compliance.check

    def recording_check(data: Any, pack: str | None = None) -> dict[str, Any]:
        threads["decision"] = threading.get_ident()
        return real_check(data, pack)

    async def on_the_loop() -> str:
        threads["loop"] = threading.get_ident()
        return "caller"

    monkeypatch.setattr(api_compliance, "check", recording_check)
    app = create_app(db_env)
    app.dependency_overrides[api_compliance.rate_limited] = on_the_loop
    assert TestClient(app).post(URL, json=body()).status_code == 200
    assert threads["decision"] != threads["loop"]


def test_every_other_route_has_a_body_limit_too(db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(db_env, monkeypatch, max_body_bytes=str(16 * KIB))
    form = {"username": "x" * (32 * KIB), "password": "y"}
    assert client.post("/login", data=form).status_code == 413
    assert client.post("/api/v1/queue/next", json={"pad": "z" * (32 * KIB)}).status_code == 413
