"""The creditor's portal in a real browser: the bank's viewer lands on its portfolio at a glance (placed,
collected, liquidation by placement month, promises, disputes and complaints, its statements and the link
to its uploads), opens its accounts and filters them by status. Each is kept as a screenshot at desktop
(1366x768) and phone (390x844) sizes, in Chinese and English; the page never scrolls sideways as a whole
(wide tables scroll in their own box)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.e2e.conftest import shoot
from tests.support.floor import MORNING
from tests.support.portal import seed_portal

from huikuan.storage import tables as t

NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture(scope="module")
def seeded(site: dict[str, Any]) -> dict[str, Any]:
    with site["floor"].uow as uow:
        seed_portal(site["floor"])
        bank = uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == "BANK")).scalar_one()
        uow.session.execute(
            insert(t.statements).values(
                creditor_id=bank,
                period="2026-10",
                currency="CNY",
                remittance="net",
                totals={},
                issued_at=MORNING,
            )
        )
        uow.commit()
    return site


@pytest.mark.parametrize(
    ("language", "size"), [("zh", "desktop"), ("en", "desktop"), ("zh", "phone"), ("en", "phone")]
)
def test_the_banks_viewer_sees_its_portfolio_at_a_glance_and_opens_its_accounts(
    open_page: Any, seeded: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("vic", language, size, timeout=15_000)
    assert page.url.endswith("/portfolio")
    assert page.locator("[data-testid=portal-glance]").is_visible()
    assert page.locator("[data-testid=portal-collected-CNY]").inner_text().endswith("2,150.00")
    assert page.locator("[data-testid=portal-vintage-2026-08-CNY]").is_visible()
    assert page.locator("[data-testid=portal-imports-link]").is_visible()
    assert page.locator("[data-testid=portal-statements] tbody tr").count() == 1
    assert "77,777.77" not in page.content()  # the shop's money
    assert page.evaluate(NO_SIDEWAYS)
    shoot(page, f"portal-{language}-{size}")
    page.click("[data-testid=portal-accounts-link]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=portal-accounts-table]").is_visible()
    assert page.evaluate(NO_SIDEWAYS)
    shoot(page, f"portal-accounts-{language}-{size}")
    page.select_option("[data-testid=portal-filter-status]", "paid")
    page.click("[data-testid=portal-filter-apply]")
    page.wait_for_load_state("networkidle")
    assert "status=paid" in page.url
    assert page.locator("[data-testid=portal-accounts-table] tbody tr").count() == 1
