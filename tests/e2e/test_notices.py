"""The case page's "Notices and time limits" section in a real browser, on a laptop and a phone, in
English and Chinese: the limitation date and the time bar, the interest cap and the amount to collect, the
demands recorded; a supervisor writes off an account after confirming, and the section shows it at once.
Screenshots: tests/artifacts/screenshots/notices-*.png."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import insert, update
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import ARTIFACTS, log_in, settled

from huikuan.storage import tables as t

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def facts(site: dict) -> dict[str, int]:
    floor = site["floor"]
    case = floor.cases[0]
    first, second = case.account_ids
    with site["engine"].begin() as conn:
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == first)
            .values(
                limitation_date=date(2026, 8, 1),
                interest_rate_bp=3_600,
                contract_date=date(2025, 6, 1),
                excess_interest=80_000,
            )
        )
        conn.execute(
            update(t.accounts).where(t.accounts.c.id == second).values(limitation_date=date(2029, 8, 1))
        )
        conn.execute(
            insert(t.interactions).values(
                case_id=case.id,
                debtor_id=case.debtor_id,
                at=datetime(2026, 11, 18, 2, 0, tzinfo=UTC),
                channel="call",
                direction="outbound",
                outcome="promise",
                notes="",
                duration_s=60,
            )
        )
    return {"case": case.id, "first": first, "second": second}


@pytest.mark.parametrize(("lang", "locale"), [("en", "en-US"), ("zh-CN", "zh-CN")])
def test_the_notices_section_shows_time_limits_and_the_cap_on_a_laptop_and_a_phone(
    new_page: Any, site: dict, facts: dict[str, int], lang: str, locale: str
) -> None:
    page = new_page(locale=locale)
    log_in(page, site, "alice")
    for size, width in ((LAPTOP, 1366), (PHONE, 390)):
        page.set_viewport_size(size)
        page.goto(f"{site['url']}/cases/{facts['case']}?tab=debtor")
        page.wait_for_load_state("networkidle")
        settled(page)
        if page.locator("html").get_attribute("lang") != lang:
            page.click("[data-testid=switch-language]")
            page.wait_for_load_state("networkidle")
            settled(page)
        open_tab(page, "debtor")
        section = page.locator("[data-testid=notices]")
        section.locator("[data-testid=notices-table]").wait_for()
        assert section.locator(f"[data-testid=time-barred-{facts['first']}] .badge").is_visible()
        assert section.locator(f"[data-testid=excess-{facts['first']}] .badge").is_visible()
        assert section.locator("[data-testid=demands-table] tbody tr").count() == 1
        assert section.locator("[data-testid=end-accounts-form]").count() == 0  # a collector
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(ARTIFACTS / f"notices-{lang}-{width}.png"))


def test_a_supervisor_writes_off_an_account_after_confirming(
    new_page: Any, site: dict, facts: dict[str, int]
) -> None:
    page = new_page(locale="en-US")
    log_in(page, site, "sue")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{site['url']}/cases/{facts['case']}?tab=debtor")
    page.wait_for_load_state("networkidle")
    if page.locator("html").get_attribute("lang") != "en":
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")
    settled(page)
    open_tab(page, "debtor")
    section = page.locator("[data-testid=notices]")
    section.locator("[data-testid=end-accounts-form]").wait_for()
    page.check(f"[data-testid=end-account-{facts['first']}]")
    page.select_option("[data-testid=end-action]", "write_off")
    page.fill("[data-testid=end-reason]", "Debtor deceased, no estate")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("[data-testid=end-accounts]")
    # The answer replaces the section, then the case's panels reload (case-changed): wait for the change.
    section.locator("[data-testid=status-changes]").wait_for()
    settled(page)
    assert asked and "leave every queue and plan" in asked[0]
    assert "Written off" in section.locator(f"[data-testid=status-{facts['first']}]").inner_text()
    assert "Debtor deceased, no estate" in section.locator("[data-testid=status-changes]").inner_text()
    section.screenshot(path=str(ARTIFACTS / "notices-written-off-en-1366.png"))
