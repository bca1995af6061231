"""The administration in a real browser: an administrator adds a creditor, sets its collectors' authority,
previews a tightening of its pack against today's plan and saves it; edits a message template with a
preview; reads the channels' state. A supervisor sees the same pages without the forms. No page has a
serious accessibility problem (axe). Screenshots, desktop and phone, zh and en:
tests/artifacts/screenshots/admin-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.conftest import go, in_language, log_in, shoot_widths
from tests.e2e.test_accessibility import _findings
from tests.support.floor import PASSWORD

from huikuan.services.users import add_user
from huikuan.storage import tables as t

WORDS = {
    "en": {
        "added": "Creditor added.",
        "refused": "Tightening refused",
        "saved": "Pack and tightening saved.",
    },
    "zh-CN": {"added": "委托方已添加。", "refused": "收紧被拒绝", "saved": "规则包及收紧已保存。"},
}


def _admin(site: dict[str, Any]) -> None:
    floor = site["floor"]
    with floor.uow:
        found = floor.uow.session.execute(select(t.users.c.id).where(t.users.c.username == "ada")).first()
        if found is None:
            add_user(floor.uow, "ada", PASSWORD, role="admin")
            floor.uow.commit()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_administrator_creates_a_creditor_and_sets_its_terms_in_the_browser(
    new_page: Any, site: dict, lang: str
) -> None:
    _admin(site)
    words = WORDS[lang]
    page = new_page("en-US" if lang == "en" else "zh-CN")
    log_in(page, site, "ada")
    in_language(page, lang)
    go(page, f"{site['url']}/admin/creditors")
    code = "CARD-EN" if lang == "en" else "CARD-ZH"
    page.fill("[data-testid=creditor-code]", code)
    page.fill("[data-testid=creditor-name]", "Card Centre" if lang == "en" else "某卡中心")
    page.fill("[data-testid=creditor-retention]", "8")
    shoot_widths(page, f"admin-creditors-{lang}")
    assert _findings(page) == []
    page.click("[data-testid=creditor-add]")
    page.wait_for_load_state("networkidle")
    assert words["added"] in page.inner_text("[data-testid=creditor-notice]")
    page.fill("[data-testid=authority-collector-discount]", "15")
    page.fill("[data-testid=authority-collector-instalments]", "12")
    page.click("[data-testid=authority-save-collector]")
    page.wait_for_load_state("networkidle")
    assert page.input_value("[data-testid=authority-collector-instalments]") == "12"
    page.fill("[data-testid=pack-overrides]", "[rules.cease]\nenabled = false")
    page.click("[data-testid=pack-save]")
    page.wait_for_load_state("networkidle")
    assert words["refused"] in page.inner_text("[data-testid=pack-error]")
    page.fill("[data-testid=pack-overrides]", '[rules.contact-hours]\nstart = "09:00"')
    page.click("[data-testid=pack-preview]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=pack-impact]").is_visible()
    shoot_widths(page, f"admin-creditor-preview-{lang}")
    assert _findings(page) == []
    page.click("[data-testid=pack-save]")
    page.wait_for_load_state("networkidle")
    assert words["saved"] in page.inner_text("[data-testid=creditor-notice]")
    assert "09:00" in page.input_value("[data-testid=pack-overrides]")
    shoot_widths(page, f"admin-creditor-{lang}")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_administrator_edits_a_template_with_a_preview_and_reads_the_channels(
    new_page: Any, site: dict, lang: str
) -> None:
    _admin(site)
    page = new_page("en-US" if lang == "en" else "zh-CN")
    log_in(page, site, "ada")
    in_language(page, lang)
    go(page, f"{site['url']}/admin/templates")
    shoot_widths(page, f"admin-templates-{lang}")
    page.click("[data-testid=template-edit-sms-reminder-zh_CN]")
    page.wait_for_load_state("networkidle")
    body = page.input_value("[data-testid=template-body]")
    page.fill("[data-testid=template-body]", body.replace("您好，", "您好，【测试】", 1))
    page.click("[data-testid=template-preview-button]")
    page.wait_for_load_state("networkidle")
    assert "【测试】" in page.inner_text("[data-testid=template-preview]")
    shoot_widths(page, f"admin-template-preview-{lang}")
    assert _findings(page) == []
    page.fill("[data-testid=template-body]", "{{ national_id }}")
    page.click("[data-testid=template-save]")
    page.wait_for_load_state("networkidle")
    assert "national_id" in page.inner_text("[data-testid=template-error]")
    go(page, f"{site['url']}/admin/channels")
    assert page.locator("[data-testid=channel-sms]").is_visible()
    shoot_widths(page, f"admin-channels-{lang}")
    assert _findings(page) == []


def test_a_supervisor_reads_a_creditor_without_the_forms(new_page: Any, site: dict) -> None:
    page = new_page("zh-CN")
    log_in(page, site, "sue")
    go(page, f"{site['url']}/admin/creditors")
    assert page.locator("[data-testid=creditor-form]").count() == 0
    page.locator("[data-testid^=creditor-page-]").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=details-form]").count() == 0
    assert page.locator("[data-testid=pack-save]").count() == 0
    shoot_widths(page, "admin-creditor-supervisor-zh-CN")
