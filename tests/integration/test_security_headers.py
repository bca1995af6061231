"""Every answer carries the security headers: a Content-Security-Policy without inline script or style,
no framing, no sniffing, no caching of what carries personal data (everything but /static), and HSTS
when the site is served over HTTPS. The pages themselves need nothing the policy refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.support.floor import Floor
from tests.support.messaging import use_settings
from tests.support.web import login_client

from huikuan.web.app import create_app

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "huikuan" / "web" / "templates"


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_pages_json_and_errors_carry_the_security_headers_and_are_never_stored(
    floor: Floor, db_env: str
) -> None:
    client = login_client(create_app(db_env), "alice")
    case_id = floor.cases[0].id
    for url in (
        "/login",
        "/queue",
        f"/cases/{case_id}",
        "/api/v1/queue",
        "/no-such-page",
        "/health",
        "/docs",
    ):
        response = client.get(url, follow_redirects=False)
        headers = response.headers
        policy = _policy(headers["content-security-policy"])
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["permissions-policy"]
        assert headers["cache-control"] == "no-store", url
        assert "strict-transport-security" not in headers


def test_static_files_may_be_cached(db_env: str) -> None:
    response = TestClient(create_app(db_env)).get("/static/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_strict_transport_security_is_sent_when_cookies_are_https_only(
    db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, cookie_secure="true")
    response = TestClient(create_app(db_env)).get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


# What a CSP without 'unsafe-inline' refuses: inline scripts, event-handler attributes, javascript: URLs,
# style attributes and <style> elements.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "htmx code": re.compile(r"\bhx-on|\bhx-vars|\bjs:", re.I),
}


def test_no_template_needs_inline_script_or_style() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


def test_htmx_is_told_not_to_inject_or_copy_styles_nor_evaluate_code(db_env: str) -> None:
    page = TestClient(create_app(db_env)).get("/login").text
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    assert config and '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)
    assert '"attributesToSettle": ["class", "width", "height"]' in config.group(1)


def test_the_api_docs_page_has_no_inline_script(db_env: str) -> None:
    page = TestClient(create_app(db_env)).get("/docs").text
    assert not INLINE["inline script"].search(page)
    assert '<script src="/static/docs.js">' in page
