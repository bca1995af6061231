"""The case timeline in a real browser: a collector ticks a kind and types a search, and the entries change
in place while the search box keeps its focus; in Chinese a gate refusal names its rule.
Screenshots at 1366x768: tests/artifacts/screenshots/timeline-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import ARTIFACTS, log_in, settled
from tests.support.floor import Floor
from tests.support.timeline_history import timeline_history

from huikuan.storage.uow import UnitOfWork

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ROWS = "#timeline tr[data-kind]"


@pytest.fixture(scope="module")
def history(site: dict[str, Any]) -> dict[str, int]:
    """Every kind of entry on alice's case, recorded through the services before any page opens."""
    built: Floor = site["floor"]
    with UnitOfWork(site["engine"]) as uow:
        return timeline_history(Floor(uow, users=built.users, cases=built.cases))


def _open(page: Any, site: dict[str, Any], lang: str) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{site['url']}/cases/{site['floor'].cases[0].id}")
    page.wait_for_load_state("networkidle")
    if page.locator("html").get_attribute("lang") != lang:
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")
    open_tab(page, "history")
    page.locator(ROWS).first.wait_for()
    settled(page)


def _screen(page: Any, name: str) -> None:
    """What the collector sees at the foot of the page, where the timeline is."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _rows(page: Any) -> list[str]:
    settled(page)
    return [row.get_attribute("data-testid") for row in page.locator(ROWS).all()]


def test_a_kind_ticked_and_a_search_typed_narrow_the_timeline_in_place(
    new_page: Any, site: dict[str, Any], history: dict[str, int]
) -> None:
    page = new_page("en-US")
    log_in(page, site, "alice")
    _open(page, site, "en")
    assert len(_rows(page)) == 11
    calls = page.locator("[data-testid=timeline-kind-call]")
    assert calls.inner_text().strip() == "Calls (3)"
    _screen(page, "timeline-all-en")

    calls.click()
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === 3")
    assert set(_rows(page)) == {f"event-interaction-{history[name]}" for name in ("call", "visit", "inbound")}
    assert page.locator("[data-testid=timeline-shown]").inner_text() == "3 of 11 entries"

    search = page.locator("[data-testid=timeline-search]")
    search.click()
    search.press_sequentially("salary", delay=20)
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === 1")
    assert _rows(page) == [f"event-interaction-{history['call']}"]
    assert "Says the Salary comes on Friday" in page.locator(ROWS).inner_text()
    assert page.evaluate("document.activeElement.name") == "q"  # still typing in the search box
    assert calls.inner_text().strip() == "Calls (3)"  # the counts stay those of the whole case
    _screen(page, "timeline-filtered-en")

    page.click("[data-testid=timeline-clear]")
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === 11")
    assert page.locator("[data-testid=timeline-search]").input_value() == ""
    page.set_viewport_size(PHONE)
    _screen(page, "timeline-all-en-phone")


def test_in_chinese_a_gate_refusal_shows_who_tried_and_the_rule(
    new_page: Any, site: dict[str, Any], history: dict[str, int]
) -> None:
    page = new_page("zh-CN")
    log_in(page, site, "alice")
    _open(page, site, "zh-CN")
    refusals = page.locator("[data-testid=timeline-kind-refusal]")
    assert refusals.inner_text().strip() == "合规拦截（2）"
    refusals.click()
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === 2")
    row = page.locator(f"[data-testid=event-refusal-{history['refusal']}]")
    text = row.inner_text()
    assert "电话被合规拦截" in text and "联系时段" in text and "alice" in text
    _screen(page, "timeline-refusals-zh")

    page.locator("[data-testid=timeline-search]").fill("排队后")
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === 1")
    assert _rows(page) == [f"event-message-{history['held']}"]
    _screen(page, "timeline-search-zh")
