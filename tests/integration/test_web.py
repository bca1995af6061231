"""The web app answers on its health page, its API docs and the gate's endpoint."""

from fastapi.testclient import TestClient

from huikuan.web.app import create_app


def test_the_health_page_reports_the_database(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


def test_the_api_is_documented_and_includes_the_gate(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    assert client.get("/docs").status_code == 200
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/compliance/decisions" in paths


def test_the_front_page_asks_a_visitor_to_log_in_in_its_language(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    assert "登录催收工作台" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "Log in to the workbench" in client.get("/", headers={"Accept-Language": "en-US"}).text
