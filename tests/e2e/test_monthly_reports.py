"""The monthly reports in a real browser: the bank's viewer finds its monthly report on its portal, and an
administrator the recipients' form on the creditor's page. Kept as screenshots at desktop (1366x768) and
phone (390x844) sizes, in Chinese and English; neither page scrolls sideways as a whole."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.e2e.conftest import shoot
from tests.support.floor import MORNING, PASSWORD

from huikuan.services.users import add_user
from huikuan.storage import tables as t

NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture(scope="module")
def kept(site: dict[str, Any]) -> dict[str, Any]:
    """A report row of BANK's for 2026-10 (its file is not read here) and ada, an administrator."""
    with site["floor"].uow as uow:
        bank = uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == "BANK")).scalar_one()
        uow.session.execute(
            insert(t.documents).values(
                kind="monthly_report",
                filename="monthly-report-BANK-2026-10.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                store="fs",
                stored_key="e2e/monthly-report",
                entity="creditor",
                entity_id=bank,
                created_at=MORNING,
            )
        )
        add_user(uow, "ada", PASSWORD, role="admin")
        uow.commit()
    return {**site, "bank": bank}


@pytest.mark.parametrize(
    ("language", "size"), [("zh", "desktop"), ("en", "desktop"), ("zh", "phone"), ("en", "phone")]
)
def test_the_viewer_finds_its_monthly_report_on_the_portal_and_an_administrator_the_recipients(
    open_page: Any, kept: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("vic", language, size, timeout=15_000)
    card = page.locator("[data-testid=portal-monthly-reports]")
    card.scroll_into_view_if_needed()
    assert "monthly-report-BANK-2026-10.pdf" in card.inner_text()
    assert page.evaluate(NO_SIDEWAYS)
    shoot(page, f"monthly-portal-{language}-{size}")
    admin = open_page("ada", language, size, timeout=15_000)
    admin.goto(f"{kept['url']}/admin/creditors/{kept['bank']}")
    admin.wait_for_load_state("networkidle")
    form = admin.locator("[data-testid=report-recipients-form]")
    form.scroll_into_view_if_needed()
    assert form.is_visible()
    assert admin.evaluate(NO_SIDEWAYS)
    shoot(admin, f"monthly-admin-{language}-{size}")
