"""A logged-in browser for route tests: `login_client(app, "alice")` posts the login form and keeps
the session; its state-changing requests carry the session's CSRF token like the real pages do.
`login_http(base, "alice")` does the same against a real server over HTTP."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.support.floor import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser(TestClient):
    csrf: str = ""

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:
        if method.upper() not in ("GET", "HEAD", "OPTIONS") and self.csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRF-Token", self.csrf)
            kwargs["headers"] = headers
        return super().request(method, url, **kwargs)

    def refresh_csrf(self, page: str = "/login") -> str:
        found = _TOKEN.search(self.get(page).text)
        assert found, f"no CSRF token on {page}"
        self.csrf = found.group(1)
        return self.csrf


def login_client(app: FastAPI, username: str, password: str = PASSWORD, *, locale: str = "en") -> Browser:
    """A client logged in as `username` (a persona of tests/support/floor.py), speaking `locale`."""
    client = Browser(app, headers={"Accept-Language": "zh-CN" if locale == "zh_CN" else "en"})
    client.refresh_csrf("/login")
    response = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    client.refresh_csrf("/login")
    if locale:
        client.post("/settings/language", data={"locale": locale}, follow_redirects=False)
    return client


def login_http(base: str, username: str, password: str = PASSWORD) -> tuple[httpx.Client, str]:
    """A session with the real server at `base`, logged in through the login form like a browser: the
    client (keeping the session cookie) and the session's CSRF token, for X-CSRF-Token."""
    client = httpx.Client(base_url=base, timeout=60, headers={"Accept-Language": "en"})
    token = _TOKEN.search(client.get("/login").text)
    assert token is not None
    answer = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.text
    token = _TOKEN.search(client.get("/settings").text)
    assert token is not None
    return client, token.group(1)


def api_key(app: FastAPI, username: str, name: str = "tests") -> str:
    """A new API key acting as `username`, made on the app's database."""
    from huikuan.services.api_keys import create_key
    from huikuan.storage.engine import get_engine
    from huikuan.storage.uow import UnitOfWork

    with UnitOfWork(get_engine(app.state.database_url)) as uow:
        return create_key(uow, None, username, name)[1]


def api_client(app: FastAPI, username: str, **kwargs: Any) -> TestClient:
    """A machine client of the API: it sends an API key acting as `username` (no cookie, no CSRF)."""
    headers = {"Authorization": f"Bearer {api_key(app, username)}", **kwargs.pop("headers", {})}
    return TestClient(app, headers=headers, **kwargs)


_KEYS: dict[tuple[int, str], str] = {}


def bearer(app: FastAPI, username: str) -> dict[str, str]:
    """The Authorization header of an API key acting as `username` (one key per app and user)."""
    if (id(app), username) not in _KEYS:
        _KEYS[(id(app), username)] = api_key(app, username)
    return {"Authorization": f"Bearer {_KEYS[(id(app), username)]}"}
