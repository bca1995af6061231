"""Imports from the browser in a real browser: an administrator uploads a GBK placement file in lenient
mode and watches its page until the report appears (the progress polled by htmx), with the rejected rows
to download; BANK's viewer uploads a file for its own creditor in strict mode and sees it refused with
its errors by row, and its history holds its own creditor's imports only. Desktop and phone, zh and en;
screenshots in tests/artifacts/screenshots/imports-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.conftest import in_language, log_in, shoot
from tests.e2e.test_accessibility import _findings as accessibility_problems
from tests.support.floor import PASSWORD
from tests.support.imports import gbk_placement

from huikuan.services.users import add_user

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
WORDS = {
    "en": {"nav": "Imports", "done": "Done", "refused": "Refused (strict mode)"},
    "zh-CN": {"nav": "导入", "done": "已完成", "refused": "已拒绝（严格模式）"},
}
# Each run places accounts of its own, so that every report counts new accounts only.
FIRST = {("en", "desktop"): 100, ("en", "phone"): 200, ("zh-CN", "desktop"): 300, ("zh-CN", "phone"): 400}


@pytest.fixture(scope="module")
def admin(site: dict[str, Any]) -> str:
    """The floor's administrator, ada."""
    floor = site["floor"]
    with floor.uow as uow:
        floor.users["ada"] = add_user(uow, "ada", PASSWORD, role="admin").id or 0
        uow.commit()
    return "ada"


def _upload(page: Any, creditor: str, mode: str, data: bytes, name: str) -> None:
    page.click("[data-testid=nav-imports]")
    page.wait_for_load_state("networkidle")
    page.select_option("[data-testid=import-creditor]", creditor)
    page.select_option("[data-testid=import-kind]", "accounts")
    page.select_option("[data-testid=import-mode]", mode)
    page.set_input_files("[data-testid=import-file]", {"name": name, "mimeType": "text/csv", "buffer": data})
    page.click("[data-testid=import-submit]")
    page.wait_for_url("**/imports/*")


def _ended(page: Any) -> str:
    """Waits for the polled status to say the batch has ended; its status."""
    page.wait_for_selector(
        "[data-testid=batch-status][data-status=done], [data-testid=batch-status][data-status=refused], "
        "[data-testid=batch-status][data-status=failed]"
    )
    return str(page.get_attribute("[data-testid=batch-status]", "data-status"))


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_admin_uploads_a_gbk_placement_file_and_sees_its_report(
    new_page: Any, site: dict[str, Any], admin: str, lang: str, width: str
) -> None:
    page = new_page("en-US" if lang == "en" else "zh-CN", viewport=WIDTHS[width])
    log_in(page, site, admin)
    in_language(page, lang)
    assert page.inner_text("[data-testid=nav-imports]").strip() == WORDS[lang]["nav"]
    page.click("[data-testid=nav-imports]")
    page.wait_for_load_state("networkidle")
    shoot(page, f"imports-form-{lang}-{width}")
    data = gbk_placement(6, first=FIRST[(lang, width)], bad=(4,), prefix="E")

    _upload(page, "BANK", "lenient", data, "委案-2026-12.csv")

    assert _ended(page) == "done"
    assert page.inner_text("[data-testid=batch-status-badge]").strip() == WORDS[lang]["done"]
    assert page.inner_text("[data-testid=count-rows_read]") == "6"
    assert page.inner_text("[data-testid=count-created]") == "5"
    assert page.inner_text("[data-testid=count-rejected]") == "1"
    assert page.get_attribute("[data-testid=batch-progress]", "value") == "100"
    assert page.locator("[data-testid=batch-errors] tbody tr").count() == 1
    with page.expect_download() as download:
        page.click("[data-testid=download-rejects]")
    assert download.value.suggested_filename == "委案-2026-12.rejects.csv"
    shoot(page, f"imports-report-{lang}-{width}")
    assert accessibility_problems(page) == []
    page.click("[data-testid=back-to-history]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=import-history] tbody tr").count() >= 1
    shoot(page, f"imports-history-{lang}-{width}")
    assert accessibility_problems(page) == []


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_creditor_viewer_imports_for_its_own_creditor_and_strict_mode_refuses_a_bad_file(
    new_page: Any, site: dict[str, Any], lang: str, width: str
) -> None:
    page = new_page("en-US" if lang == "en" else "zh-CN", viewport=WIDTHS[width])
    log_in(page, site, "vic")
    in_language(page, lang)
    page.click("[data-testid=nav-imports]")
    page.wait_for_load_state("networkidle")
    creditors = page.locator("[data-testid=import-creditor] option").all_inner_texts()
    assert [c.split()[0] for c in creditors] == ["BANK"]
    data = gbk_placement(3, first=FIRST[(lang, width)] + 50, bad=(1, 3), prefix="V")

    _upload(page, "BANK", "strict", data, "bad.csv")

    assert _ended(page) == "refused"
    assert page.inner_text("[data-testid=batch-status-badge]").strip() == WORDS[lang]["refused"]
    assert page.locator("[data-testid=batch-refused]").is_visible()
    assert page.locator("[data-testid=batch-errors] tbody tr").count() == 2
    shoot(page, f"imports-refused-{lang}-{width}")
    page.click("[data-testid=back-to-history]")
    page.wait_for_load_state("networkidle")
    shown = page.locator("[data-testid=import-history] tbody tr td:nth-child(2)").all_inner_texts()
    assert shown and set(shown) == {"BANK"}
    shoot(page, f"imports-viewer-history-{lang}-{width}")
