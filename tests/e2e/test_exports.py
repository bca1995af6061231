"""Exports in a real browser: the creditor's viewer downloads its portfolio from the "Export CSV" link
and its daily activity file from the activity files page. Each is kept as a screenshot at desktop
(1366x768) and phone (390x844) sizes, in Chinese and English."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.e2e.conftest import shoot
from tests.support.floor import MORNING

from huikuan.services.activity_files import activity_files
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

LANGUAGES = [("zh", "desktop"), ("en", "desktop"), ("zh", "phone"), ("en", "phone")]


@pytest.fixture(scope="module")
def with_files(site: dict[str, Any]) -> dict[str, Any]:
    """The site with a call on the bank's first case on the floor's day, and the night's activity files."""
    floor = site["floor"]
    uow = UnitOfWork(site["engine"])
    with uow:
        case = floor.cases[0]
        uow.begin_write()
        uow.session.execute(
            insert(t.interactions).values(
                case_id=case.id,
                debtor_id=case.debtor_id,
                contact_point_id=case.mobile_id,
                user_id=floor.users["alice"],
                at=MORNING,
                channel="call",
                direction="out",
                outcome="promise",
                notes="",
                duration_s=90,
            )
        )
        uow.commit()
        activity_files(uow, MORNING + timedelta(hours=18))
    return site


@pytest.mark.parametrize(("language", "size"), LANGUAGES)
def test_the_creditors_viewer_exports_its_portfolio_as_csv(
    open_page: Any, with_files: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("vic", language, size, timeout=15_000, accept_downloads=True)
    page.goto(with_files["url"] + "/portfolio")
    link = page.locator("[data-testid=export-csv]")
    assert link.is_visible()
    shoot(page, f"exports-portfolio-{language}-{size}")
    with page.expect_download() as waited:
        link.click()
    text = open(waited.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123 - the browser's file
    first = text.splitlines()[0]
    assert first.startswith("案件,债务人" if language == "zh" else "Case,Debtor")
    assert all(str(case.id) in text for case in with_files["floor"].cases)


@pytest.mark.parametrize(("language", "size"), LANGUAGES)
def test_the_creditors_viewer_downloads_its_activity_file(
    open_page: Any, with_files: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("vic", language, size, timeout=15_000, accept_downloads=True)
    page.goto(with_files["url"] + "/portfolio")
    page.click("[data-testid=activity-link]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=activity-table]").is_visible()
    assert "activity-BANK-2026-11-20.csv" in page.content()
    assert "activity-SHOP-" not in page.content()  # another creditor's: never listed
    shoot(page, f"exports-activity-{language}-{size}")
    with with_files["engine"].connect() as conn:
        d = t.documents.c
        file_id = conn.execute(select(d.id).where(d.filename == "activity-BANK-2026-11-20.csv")).scalar_one()
    with page.expect_download() as waited:
        page.click(f"[data-testid=activity-file-{file_id}]")
    text = open(waited.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123 - the browser's file
    assert text.startswith("record,at,case") and "138****0001" in text and "13800000001" not in text
