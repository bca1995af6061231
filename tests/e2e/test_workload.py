"""The supervisor's workload in a real browser: the team view reached from the navigation, a rebalance
confirmed after its count, cases ticked on the team queue and moved to the pool, the queue filtered by
days past due, and an absence recorded. Each is kept as a screenshot at desktop (1366x768) and phone
(390x844) sizes, in Chinese and English."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.conftest import shoot
from tests.support.crowd import add_cases

from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@pytest.fixture(scope="module")
def crowded(site: dict[str, Any]) -> dict[str, Any]:
    """The site with 12 more BANK cases, all alice's: her team is out of balance."""
    uow = UnitOfWork(site["engine"])
    with uow:
        add_cases(uow, "BANK", 12, assigned=site["floor"].users["alice"])
    return site


@pytest.fixture
def open_page(open_page: Any) -> Any:
    """The shared page of tests/e2e/conftest.py, its waits allowed 15 s."""
    return functools.partial(open_page, timeout=15_000)


def _assigned(site: dict[str, Any], case_id: int) -> int | None:
    with site["engine"].connect() as conn:
        return conn.execute(select(t.cases.c.assigned_user_id).where(t.cases.c.id == case_id)).scalar()


@pytest.mark.parametrize(
    ("language", "size"), [("zh", "desktop"), ("en", "desktop"), ("zh", "phone"), ("en", "phone")]
)
def test_a_supervisor_opens_the_workload_and_rebalances_after_seeing_the_count(
    open_page: Any, crowded: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("sue", language, size)
    if size == "phone" and page.locator("[data-testid=nav-toggle]").count():
        page.click("[data-testid=nav-toggle]")
    page.click("[data-testid=nav-workload]")
    page.wait_for_load_state("networkidle")
    alice = crowded["floor"].users["alice"]
    assert page.locator(f"[data-testid=workload-row-{alice}]").is_visible()
    shoot(page, f"workload-{language}-{size}")
    page.click("[data-testid=workload-rebalance]")
    page.wait_for_load_state("networkidle")
    count = page.locator("[data-testid=confirm-count]")
    assert count.is_visible()
    shoot(page, f"workload-rebalance-confirm-{language}-{size}")
    if page.locator("[data-testid=confirm-move]").count():
        page.click("[data-testid=confirm-move]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=workload-notice]").is_visible()
    else:
        page.click("[data-testid=confirm-cancel]")
        page.wait_for_load_state("networkidle")
    bob = crowded["floor"].users["bob"]
    opened = [int(page.locator(f"[data-testid=workload-open-{u}]").inner_text()) for u in (alice, bob)]
    assert abs(opened[0] - opened[1]) <= 1  # evened
    shoot(page, f"workload-after-{language}-{size}")


@pytest.mark.parametrize(("language", "size"), [("zh", "phone"), ("en", "desktop")])
def test_cases_ticked_on_the_team_queue_move_to_the_pool_once_confirmed(
    open_page: Any, crowded: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("sue", language, size)
    page.goto(crowded["url"] + f"/queue?all=1&collector={crowded['floor'].users['bob']}&sort=balance")
    page.wait_for_load_state("networkidle")
    boxes = page.locator("input[data-testid^=select-]")
    assert boxes.count() >= 1
    ticked = int(boxes.first.get_attribute("value") or 0)
    boxes.first.check()
    shoot(page, f"workload-queue-ticked-{language}-{size}")
    page.select_option("[data-testid=move-to]", "pool")
    page.click("[data-testid=move-selected]")
    page.wait_for_load_state("networkidle")
    assert "1" in page.locator("[data-testid=confirm-count]").inner_text()
    shoot(page, f"workload-move-confirm-{language}-{size}")
    page.click("[data-testid=confirm-move]")
    page.wait_for_load_state("networkidle")
    assert _assigned(crowded, ticked) is None
    assert page.locator("[data-testid=workload-notice]").is_visible()


@pytest.mark.parametrize(("language", "size"), [("en", "phone"), ("zh", "desktop")])
def test_a_collector_filters_its_queue_by_days_past_due(
    open_page: Any, crowded: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("alice", language, size)
    page.goto(crowded["url"] + "/queue")
    page.wait_for_load_state("networkidle")
    page.select_option("[data-testid=filter-dpd]", "91-180")
    page.select_option("[data-testid=filter-sort]", "balance")
    page.click("[data-testid=filter-apply]")
    page.wait_for_load_state("networkidle")
    assert "dpd=91-180" in page.url and "sort=balance" in page.url
    assert page.locator("[data-testid=queue-total]").is_visible()
    assert page.locator("[data-testid=filter-collector]").count() == 0  # a collector has no such filter
    shoot(page, f"workload-queue-filtered-{language}-{size}")


@pytest.mark.parametrize(("language", "size"), [("zh", "desktop"), ("en", "phone")])
def test_an_absence_is_recorded_and_shown_on_the_workload(
    open_page: Any, crowded: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("sue", language, size)
    page.goto(crowded["url"] + "/workload")
    bob = crowded["floor"].users["bob"]
    page.select_option("[data-testid=absence-user]", str(bob))
    page.fill("[data-testid=absence-note]", "年假" if language == "zh" else "Annual leave")
    page.click("[data-testid=absence-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=confirm-count]").is_visible()
    shoot(page, f"workload-absence-confirm-{language}-{size}")
    page.click("[data-testid=confirm-move]")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"[data-testid=workload-away-{bob}]").is_visible()
    assert page.locator("[data-testid=absence-list]").is_visible()
    shoot(page, f"workload-absence-{language}-{size}")
