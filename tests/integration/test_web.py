"""The web app answers on its health page, its API docs and the gate's endpoint; an address that is no
page answers a page in the user's language; `make run` serves where the README says."""

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from tests.support.floor import PASSWORD, Floor
from tests.support.web import Browser

from huikuan import config
from huikuan.services.auth import MAX_FAILURES_PER_USER
from huikuan.storage import tables as t
from huikuan.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def test_the_health_page_reports_the_database(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


def test_the_api_is_documented_and_includes_the_gate(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    assert client.get("/docs").status_code == 200
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/compliance/decisions" in paths


def test_the_api_docs_load_nothing_from_outside_the_app(db_env: str) -> None:
    """Swagger UI comes from /static (vendored from npm), so /docs works on a floor without Internet."""
    client = TestClient(create_app(db_env))
    page = client.get("/docs").text
    assert "swagger-ui" in page
    assert re.findall(r"https?://[^\s\"'<>]+", page) == []
    assets = re.findall(r"""(?:src|href)=['"](/[^'"]+)['"]""", page)
    assert {"/static/swagger-ui/swagger-ui-bundle.js", "/static/swagger-ui/swagger-ui.css"} <= set(assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert client.get("/redoc").status_code == 404  # dropped rather than loaded from a CDN


def test_the_site_has_an_icon_linked_from_every_page(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    login = client.get("/login").text
    linked = re.search(r'<link rel="icon" href="([^"]+)"', login)
    assert linked, "base.html links no icon"
    svg = client.get(linked.group(1))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")


def test_the_front_page_asks_a_visitor_to_log_in_in_its_language(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    assert "登录催收工作台" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "Log in to the workbench" in client.get("/", headers={"Accept-Language": "en-US"}).text


@pytest.mark.parametrize(
    ("language", "title", "home"),
    [
        ("zh-CN,zh;q=0.9", "页面不存在", "返回首页"),
        ("en-US,en;q=0.9", "Page not found", "Go to the home page"),
    ],
)
def test_an_unknown_address_answers_a_page_in_the_browsers_language(
    db_env: str, language: str, title: str, home: str
) -> None:
    client = TestClient(create_app(db_env), headers={"Accept-Language": language})
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert title in response.text and home in response.text and 'href="/"' in response.text
    assert "/no/such/page" in response.text


def test_an_unknown_api_address_still_answers_json(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    wrong_method = client.delete("/api/v1/queue")
    assert wrong_method.status_code == 405 and "detail" in wrong_method.json()


def test_a_page_opened_with_the_wrong_method_says_so_in_the_users_language(db_env: str) -> None:
    client = TestClient(create_app(db_env), headers={"Accept-Language": "zh-CN"})
    response = client.get("/logout")  # a form posts it; typed into the address bar it is a GET
    assert response.status_code == 405 and "POST" in response.headers["allow"]
    assert response.headers["content-type"].startswith("text/html")
    assert "无法以这种方式打开此页面" in response.text and "返回首页" in response.text


def test_a_logged_in_users_own_language_names_the_missing_page(floor: Floor, db_env: str) -> None:
    from tests.support.web import login_client

    client = login_client(create_app(db_env), "alice", locale="en")  # her browser asks for English too
    client.headers["Accept-Language"] = "zh-CN"
    assert "Page not found" in client.get("/cases/1/nothing-here").text


ADDRESS = "testclient"  # the test client's address: a lock holds for one name from one address


def test_the_lockout_says_when_it_ends_in_the_floors_time_not_utc(
    floor: Floor, db_env: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIKUAN_TIME_ZONE", "America/New_York")
    config.get_settings.cache_clear()
    first = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    with engine.begin() as conn:
        conn.execute(
            insert(t.login_attempts),
            [
                {"username": "alice", "ip": ADDRESS, "at": first + timedelta(seconds=n), "success": False}
                for n in range(MAX_FAILURES_PER_USER)
            ],
        )
    client = Browser(create_app(db_env), headers={"Accept-Language": "en"})
    client.refresh_csrf("/login")
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    ends = (first + timedelta(minutes=15)).astimezone(ZoneInfo("America/New_York"))
    assert f"try again after {ends:%Y-%m-%d %H:%M}" in response.text
    assert "UTC" not in response.text
    config.get_settings.cache_clear()


def test_make_run_serves_and_announces_the_host_and_port_it_is_given() -> None:
    """The README's HUIKUAN_HOST and HUIKUAN_PORT are honoured by `make run` (a dry run: nothing starts)."""
    dry = subprocess.run(
        ["make", "-n", "run", "HUIKUAN_PORT=8123"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HUIKUAN_HOST": "0.0.0.0"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "huikuan serve --host 0.0.0.0 --port 8123" in dry
    assert "http://0.0.0.0:8123 " in dry and "http://0.0.0.0:8123/docs" in dry
    assert "8000" not in dry
    default = subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "huikuan serve --host 127.0.0.1 --port 8000" in default and "http://127.0.0.1:8000 " in default
