"""A web process takes on no more requests than it has connections; one that must wait too long is
answered 503 "busy, try again" with Retry-After, in the user's language, and nothing is changed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from tests.support.server import running

from huikuan import config
from huikuan.storage import engine as engines
from huikuan.web.app import create_app

BUSY_ZH = "系统繁忙：本次操作未做任何更改，请几秒后重试"
BUSY_EN = "The system is busy: nothing was changed, please try again in a few seconds"


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


@pytest.fixture
def one_at_a_time(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    """The app of a process with one connection, whose requests wait at most 0.3 s for it."""
    monkeypatch.setenv("HUIKUAN_DB_POOL_SIZE", "1")
    monkeypatch.setenv("HUIKUAN_DB_POOL_TIMEOUT", "0.3")
    config.get_settings.cache_clear()
    url = engine.url.render_as_string(hide_password=False)
    engines._engines.pop(url, None)
    app = create_app(url)
    release = threading.Event()

    @app.get("/api/v1/test/hold")
    def hold() -> dict[str, bool]:
        return {"released": release.wait(5)}

    app.state.release = release
    yield app
    release.set()
    served = engines._engines.pop(url, None)
    if served is not None:
        served.dispose()
    config.get_settings.cache_clear()


def test_a_request_that_cannot_get_its_turn_is_answered_busy_with_retry_after_in_its_language(
    one_at_a_time: FastAPI,
) -> None:
    waits, turned_away = (
        _sample("huikuan_admission_waits_total"),
        _sample("huikuan_admission_turned_away_total"),
    )
    with running(one_at_a_time) as base:
        holder = threading.Thread(
            target=httpx.get, args=(base + "/api/v1/test/hold",), kwargs={"timeout": 10}
        )
        holder.start()
        time.sleep(0.3)
        page = httpx.get(base + "/login", headers={"Accept-Language": "zh-CN"}, timeout=10)
        api = httpx.get(base + "/api/v1/queue", headers={"Accept-Language": "en"}, timeout=10)
        htmx = httpx.get(base + "/queue", headers={"HX-Request": "true", "Accept-Language": "en"}, timeout=10)
        one_at_a_time.state.release.set()
        holder.join()
        after = httpx.get(base + "/login", headers={"Accept-Language": "zh-CN"}, timeout=10)
    assert page.status_code == 503 and page.headers["Retry-After"] == "5" and BUSY_ZH in page.text
    assert api.status_code == 503 and api.json() == {"detail": BUSY_EN, "error": "Busy"}
    assert htmx.status_code == 503 and htmx.headers["HX-Retarget"] == "#flash" and BUSY_EN in htmx.text
    assert after.status_code == 200
    # The metrics count them (huikuan.metrics, /metrics).
    assert _sample("huikuan_admission_waits_total") - waits >= 3
    assert _sample("huikuan_admission_turned_away_total") - turned_away == 3


def test_static_files_are_served_while_every_connection_is_taken(one_at_a_time: FastAPI) -> None:
    with running(one_at_a_time) as base:
        holder = threading.Thread(
            target=httpx.get, args=(base + "/api/v1/test/hold",), kwargs={"timeout": 10}
        )
        holder.start()
        time.sleep(0.3)
        script = httpx.get(base + "/static/app.js", timeout=10)
        one_at_a_time.state.release.set()
        holder.join()
    assert script.status_code == 200


@pytest.mark.parametrize(
    "error",
    [
        PoolTimeout("QueuePool limit of size 8 overflow 2 reached"),
        OperationalError("INSERT ...", {}, Exception("database is locked")),
    ],
)
def test_a_connection_that_never_came_or_a_lock_that_stayed_taken_is_a_503_not_a_500(
    one_at_a_time: FastAPI, error: Exception
) -> None:
    @one_at_a_time.post("/api/v1/test/fail")
    def fail() -> None:
        raise error

    answer = TestClient(one_at_a_time).post("/api/v1/test/fail", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.json()["detail"] == BUSY_ZH


def test_any_other_database_error_is_still_a_server_error(one_at_a_time: FastAPI) -> None:
    @one_at_a_time.post("/api/v1/test/fail")
    def fail() -> None:
        raise OperationalError("SELECT ...", {}, Exception("no such table: cases"))

    answer = TestClient(one_at_a_time, raise_server_exceptions=False).post("/api/v1/test/fail")
    assert answer.status_code == 500
