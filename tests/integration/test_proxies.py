"""`huikuan serve` believes X-Forwarded-For and X-Forwarded-Proto only from the proxies named in
HUIKUAN_TRUSTED_PROXIES (none by default): a local client cannot choose the address that the login
throttle counts and the audit records. Checked on a real uvicorn with the options `serve` gives it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from tests.support.messaging import use_settings
from tests.support.server import running
from typer.testing import CliRunner

from huikuan.cli import app as cli_app
from huikuan.cli import setup

FORGED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def _serve_options(monkeypatch: pytest.MonkeyPatch, trusted: str | None) -> dict[str, Any]:
    """What `huikuan serve` hands uvicorn about proxies, for HUIKUAN_TRUSTED_PROXIES=`trusted`."""
    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **options: given.update(options))
    monkeypatch.setattr(setup, "configure_logging", lambda *_args, **_kwargs: None)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)  # uvicorn's own default: 127.0.0.1
    if trusted is None:
        monkeypatch.delenv("HUIKUAN_TRUSTED_PROXIES", raising=False)
        use_settings(monkeypatch)
    else:
        use_settings(monkeypatch, trusted_proxies=trusted)
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 0, result.output
    return {key: value for key, value in given.items() if key in ("proxy_headers", "forwarded_allow_ips")}


def _seen_by_the_app(**options: Any) -> dict[str, str]:
    echo = FastAPI()

    @echo.get("/whoami")
    def whoami(request: Request) -> dict[str, str]:
        return {"client": request.client.host if request.client else "", "scheme": request.url.scheme}

    with running(echo, **options) as base:
        return httpx.get(base + "/whoami", headers=FORGED, timeout=10).json()


def test_by_default_a_forged_forwarded_header_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _seen_by_the_app(**_serve_options(monkeypatch, None))
    assert seen == {"client": "127.0.0.1", "scheme": "http"}


def test_a_client_that_is_not_a_trusted_proxy_cannot_forge_its_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _seen_by_the_app(**_serve_options(monkeypatch, "10.0.0.0/8, 192.0.2.1"))
    assert seen == {"client": "127.0.0.1", "scheme": "http"}


def test_a_trusted_proxy_is_believed(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _seen_by_the_app(**_serve_options(monkeypatch, "127.0.0.1"))
    assert seen == {"client": "203.0.113.9", "scheme": "https"}
