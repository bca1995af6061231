"""Users and access: sessions in signed cookies, CSRF on every form, throttled logins, two languages.
(Server-side sessions, passwords, the second factor and API keys: test_sessions.py.)"""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.support.floor import PASSWORD, Floor
from tests.support.web import Browser, api_client, login_client

from huikuan.errors import NotAuthenticated, Throttled
from huikuan.services.auth import MAX_FAILURES_PER_USER, MAX_FAILURES_PER_USER_ANYWHERE, login
from huikuan.storage import tables as t
from huikuan.web.app import create_app


@pytest.fixture
def app(floor: Floor, db_env: str):  # the floor is committed before the app opens its own sessions
    return create_app(db_env)


def test_a_collector_logs_in_and_lands_on_its_work(app) -> None:
    client = login_client(app, "alice")
    page = client.get("/")
    assert page.url.path == "/queue"
    assert "alice" in client.get("/settings").text


def test_the_session_cookie_is_signed_http_only_and_same_site(app) -> None:
    client = Browser(app)
    client.refresh_csrf("/login")
    response = client.post("/login", data={"username": "alice", "password": PASSWORD}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "huikuan_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_a_wrong_password_is_refused_in_the_users_language(app) -> None:
    client = Browser(app, headers={"Accept-Language": "zh-CN"})
    client.refresh_csrf("/login")
    response = client.post("/login", data={"username": "alice", "password": "wrong-password"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_a_form_without_the_csrf_token_is_refused(app) -> None:
    client = login_client(app, "alice")
    client.csrf = ""
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/settings", follow_redirects=False).status_code == 200  # still logged in


def test_pages_need_a_login(app) -> None:
    response = TestClient(app).get("/settings", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_logging_out_ends_the_session(app) -> None:
    client = login_client(app, "alice")
    client.post("/logout", follow_redirects=False)
    assert client.get("/settings", follow_redirects=False).status_code == 303


def test_the_login_never_redirects_to_another_site(app) -> None:
    client = Browser(app)
    client.refresh_csrf("/login")
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_guessing_from_one_address_locks_the_name_there_even_with_the_right_password(floor: Floor) -> None:
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for minute in range(MAX_FAILURES_PER_USER):
        with pytest.raises(NotAuthenticated):
            login(floor.uow, "alice", "not-it", ip="10.0.0.1", now=now + timedelta(minutes=minute))
    with pytest.raises(Throttled) as refused:
        login(floor.uow, "alice", PASSWORD, ip="10.0.0.1", now=now + timedelta(minutes=6))
    assert "10:15" in str(refused.value)  # 15 minutes after the first failure, in Shanghai (the floor)
    assert (
        login(floor.uow, "alice", PASSWORD, ip="10.0.0.1", now=now + timedelta(minutes=16)).username
        == "alice"
    )
    # bob is not locked by alice's guesser
    assert login(floor.uow, "bob", PASSWORD, ip="10.0.0.1", now=now + timedelta(minutes=6)).username == "bob"


def test_a_guesser_elsewhere_cannot_lock_a_user_out_of_their_own_desk(floor: Floor) -> None:
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for n in range(MAX_FAILURES_PER_USER * 4):
        with pytest.raises((NotAuthenticated, Throttled)):
            login(floor.uow, "sue", "not-it", ip="203.0.113.7", now=now + timedelta(seconds=n))
    assert login(floor.uow, "sue", PASSWORD, ip="10.0.0.5", now=now + timedelta(minutes=1)).username == "sue"


def test_guesses_spread_over_many_addresses_lock_the_name_except_where_the_user_has_logged_in(
    floor: Floor,
) -> None:
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    login(floor.uow, "sue", PASSWORD, ip="10.0.0.5", now=now - timedelta(days=3))  # sue's desk
    for n in range(MAX_FAILURES_PER_USER_ANYWHERE):
        with pytest.raises(NotAuthenticated):
            login(floor.uow, "sue", "not-it", ip=f"198.51.100.{n}", now=now + timedelta(seconds=n))
    with pytest.raises(Throttled):
        login(floor.uow, "sue", PASSWORD, ip="192.0.2.1", now=now + timedelta(minutes=2))
    assert login(floor.uow, "sue", PASSWORD, ip="10.0.0.5", now=now + timedelta(minutes=2)).username == "sue"


def test_every_attempt_is_kept_and_a_login_is_audited_once(app, engine: Engine) -> None:
    login_client(app, "alice")
    client = Browser(app)
    client.refresh_csrf("/login")
    assert client.post("/login", data={"username": "alice", "password": "nope-nope"}).status_code == 401
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(t.login_attempts)) == 2
        assert conn.scalar(select(func.count()).where(t.audit_events.c.action == "user.login")) == 1


def test_the_language_switch_is_kept_on_the_user(app, engine: Engine) -> None:
    client = login_client(app, "alice", locale="en")
    assert "My work today" in client.get("/settings").text
    client.post("/settings/language", data={"locale": "zh_CN", "next": "/settings"}, follow_redirects=False)
    assert "今日工作" in client.get("/settings").text
    with engine.connect() as conn:
        assert conn.scalar(select(t.users.c.locale).where(t.users.c.username == "alice")) == "zh_CN"


def test_a_user_chooses_the_zone_its_times_are_shown_in(app, engine: Engine) -> None:
    client = login_client(app, "alice")
    client.post("/settings", data={"locale": "en", "time_zone": "Europe/London"}, follow_redirects=False)
    with engine.connect() as conn:
        assert (
            conn.scalar(select(t.users.c.time_zone).where(t.users.c.username == "alice")) == "Europe/London"
        )
    refused = client.post("/settings", data={"locale": "en", "time_zone": "Mars/Olympus"})
    assert refused.status_code == 422 and "Mars/Olympus" in refused.text


def test_a_malformed_request_is_answered_in_the_users_language(app) -> None:
    client = login_client(app, "alice", locale="zh_CN")
    response = client.post("/settings", data={"locale": "en"})  # no time zone
    assert response.status_code == 422 and "time_zone" in response.text and "缺失或无效" in response.text
    machine = api_client(app, "alice", headers={"Accept-Language": "en"})
    api = machine.post("/api/v1/cases/1/contacts", json={})
    assert api.status_code == 422 and "缺失或无效：outcome" in api.json()["detail"]  # alice reads Chinese
