"""GET /metrics: Prometheus' text format, with requests by route template, method and status and their
latency, the jobs' runs and failures, the admission limiter's waits (tests/integration/test_busy.py);
to the bearer of HUIKUAN_METRICS_TOKEN, or without one to the loopback address only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from tests.support.messaging import use_settings

from huikuan.services import jobs
from huikuan.services.jobs import Job, run_due
from huikuan.web.app import create_app

LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("203.0.113.7", 50000)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_requests_are_counted_by_route_template_method_and_status(db_env: str) -> None:
    client = TestClient(create_app(db_env), client=LOOPBACK)
    for case_id in (12, 13, 99999):
        client.get(f"/api/v1/cases/{case_id}?q=张伟")
    samples = _samples(client.get("/metrics").text)
    key = (
        "huikuan_http_requests_total",
        (("method", "GET"), ("route", "/api/v1/cases/{case_id}"), ("status", "401")),
    )
    assert samples[key] >= 3
    latency = (
        "huikuan_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/api/v1/cases/{case_id}")),
    )
    assert samples[latency] >= 3
    assert not [name for name, labels in samples if any("99999" in v or "张伟" in v for _, v in labels)]


def test_the_jobs_runs_and_failures_are_counted(
    engine: Engine, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(_uow: object, _now: object) -> dict[str, int]:
        raise RuntimeError("the provider is down")

    monkeypatch.setattr(jobs, "REGISTRY", {"metered": Job("metered", failing, jobs.LEASE, "fails")})
    run_due(engine, only="metered")
    samples = _samples(TestClient(create_app(db_env), client=LOOPBACK).get("/metrics").text)
    assert samples[("huikuan_job_runs_total", (("job", "metered"), ("outcome", "failed")))] >= 1
    assert samples[("huikuan_job_duration_seconds_count", (("job", "metered"),))] >= 1


def test_without_a_read_replica_no_replica_figure_is_exposed(db_env: str) -> None:
    # With one, its state and lag are asked at each scrape (tests/faults/test_read_replica.py).
    samples = _samples(TestClient(create_app(db_env), client=LOOPBACK).get("/metrics").text)
    assert samples and not [name for name, _ in samples if name.startswith("huikuan_read_replica")]
    assert "read_replica" not in TestClient(create_app(db_env)).get("/health").json()


def test_without_a_token_only_the_loopback_address_may_read_the_metrics(db_env: str) -> None:
    app = create_app(db_env)
    assert TestClient(app, client=LOOPBACK).get("/metrics").status_code == 200
    assert TestClient(app, client=("::1", 50000)).get("/metrics").status_code == 200
    assert TestClient(app, client=ELSEWHERE).get("/metrics").status_code == 403


def test_with_a_token_the_bearer_may_read_the_metrics_from_anywhere(
    db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, metrics_token="s3cret-token")
    app = create_app(db_env)
    elsewhere, loopback = TestClient(app, client=ELSEWHERE), TestClient(app, client=LOOPBACK)
    assert elsewhere.get("/metrics").status_code == 401
    assert loopback.get("/metrics").status_code == 401  # the token is then required of everyone
    assert elsewhere.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    answer = elsewhere.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
