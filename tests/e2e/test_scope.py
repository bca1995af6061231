"""The page /admin/scope in a real browser: an administrator ticks the creditors team 一组 serves (SHOP
only) and gives alice her own (BANK); the supervisor reads the grid without a way to change it; bob, of
team 一组, no longer finds BANK's pool case in his queue. Each is kept as a screenshot at desktop (1366x768)
and phone (390x844) sizes, in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete
from tests.e2e.conftest import log_in, shoot
from tests.support.floor import PASSWORD

from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
CASES = [("zh", "desktop"), ("zh", "phone"), ("en", "desktop"), ("en", "phone")]


@pytest.fixture(scope="module")
def scoped(site: dict[str, Any]) -> dict[str, Any]:
    """The site with an administrator, root."""
    uow = UnitOfWork(site["engine"])
    with uow:
        add_user(uow, "root", PASSWORD, role="admin")
        uow.commit()
    return site


@pytest.fixture
def open_page(browser: Any, scoped: dict[str, Any]) -> Iterator[Any]:
    """`open_page("root", "zh", "phone")`: a logged-in page of its own browser, in that language and size.
    Every test starts and ends with no rows: everyone serves every creditor."""
    contexts = []

    def clear() -> None:
        with scoped["engine"].begin() as conn:
            conn.execute(delete(t.team_creditors))
            conn.execute(delete(t.user_creditors))

    def make(username: str, language: str, size: str) -> Any:
        context = browser.new_context(
            locale="zh-CN" if language == "zh" else "en-US", viewport=SIZES[size], device_scale_factor=1
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, scoped, username)
        wanted = "zh-CN" if language == "zh" else "en"
        if page.locator("html").get_attribute("lang") != wanted:
            page.click("[data-testid=switch-language]")
            page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == wanted
        return page

    clear()
    yield make
    for context in contexts:
        context.close()
    clear()


@pytest.mark.parametrize(("language", "size"), CASES)
def test_an_administrator_ticks_a_teams_creditors_and_a_users_own(
    open_page: Any, scoped: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("root", language, size)
    page.goto(scoped["url"] + "/admin/scope")
    assert page.locator("[data-testid=no-overrides]").is_visible()
    page.check("[data-testid='team-一组-SHOP']")
    page.click("[data-testid='save-team-一组']")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=scope-saved]").is_visible()
    assert page.locator("[data-testid='team-一组-SHOP']").is_checked()
    assert not page.locator("[data-testid='team-一组-BANK']").is_checked()
    page.select_option("#scope-user", label="alice (alice)")
    page.check("[data-testid=add-BANK]")
    page.click("[data-testid=add-user-scope]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=user-alice-BANK]").is_checked()
    assert not page.locator("[data-testid=user-alice-SHOP]").is_checked()
    shoot(page, f"scope-admin-{language}-{size}")
    bob = open_page("bob", language, size)
    bob.goto(scoped["url"] + "/queue")
    pool = scoped["floor"].cases[2].id  # BANK's pool case
    assert bob.locator(f"[data-testid=queue-row-{pool}]").count() == 0
    shoot(bob, f"scope-bob-queue-{language}-{size}")


@pytest.mark.parametrize(("language", "size"), CASES)
def test_a_supervisor_reads_the_grid_without_changing_it(
    open_page: Any, scoped: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("sue", language, size)
    page.goto(scoped["url"] + "/admin/scope")
    box = page.locator("[data-testid='team-一组-BANK']")
    assert box.is_visible() and box.is_disabled()
    assert page.locator("[data-testid^=save-team-]").count() == 0
    assert page.locator("[data-testid=scope-add-user]").count() == 0
    shoot(page, f"scope-supervisor-{language}-{size}")
