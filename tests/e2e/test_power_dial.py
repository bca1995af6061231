"""Paced ("power") dialling in a real browser (web/ui/power.py): the collector starts it on "My work today",
the panel steps by itself and the browser opens the case it dialled, with the panel on it saying the
collector is on a call; stopped there, it dials nothing more. The clock is Friday 10:00 in Beijing, so the
gate allows the calls whatever the hour the suite runs at. Screenshots: tests/artifacts/screenshots/
power-queue-{1366,phone}.png, power-case-{1366,phone}.png and power-queue-zh-{1366,phone}.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from tests.e2e.conftest import frozen_at, in_language, log_in, settled, shoot_widths
from tests.support import fake_phone
from tests.support.floor import MORNING

from huikuan import config


@pytest.fixture(scope="module")
def server_clock() -> Iterator[datetime]:
    with frozen_at(MORNING) as moment:
        yield moment


@pytest.fixture(autouse=True)
def _settings_as_they_were() -> Iterator[None]:
    yield
    config.get_settings.cache_clear()


def test_started_on_the_queue_it_dials_the_first_case_and_opens_it_then_stops(
    new_page: Any, site: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    floor = site["floor"]
    with floor.uow:
        fake_phone.seat(floor, "alice")
    case = floor.cases[0]
    page = new_page("en-US")
    log_in(page, site, "alice")
    in_language(page, "en")
    page.goto(f"{site['url']}/queue")
    page.wait_for_load_state("networkidle")
    panel = page.locator("[data-testid=power]")
    assert panel.get_attribute("data-running") == "false"
    shoot_widths(page, "power-queue", fits_phone=True)
    page.select_option("[data-testid=power-gap]", "0")
    page.click("[data-testid=power-start]")
    page.wait_for_url(f"**/cases/{case.id}", timeout=15_000)  # the first step (within 3 s) dialled it
    page.wait_for_load_state("networkidle")
    settled(page)
    assert [(r.extension, r.to) for r in phone.placed] == [("8001", "+8613800000001")]
    on_case = page.locator("[data-testid=power]")
    assert on_case.get_attribute("data-running") == "true"
    assert "On a call" in page.locator("[data-testid=power-status]").inner_text()
    assert "13800000001" not in page.content()
    shoot_widths(page, "power-case")
    page.click("[data-testid=power-stop]")
    page.locator("[data-testid=power][data-running=false]").wait_for()
    page.wait_for_timeout(3500)  # a stopped panel steps no more: nothing else is dialled
    assert len(phone.placed) == 1 and page.url.endswith(f"/cases/{case.id}")


def test_the_panel_in_chinese_at_laptop_and_phone_width(
    new_page: Any, site: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch)
    floor = site["floor"]
    with floor.uow:
        fake_phone.seat(floor, "bob")
    page = new_page("zh-CN")
    log_in(page, site, "bob")
    in_language(page, "zh-CN")
    page.goto(f"{site['url']}/queue")
    page.wait_for_load_state("networkidle")
    assert "开始自动拨号" in page.locator("[data-testid=power]").inner_text()
    shoot_widths(page, "power-queue-zh", fits_phone=True)
