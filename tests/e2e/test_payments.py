"""Payments in a real browser: a collector posts a payment received by bank transfer from the case page's
payments tab (with the bank slip), checks it, confirms it and sees it in the list; a supervisor reverses
it; an administrator adds a creditor's money terms. No page has a serious accessibility problem (axe).
Screenshots, desktop and phone, zh and en:
tests/artifacts/screenshots/payments-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import ARTIFACTS, in_language, log_in, settled
from tests.e2e.test_accessibility import _findings
from tests.support.floor import PASSWORD

from huikuan.services.users import add_user

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
WORDS = {
    "en": {"tab": "Payments", "posted": "Posted", "reversed": "Reversed"},
    "zh-CN": {"tab": "付款", "posted": "已入账", "reversed": "已冲正"},
}


def _payments_tab(page: Any, site: dict[str, Any], case_id: int) -> None:
    page.goto(f"{site['url']}/cases/{case_id}?tab=payments")
    page.wait_for_load_state("networkidle")
    open_tab(page, "payments")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_collector_posts_a_payment_from_the_case_page_and_sees_it_listed(
    new_page: Any, site: dict, lang: str
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    case = site["floor"].cases[0]
    reference = f"BANK-{lang}"
    page = new_page("en-US" if lang == "en" else "zh-CN")
    log_in(page, site, "alice")
    in_language(page, lang)
    _payments_tab(page, site, case.id)
    assert page.inner_text("[data-testid=tab-payments]").strip() == WORDS[lang]["tab"]
    page.fill("[data-testid=payment-amount]", "1,250.00")
    page.select_option("[data-testid=payment-method]", "bank_transfer")
    page.fill("[data-testid=payment-reference]", reference)
    page.fill("[data-testid=payment-note]", "Paid at the branch" if lang == "en" else "在网点支付")
    page.set_input_files(
        "[data-testid=payment-file]", {"name": "slip.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.click("[data-testid=payment-check]")
    settled(page)
    preview = page.locator("[data-testid=payment-preview]")
    assert preview.is_visible() and reference in preview.inner_text()
    page.locator("#panel-payments").screenshot(path=str(ARTIFACTS / f"payments-check-{lang}-1366.png"))
    assert _findings(page) == []
    page.click("[data-testid=payment-confirm-post]")
    settled(page)
    assert page.locator("[data-testid=payments-notice]").is_visible()
    row = page.locator("[data-testid=payments-list] li", has_text=reference)
    assert row.count() == 1
    assert WORDS[lang]["posted"] in row.inner_text() and "1,250.00" in row.inner_text()
    assert row.locator("a", has_text="slip.pdf").count() == 1
    page.screenshot(path=str(ARTIFACTS / f"payments-case-{lang}-1366.png"), full_page=True)
    page.set_viewport_size(PHONE)
    _payments_tab(page, site, case.id)
    assert page.locator("[data-testid=payments-list] li", has_text=reference).is_visible()
    page.screenshot(path=str(ARTIFACTS / f"payments-case-{lang}-phone.png"), full_page=True)


def test_a_supervisor_reverses_a_payment_after_confirming(new_page: Any, site: dict) -> None:
    case = site["floor"].cases[2]  # the pool's case: sue works it
    page = new_page("en-US")
    log_in(page, site, "sue")
    in_language(page, "en")
    _payments_tab(page, site, case.id)
    page.fill("[data-testid=payment-amount]", "100")
    page.fill("[data-testid=payment-reference]", "CHEQUE-7")
    page.select_option("[data-testid=payment-method]", "cheque")
    page.click("[data-testid=payment-check]")
    settled(page)
    page.click("[data-testid=payment-confirm-post]")
    settled(page)
    row = page.locator("[data-testid=payments-list] li", has_text="CHEQUE-7")
    payment = (row.get_attribute("data-testid") or "").removeprefix("payment-")
    row.locator("summary").click()
    page.fill(f"[data-testid=payment-reverse-reason-{payment}]", "the cheque bounced")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"[data-testid=payment-reverse-{payment}]")
    settled(page)
    assert page.inner_text(f"[data-testid=payment-status-{payment}]") == WORDS["en"]["reversed"]
    assert "the cheque bounced" in page.inner_text(f"[data-testid=payment-reversal-{payment}]")
    page.screenshot(path=str(ARTIFACTS / "payments-reversed-en-1366.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_administrator_adds_money_terms(new_page: Any, site: dict, lang: str) -> None:
    floor = site["floor"]
    with floor.uow:
        if lang == "en":
            add_user(floor.uow, "ada", PASSWORD, role="admin")
            floor.uow.commit()
    page = new_page("en-US" if lang == "en" else "zh-CN")
    log_in(page, site, "ada")
    in_language(page, lang)
    for size, suffix in ((LAPTOP, "1366"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(f"{site['url']}/queue")
        page.click("[data-testid=nav-admin]")
        page.click("[data-testid=hub-admin-creditors]")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / f"payments-creditors-{lang}-{suffix}.png"), full_page=True)
    assert _findings(page) == []
    page.set_viewport_size(LAPTOP)
    page.locator("[data-testid^=creditor-terms-]").first.click()
    page.wait_for_load_state("networkidle")
    day = "2026-01-01" if lang == "en" else "2026-02-01"
    page.fill("[data-testid=terms-starts]", day)
    page.fill("[data-testid=tier-rate-0]", "250")
    page.click("[data-testid=terms-save]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=terms-error]").is_visible()
    page.screenshot(path=str(ARTIFACTS / f"payments-terms-error-{lang}-1366.png"), full_page=True)
    page.fill("[data-testid=tier-rate-0]", "20")
    page.select_option("[data-testid=tier-source-0]", "agency")
    page.click("[data-testid=terms-save]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=terms-notice]").is_visible()
    assert page.locator(f"[data-testid=terms-{day}]").is_visible()
    assert "20%" in page.inner_text(f"[data-testid=terms-{day}] [data-testid=terms-tiers]")
    assert _findings(page) == []
    for size, suffix in ((LAPTOP, "1366"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"payments-terms-{lang}-{suffix}.png"), full_page=True)
