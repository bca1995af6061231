"""Sessions that end, passwords that are not guessable, a second factor for those who supervise, and API
keys instead of HTTP Basic (issue 13: findings 4, 6, 7 and 8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.support.floor import PASSWORD, Floor
from tests.support.web import Browser, api_client, api_key, login_client
from tests.unit.compliance.builders import body as compliance_request

from huikuan import config
from huikuan.errors import InvalidInput
from huikuan.services.users import check_password
from huikuan.storage import tables as t
from huikuan.web.app import create_app


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:
    return create_app(db_env)


@pytest.fixture
def ada(floor: Floor) -> str:
    from huikuan.services.users import add_user

    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    return "ada"


def _sessions(engine: Engine, username: str) -> list[tuple[str | None, datetime | None]]:
    s, u = t.user_sessions.c, t.users.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.end_reason, s.ended_at).join(t.users, u.id == s.user_id).where(u.username == username)
        ).all()
    return [(row.end_reason, row.ended_at) for row in rows]


# Sessions kept on the server


def test_the_cookie_holds_only_a_token_and_the_server_keeps_only_its_hash(
    app: FastAPI, engine: Engine
) -> None:
    client = login_client(app, "alice")
    with engine.connect() as conn:
        hashes = conn.scalars(select(t.user_sessions.c.token_hash)).all()
    assert len(hashes) == 1 and len(hashes[0]) == 64
    assert hashes[0] not in client.cookies.get("huikuan_session", "")


def test_logging_out_ends_the_session_on_the_server_so_a_copied_cookie_no_longer_opens_it(
    app: FastAPI, engine: Engine
) -> None:
    client = login_client(app, "alice")
    stolen = client.cookies.get("huikuan_session")
    client.post("/logout", follow_redirects=False)
    thief = TestClient(app, cookies={"huikuan_session": stolen})
    assert thief.get("/settings", follow_redirects=False).status_code == 303
    assert thief.get("/api/v1/whoami").status_code == 401
    assert _sessions(engine, "alice")[0][0] == "logout"


def test_a_session_ends_after_the_idle_timeout_and_the_absolute_one(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIKUAN_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("HUIKUAN_SESSION_HOURS", "2")
    config.get_settings.cache_clear()
    start = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = login_client(app, "alice")
        clock.move_to(start + timedelta(minutes=29))
        assert client.get("/settings", follow_redirects=False).status_code == 200  # seen: idle from now
        clock.move_to(start + timedelta(minutes=58))
        assert client.get("/settings", follow_redirects=False).status_code == 200
        clock.move_to(start + timedelta(minutes=89))  # 31 minutes without a request
        assert client.get("/settings", follow_redirects=False).status_code == 303
        client = login_client(app, "alice")
        for minutes in range(110, 240, 20):  # busy all along, yet 2 hours after login it ends
            clock.move_to(start + timedelta(minutes=minutes))
            status = client.get("/settings", follow_redirects=False).status_code
            assert status == (200 if minutes < 89 + 120 else 303), minutes
    config.get_settings.cache_clear()


def test_an_administrator_lists_the_open_sessions_and_ends_one(
    app: FastAPI, ada: str, engine: Engine
) -> None:
    alice = login_client(app, "alice")
    admin = login_client(app, ada)
    page = admin.get("/admin/sessions")
    assert (
        page.status_code == 200 and "alice" in page.text and page.text.count('data-testid="session-row"') == 2
    )
    listed = admin.get("/api/v1/admin/sessions").json()["sessions"]
    target = next(s for s in listed if s["username"] == "alice")
    assert admin.post(f"/api/v1/admin/sessions/{target['id']}/revoke").status_code == 204
    assert alice.get("/settings", follow_redirects=False).status_code == 303
    assert _sessions(engine, "alice")[0][0] == "revoked"
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(t.audit_events.c.action == "session.revoked")) == 1


@pytest.mark.parametrize("who", ["alice", "sue", "vic"])
def test_only_an_administrator_sees_or_ends_sessions(app: FastAPI, who: str) -> None:
    client = login_client(app, who)
    assert client.get("/admin/sessions").status_code == 403
    assert client.get("/api/v1/admin/sessions").status_code == 403
    assert client.post("/api/v1/admin/sessions/1/revoke").status_code == 403


# Passwords


@pytest.mark.parametrize(
    "password",
    ["        ", "short", "password1234", "Password123!", "qwertyuiop12", "aaaaaaaaaaaa", "alice1234567"],
)
def test_a_blank_short_common_or_patterned_password_is_refused(password: str) -> None:
    with pytest.raises(InvalidInput):
        check_password(password, username="alice")


def test_a_long_phrase_is_accepted() -> None:
    check_password("violet tractor on the harbour", username="alice")


def test_eight_spaces_are_not_an_administrators_password(floor: Floor) -> None:
    from huikuan.services.users import add_user

    with pytest.raises(InvalidInput):
        add_user(floor.uow, "root2", " " * 8, role="admin")


def test_a_user_changes_its_password_and_its_other_sessions_end(app: FastAPI, engine: Engine) -> None:
    desk = login_client(app, "alice")
    phone = login_client(app, "alice")
    weak = desk.post(
        "/settings/password", data={"current": PASSWORD, "new": "password1234", "again": "password1234"}
    )
    assert weak.status_code == 422 and 'data-testid="password-error"' in weak.text
    wrong = desk.post(
        "/settings/password",
        data={"current": "nope", "new": "violet tractor 88", "again": "violet tractor 88"},
    )
    assert wrong.status_code == 422
    done = desk.post(
        "/settings/password",
        data={"current": PASSWORD, "new": "violet tractor 88", "again": "violet tractor 88"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/settings?changed=1"
    assert desk.get("/settings", follow_redirects=False).status_code == 200  # this one goes on
    assert phone.get("/settings", follow_redirects=False).status_code == 303  # the other ended
    login_client(app, "alice", "violet tractor 88")


def test_an_administrator_resets_a_password_and_deactivates_an_account(app: FastAPI, ada: str) -> None:
    alice = login_client(app, "alice")
    key = api_key(app, "alice")
    admin = login_client(app, ada)
    new = admin.post("/api/v1/admin/users/alice/reset-password").json()["password"]
    assert alice.get("/settings", follow_redirects=False).status_code == 303
    alice = login_client(app, "alice", new)
    assert admin.post("/api/v1/admin/users/alice/deactivate").status_code == 204
    assert alice.get("/settings", follow_redirects=False).status_code == 303
    assert (
        TestClient(app, headers={"Authorization": f"Bearer {key}"}).get("/api/v1/whoami").status_code == 401
    )
    refused = Browser(app)
    refused.refresh_csrf("/login")
    assert refused.post("/login", data={"username": "alice", "password": new}).status_code == 401
    assert admin.post("/api/v1/admin/users/alice/activate").status_code == 204
    login_client(app, "alice", new)


# API keys, never HTTP Basic


def test_the_api_takes_a_key_and_refuses_http_basic_without_asking_the_browser_for_it(app: FastAPI) -> None:
    assert api_client(app, "alice").get("/api/v1/whoami").json()["role"] == "collector"
    basic = TestClient(app).get("/api/v1/whoami", auth=("alice", PASSWORD))
    assert basic.status_code == 401
    assert "basic" not in basic.headers.get("www-authenticate", "").lower()
    assert (
        TestClient(app).get("/api/v1/whoami", headers={"Authorization": "Bearer hk_nope"}).status_code == 401
    )


def test_a_key_acts_with_its_users_scope_and_stops_when_revoked(app: FastAPI, floor: Floor, ada: str) -> None:
    vic = api_client(app, "vic")
    assert vic.get(f"/api/v1/cases/{floor.other_creditor_case.id}").status_code == 404
    assert vic.get(f"/api/v1/cases/{floor.cases[0].id}").status_code == 200
    admin = login_client(app, ada)
    key_id = admin.get("/api/v1/admin/api-keys").json()["api_keys"][0]["id"]
    assert admin.post(f"/api/v1/admin/api-keys/{key_id}/revoke").status_code == 204
    assert vic.get("/api/v1/whoami").status_code == 401


def test_a_write_with_the_browsers_cookie_but_without_its_csrf_token_is_refused(
    app: FastAPI, floor: Floor
) -> None:
    client = login_client(app, "alice")
    client.csrf = ""
    body = {"channel": "call", "outcome": "no_answer"}
    refused = client.post(f"/api/v1/cases/{floor.cases[0].id}/contacts", json=body)
    assert refused.status_code == 403


def test_basic_credentials_write_no_login_event_per_call(app: FastAPI, engine: Engine) -> None:
    client = api_client(app, "alice")
    for _ in range(3):
        client.get("/api/v1/whoami")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(t.audit_events.c.action == "user.login")) == 0


# The second factor


@pytest.fixture
def mfa_roles(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HUIKUAN_MFA_ROLES", "admin,supervisor")
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


def _password_step(app: FastAPI, username: str) -> Browser:
    client = Browser(app, headers={"Accept-Language": "en"})
    client.refresh_csrf("/login")
    answer = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login/code"
    client.refresh_csrf("/login/code")  # the login began a new cookie, with a new token
    return client


def test_a_supervisor_enrols_a_second_factor_at_the_first_login_then_gives_a_code_each_time(
    app: FastAPI, mfa_roles: None, engine: Engine
) -> None:
    start = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = _password_step(app, "sue")
        assert client.get("/queue", follow_redirects=False).status_code == 303  # no session yet
        page = client.get("/login/code")
        assert "<svg" in page.text
        secret = page.text.split('data-testid="totp-secret">')[1].split("<")[0].replace(" ", "")
        totp = pyotp.TOTP(secret)
        assert client.post("/login/code", data={"code": "000000"}).status_code == 401
        done = client.post("/login/code", data={"code": totp.at(start)}, follow_redirects=False)
        assert done.status_code == 303
        assert client.get("/queue", follow_redirects=False).status_code == 200

        again = _password_step(app, "sue")
        assert 'data-testid="totp-secret"' not in again.get("/login/code").text
        replay = again.post("/login/code", data={"code": totp.at(start)})
        assert replay.status_code == 401  # a code is never taken twice
        clock.move_to(start + timedelta(seconds=30))
        assert (
            again.post("/login/code", data={"code": totp.at(start + timedelta(seconds=30))}).status_code
            == 200
        )
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(t.audit_events.c.action == "user.mfa_enrolled")) == 1


def test_a_collector_logs_in_with_its_password_alone(app: FastAPI, mfa_roles: None) -> None:
    login_client(app, "alice")


def test_wrong_codes_are_throttled_like_wrong_passwords(app: FastAPI, mfa_roles: None) -> None:
    client = _password_step(app, "sue")
    for _ in range(5):
        assert client.post("/login/code", data={"code": "123456"}).status_code == 401
    assert client.post("/login/code", data={"code": "123456"}).status_code == 429


def test_a_password_without_its_code_expires(app: FastAPI, mfa_roles: None) -> None:
    start = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = _password_step(app, "sue")
        clock.move_to(start + timedelta(minutes=6))
        assert client.get("/login/code", follow_redirects=False).headers["location"] == "/login"


def test_the_compliance_api_answers_a_machine_with_a_key_and_nobody_else(app: FastAPI) -> None:
    request = compliance_request()
    assert TestClient(app).post("/api/v1/compliance/decisions", json=request).status_code == 401
    answer = api_client(app, "alice").post("/api/v1/compliance/decisions", json=request)
    assert answer.status_code == 200 and "allowed" in answer.json()
