"""The debtor's own pages in a real browser (issue 18): a debtor opens their private link on a phone and
on a desktop, in Chinese and in English, passes the identity check, sees what is owed and says how to be
contacted; the gate refuses a weekday call at once. The check and the contact form work with JavaScript
off. No page has a serious or critical accessibility problem (axe), none scrolls sideways on a phone.
Screenshots: tests/artifacts/screenshots/debtor-*.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.e2e.conftest import SIZES, shoot
from tests.e2e.test_accessibility import _findings
from tests.support.debtor_portal import right_answers

from huikuan.services.contacts import check_contact
from huikuan.services.debtor_links import create_link

MONDAY_10 = datetime(2026, 12, 14, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def _debtor_page(browser: Any, language: str, size: str, *, javascript: bool = True) -> Any:
    context = browser.new_context(
        locale="zh-CN" if language == "zh" else "en-US",
        viewport=SIZES[size],
        device_scale_factor=1,
        java_script_enabled=javascript,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def _open_and_pass(page: Any, site: dict[str, Any], n: int) -> None:
    floor = site["floor"]
    case = floor.cases[n - 1] if n <= 3 else floor.other_creditor_case
    with floor.uow:
        link = create_link(floor.uow, case.id)
    page.goto(site["url"] + link.url)
    assert page.url.endswith("/d/check")  # the token has left the address bar
    answers = right_answers(n)
    page.fill("[data-testid=d-last4]", answers["last4"])
    page.fill("[data-testid=d-birth-date]", answers["birth_date"])
    page.click("[data-testid=d-check-go]")
    page.wait_for_url("**/d")


def _fits_phone(page: Any, size: str) -> None:
    if size == "phone":
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= SIZES["phone"]["width"], f"{page.url} scrolls sideways ({width}px)"


@pytest.mark.parametrize(
    ("language", "size", "n"),
    [("zh", "phone", 1), ("en", "phone", 2), ("zh", "desktop", 3), ("en", "desktop", 4)],
)
def test_a_debtor_opens_the_link_passes_the_check_sees_what_is_owed_and_says_how_to_be_contacted(
    browser: Any, site: dict[str, Any], language: str, size: str, n: int
) -> None:
    page = _debtor_page(browser, language, size)
    lang = "zh-CN" if language == "zh" else "en"
    found: dict[str, list[str]] = {}
    page.goto(site["url"] + "/d/check")
    found["/d/check (no link)"] = _findings(page)
    _open_and_pass(page, site, n)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("[data-testid=d-total]").is_visible()
    assert page.locator("[data-testid=d-account]").count() == 2
    found["/d"] = _findings(page)
    _fits_phone(page, size)
    shoot(page, f"debtor-owed-{language}-{size}")
    page.click("[data-testid=d-nav-contact]")
    page.wait_for_url("**/d/contact")
    found["/d/contact"] = _findings(page)
    _fits_phone(page, size)
    shoot(page, f"debtor-contact-{language}-{size}")
    # No calls on weekdays 09:00-18:00: on weekdays in the evening only, at weekends in the day.
    page.select_option("[data-testid=d-start]", "18:00")
    page.select_option("[data-testid=d-end]", "21:00")
    page.select_option("[data-testid=d-weekend-start]", "09:00")
    page.select_option("[data-testid=d-weekend-end]", "20:00")
    page.click("[data-testid=d-contact-save]")
    page.wait_for_selector("[data-testid=d-receipt]")
    found["receipt"] = _findings(page)
    _fits_phone(page, size)
    shoot(page, f"debtor-receipt-{language}-{size}")
    assert ("星期六" if language == "zh" else "Saturday") in page.inner_text("[data-testid=d-receipt]")
    floor = site["floor"]
    case = floor.cases[n - 1] if n <= 3 else floor.other_creditor_case
    with floor.uow:
        verdict = check_contact(
            floor.uow, case.id, channel="call", at=MONDAY_10, contact_point_id=case.mobile_id
        )
        evening = check_contact(
            floor.uow,
            case.id,
            channel="call",
            at=MONDAY_10 + timedelta(hours=9),
            contact_point_id=case.mobile_id,
        )
    assert not verdict.allowed and "designated-inconvenient-time" in verdict.refused_by
    assert evening.allowed, evening.refused_by
    page.context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_the_check_and_the_contact_form_work_with_javascript_off(browser: Any, site: dict[str, Any]) -> None:
    page = _debtor_page(browser, "en", "phone", javascript=False)
    page.goto(site["url"] + "/d/check")
    page.goto(site["url"] + "/d/not-a-link")
    page.fill("[data-testid=d-last4]", "0000")
    page.fill("[data-testid=d-birth-date]", "1999-09-09")
    page.click("[data-testid=d-check-go]")
    assert page.locator("[data-testid=d-check-error]").is_visible()
    _open_and_pass(page, site, 1)
    page.goto(site["url"] + "/d/contact")
    page.uncheck("[data-testid=d-channel-call]")
    page.check("[data-testid=d-language-en]")
    page.click("[data-testid=d-contact-save]")
    page.wait_for_selector("[data-testid=d-receipt]")
    assert "phone calls" not in page.inner_text("[data-testid=d-receipt]")
    shoot(page, "debtor-receipt-no-javascript")
    page.click("[data-testid=d-logout]")
    page.goto(site["url"] + "/d")
    assert page.url.endswith("/d/check")
    page.context.close()
