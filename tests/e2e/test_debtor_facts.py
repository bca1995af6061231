"""What the debtor states, recorded in a browser: on the "Facts and holds" tab a collector records "not
during work hours" and an SMS opt-out, and the gate refuses at once: the tab's verdict for SMS names
channel-opt-out and the header's call verdict (reloaded on case-changed) is blocked until 18:00. A phone
added there is read as the import reads it. Screenshots: tests/artifacts/screenshots/facts-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import frozen_at, log_in, settled, shoot
from tests.support.floor import MORNING

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server_clock() -> Iterator[datetime]:
    with frozen_at(MORNING) as moment:  # Friday 2026-11-20, 10:00 in Beijing
        yield moment


def _open_facts(page: Any, site: dict, case_id: int) -> None:
    page.goto(f"{site['url']}/cases/{case_id}?tab=facts")
    page.wait_for_load_state("networkidle")
    settled(page)
    open_tab(page, "facts")


@pytest.mark.parametrize(("locale", "size", "case_index"), [("en-US", LAPTOP, 0), ("zh-CN", PHONE, 1)])
def test_not_during_work_hours_and_an_sms_opt_out_recorded_in_the_browser_are_refused_at_once(
    new_page: Any, site: dict, locale: str, size: dict[str, int], case_index: int
) -> None:
    case = site["floor"].cases[case_index]
    user = "alice" if case_index == 0 else "bob"
    page = new_page(locale=locale, viewport=size)
    log_in(page, site, user)
    if page.locator("html").get_attribute("lang") != ("en" if locale == "en-US" else "zh-CN"):
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")
    _open_facts(page, site, case.id)
    sms = page.locator("[data-testid=gate-sms]")
    assert sms.locator("[data-verdict=allowed]").count() == 1
    assert page.locator("[data-testid=gate-now] [data-verdict=allowed]").count() == 1
    shoot(page, f"facts-before-{locale}-{size['width']}")

    page.fill("[data-testid=pref-from]", "09:00")
    page.fill("[data-testid=pref-to]", "18:00")
    for day in range(1, 6):
        page.check(f"[data-testid=pref-day-{day}]")
    page.check("[data-testid=pref-opt-out-sms]")
    page.click("[data-testid=preferences-submit]")
    # The panel answers, then reloads with the page's other panels on case-changed.
    page.wait_for_selector("[data-testid=gate-sms] [data-verdict=blocked]")
    settled(page)

    assert sms.locator("[data-verdict=blocked]").count() == 1
    assert sms.locator("[data-rule=channel-opt-out]").count() == 1
    call = page.locator("[data-testid=gate-call]")
    assert call.locator("[data-rule=designated-inconvenient-time]").count() == 1
    # The header reloaded on case-changed: the call is blocked until 18:00 in Beijing.
    page.wait_for_selector("[data-testid=gate-now] [data-verdict=blocked]")
    assert "18:00" in page.inner_text("[data-testid=gate-now]")
    times = page.inner_text("[data-testid=pref-times]")
    assert "09:00" in times and "18:00" in times
    shoot(page, f"facts-after-{locale}-{size['width']}")

    page.select_option("[data-testid=point-kind]", "phone")
    page.fill("[data-testid=point-value]", f"139 1234 000{case_index}")
    page.click("[data-testid=point-submit]")
    added = f"+86 139****000{case_index}"
    page.wait_for_function(
        "(text) => (document.querySelector('[data-testid=fact-points]') || {}).innerText.includes(text)",
        arg=added,
    )
    settled(page)
    page.fill("[data-testid=point-value]", f"+861391234000{case_index}")
    page.click("[data-testid=point-submit]")
    error = "[data-testid=point-form] [data-testid=form-error]"
    page.wait_for_selector(error)
    assert "139****000" in page.inner_text(error)
    shoot(page, f"facts-points-{locale}-{size['width']}")
