"""The debtor's side of the portal in tests: a browser of the debtor's own pages (no staff login), and
the answers that pass the identity check of a floor case (tests/support/floor.py)."""

from __future__ import annotations

import re
from typing import Any

from tests.support.floor import BORN, floor_national_id
from tests.support.web import Browser

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def right_answers(n: int) -> dict[str, str]:
    """The floor's debtor `n` (1 to 3: BANK's cases, 4: SHOP's): the last four of the ID, the birth date."""
    return {"last4": floor_national_id(n)[-4:], "birth_date": BORN.isoformat()}


def debtor_browser(app: Any, locale: str = "en") -> Browser:
    return Browser(app, headers={"Accept-Language": "zh-CN" if locale == "zh_CN" else "en"})


def page_csrf(client: Browser, page: str) -> str:
    found = _CSRF.search(client.get(page).text)
    assert found, f"no CSRF token on {page}"
    client.csrf = found.group(1)
    return client.csrf


def answer_check(client: Browser, token: str, answers: dict[str, str]) -> Any:
    """Opens the link and answers its check; the answer to the check (not followed)."""
    client.get(f"/d/{token}", follow_redirects=False)
    page_csrf(client, "/d/check")
    return client.post("/d/check", data=answers, follow_redirects=False)
