"""The dashboards in a real browser: the floor's (/reports) reached from the administration's hub by the
supervisor, and a collector's own results (/reports/me) from the top bar, each with its charts drawn (the
chart's box holds an SVG once loaded) under the Content-Security-Policy; kept as screenshots at desktop
(1366x768) and phone (390x844) sizes, in Chinese and English. The floor is two months of work
(tests/support/reports.py), seen on November 30th."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from tests.e2e.conftest import REPORT_CSP_VIOLATIONS, csp_violation, frozen_at, shoot
from tests.support.reports import DECEMBER_RUN, OCTOBER_RUN, november, october

from huikuan.services.reports import JOB, refresh
from huikuan.storage import tables as t

SEEN = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # noon on the floor, November 30th
PERIOD = "from=2026-10-01&to=2026-11-30&group_by=week&split=collector"
SIZES = [("zh", "desktop"), ("en", "desktop"), ("zh", "phone"), ("en", "phone")]


@pytest.fixture(scope="module")
def server_clock() -> Iterator[datetime]:
    with frozen_at(SEEN) as moment:
        yield moment


@pytest.fixture(scope="module")
def worked(site: dict[str, Any]) -> dict[str, Any]:
    """October's and November's work, and the reports job after each."""
    floor = site["floor"]
    with floor.uow:
        october(floor)
        refresh(floor.uow, OCTOBER_RUN)
        november(floor)
        refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
        floor.uow.session.execute(
            t.job_leases.insert().values(name=JOB, last_run_at=SEEN.replace(hour=3), last_result={})
        )
        floor.uow.commit()
    return site


def _watched(page: Any) -> list[str]:
    """What the Content-Security-Policy refuses on the page's next loads."""
    refused: list[str] = []
    page.context.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("console", lambda message: csp_violation(message.text) and refused.append(message.text))
    return refused


def _drawn(page: Any, testid: str) -> None:
    box = page.locator(f"[data-testid={testid}]")
    box.locator("svg, canvas").first.wait_for(state="attached")
    assert box.locator("svg, canvas").count() >= 1


def _fits(page: Any, size: str) -> None:
    if size == "phone":
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"


@pytest.mark.parametrize(("language", "size"), SIZES)
def test_a_supervisor_opens_the_floors_dashboard_and_its_charts_are_drawn(
    open_page: Any, worked: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("sue", language, size)
    refused = _watched(page)
    if size == "phone" and page.locator("[data-testid=nav-toggle]").count():
        page.click("[data-testid=nav-toggle]")
    page.click("[data-testid=nav-admin]")  # the top bar has no room left: the administration's hub
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=hub-reports]")
    page.wait_for_load_state("networkidle")
    page.goto(page.url.split("?")[0] + "?" + PERIOD)
    page.wait_for_load_state("networkidle")
    for chart in ("chart-trend", "chart-refusals", "chart-vintages"):
        _drawn(page, chart)
    assert page.locator("[data-testid=reports-roll-table]").is_visible()
    alice = worked["floor"].users["alice"]
    assert page.locator(f"[data-testid=reports-split-{alice}]").is_visible()
    _fits(page, size)
    shoot(page, f"reports-{language}-{size}")
    assert not refused, refused


@pytest.mark.parametrize(("language", "size"), SIZES)
def test_a_collector_sees_its_results_against_its_team(
    open_page: Any, worked: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("alice", language, size)
    refused = _watched(page)
    if size == "phone" and page.locator("[data-testid=nav-toggle]").count():
        page.click("[data-testid=nav-toggle]")
    page.click("[data-testid=nav-my-results]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/reports/me")
    _drawn(page, "chart-me")
    assert page.locator("[data-testid=me-contact_rate]").is_visible()
    _fits(page, size)
    shoot(page, f"reports-me-{language}-{size}")
    assert not refused, refused
