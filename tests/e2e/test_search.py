"""Search in a real browser: a collector types the last four digits of a debtor's phone into the box in
the top bar, finds the case (the phone masked) and opens it; in Chinese and English, at desktop
(1366x768) and phone (390x844) sizes, each kept as a screenshot."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.conftest import shoot

TITLES = {"zh": "搜索", "en": "Search"}
FOUND = {"zh": "找到的案件：1", "en": "Cases found: 1"}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_collector_finds_a_debtor_by_the_last_four_digits_of_a_phone_from_the_top_bar(
    open_page: Any, site: dict[str, Any], language: str, size: str
) -> None:
    case_id = site["floor"].cases[0].id  # alice's own case; its debtor's mobile is +86 138 0000 0001
    page = open_page("alice", language, size)
    box = page.locator("[data-testid=topbar-search-q]")
    assert box.is_visible()
    box.fill("0001")
    page.click("[data-testid=topbar-search-go]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=search-title]").inner_text() == TITLES[language]
    assert page.locator("[data-testid=search-total]").inner_text() == FOUND[language]
    assert page.locator("[data-testid=search-page-q]").input_value() == "0001"
    assert page.locator(f"[data-testid=search-phone-{case_id}]").inner_text() == "+86 138****0001"
    assert "+8613800000001" not in page.content()
    shoot(page, f"search-{language}-{size}")
    page.click(f"[data-testid=search-case-{case_id}]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/cases/{case_id}")


def test_a_search_that_finds_nothing_says_so(open_page: Any, site: dict[str, Any]) -> None:
    page = open_page("carol", "en", "desktop")
    page.fill("[data-testid=topbar-search-q]", "0001")  # alice's case: another team's, not carol's
    page.click("[data-testid=topbar-search-go]")
    page.wait_for_load_state("networkidle")
    assert (
        page.locator("[data-testid=search-empty]").inner_text() == "Nothing found among the cases you may see"
    )
    shoot(page, "search-nothing-en-desktop")
