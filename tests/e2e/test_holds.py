"""Holds on the case page in a real browser: a collector records "I lost my job, give me two months" as a
hardship pause, the header shows the hold and calls refused until the next allowed time, and ending the
hold (after a confirmation) lifts it. Screenshots: tests/artifacts/screenshots/holds-*.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import in_language, log_in, settled, shoot

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
WORDS = "I lost my job, give me two months"


def test_a_hardship_pause_recorded_in_the_browser_refuses_calls_until_it_ends(
    new_page: Any, site: dict
) -> None:
    page = new_page()
    log_in(page, site, "alice")
    case_id = site["floor"].cases[0].id
    page.goto(f"{site['url']}/cases/{case_id}?tab=facts")
    page.wait_for_load_state("networkidle")
    in_language(page, "en")
    settled(page)
    open_tab(page, "facts")
    assert page.locator("[data-testid=holds-none]").is_visible()

    # Two months from today on the floor (Beijing): the pause's last day.
    until = (datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=61)).isoformat()
    page.select_option("[data-testid=hold-kind]", "hardship")
    page.fill("[data-testid=hold-until-input]", until)
    page.fill("[data-testid=hold-note-input]", WORDS)
    page.select_option("[data-testid=hold-source]", "debtor")
    page.click("[data-testid=hold-submit]")
    page.wait_for_selector("[data-testid=holds-notice]")
    settled(page)

    hold = page.locator("[data-testid=holds-list] li").first
    assert hold.get_attribute("data-kind") == "hardship" and hold.get_attribute("data-status") == "open"
    assert WORDS in hold.locator("[data-testid=hold-note]").inner_text()
    assert until in hold.locator("[data-testid=hold-until]").inner_text()
    assert "gate rule: hardship" in hold.inner_text()

    # The header reloads with the hold's badge and the call refused until the day after the last one.
    page.wait_for_selector("[data-testid=hold-badge]")
    badge = page.locator("[data-testid=hold-badge]").first
    assert badge.get_attribute("data-kind") == "hardship" and until in badge.inner_text()
    verdict = page.locator("[data-testid=gate-now] [data-verdict]")
    assert verdict.get_attribute("data-verdict") == "blocked"
    after = (datetime.fromisoformat(until) + timedelta(days=1)).date().isoformat()
    assert f"blocked until {after}" in verdict.inner_text()

    page.set_viewport_size(LAPTOP)
    shoot(page, "holds-desktop-en")
    page.set_viewport_size(PHONE)
    shoot(page, "holds-phone-en")
    in_language(page, "zh-CN")
    settled(page)
    open_tab(page, "facts")
    assert "事实与暂停" in page.locator("[data-testid=tab-facts]").inner_text()
    page.set_viewport_size(PHONE)
    shoot(page, "holds-phone-zh")
    page.set_viewport_size(LAPTOP)
    shoot(page, "holds-desktop-zh")
    in_language(page, "en")
    settled(page)
    open_tab(page, "facts")

    # Ending it asks first; then the hold is listed as ended and the header no longer shows it.
    page.once("dialog", lambda dialog: dialog.accept())
    page.fill("[data-testid=hold-end-reason]", "found a new job")
    page.click("[data-testid=hold-end]")
    page.wait_for_selector("[data-testid=holds-list] li[data-status=ended]")
    settled(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=hold-badge]')")
    assert "found a new job" in page.locator("[data-testid=holds-list] li").first.inner_text()
