"""The WeChat consent page in a real browser at a phone's size, as WeChat's browser opens it after the
OAuth redirect: the consent in the phone's language, "I agree" binds, and the page never scrolls
sideways. Kept as screenshots in Chinese and English."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.conftest import PHONE, shoot
from tests.support.wechat import wechat_values
from tests.support.wechat_server import WechatServer, wechat_server

from huikuan import config
from huikuan.config import get_settings
from huikuan.services import wechat_bindings
from huikuan.storage import tables as t

NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture(scope="module")
def wechat(site: dict[str, Any]) -> Iterator[WechatServer]:
    """The site with an official account configured, against a local WeChat."""
    with wechat_server() as server:
        names = {f"HUIKUAN_{k.upper()}": v for k, v in wechat_values(server).items()}
        saved = {k: os.environ.get(k) for k in names}
        os.environ.update(names)
        config.get_settings.cache_clear()
        yield server
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        config.get_settings.cache_clear()


@pytest.mark.parametrize(("language", "openid"), [("zh", "oE2E_zh_0001"), ("en", "oE2E_en_0002")])
def test_a_person_agrees_on_the_phone_in_their_language_and_is_bound(
    new_page: Any, site: dict[str, Any], wechat: WechatServer, language: str, openid: str
) -> None:
    page = new_page("zh-CN" if language == "zh" else "en-US", viewport=PHONE)
    case_id = site["floor"].cases[0].id
    state = wechat_bindings.bind_token(get_settings(), case_id)
    page.goto(f"{site['url']}/wx/oauth?code={wechat.issue_code(openid)}&state={state}")
    page.wait_for_load_state("networkidle")
    text = page.locator("[data-testid=wx-consent-text]").inner_text()
    assert text.startswith("我同意" if language == "zh" else "I agree that")
    assert page.evaluate(NO_SIDEWAYS)
    shoot(page, f"wechat-consent-{language}-phone")
    page.click("[data-testid=wx-agree]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=wx-bound]").is_visible()
    with site["engine"].connect() as conn:
        bound = conn.execute(
            select(t.wechat_bindings.c.consent_locale).where(t.wechat_bindings.c.openid == openid)
        ).scalar_one()
    assert bound == ("zh_CN" if language == "zh" else "en")
