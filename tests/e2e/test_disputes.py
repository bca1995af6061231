"""The dispute loop in a real browser: a collector opens a written dispute of one account on the case
page, requests verification, attaches the creditor's verification PDF, marks it received and resolves
the dispute; the supervisor's lists of disputes and complaints. Screenshots, desktop and phone, zh and en:
tests/artifacts/screenshots/disputes-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import ARTIFACTS, in_language, log_in, settled

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
WORDS = {
    "en": {"resolved": "Resolved: collection resumes", "tab": "Disputes and complaints"},
    "zh-CN": {"resolved": "已解决：恢复催收", "tab": "争议与投诉"},
}


def _step(page: Any, testid: str) -> None:
    page.click(f"[data-testid={testid}]")
    settled(page)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_dispute_is_opened_verified_with_a_pdf_and_resolved(new_page: Any, site: dict, lang: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    case = site["floor"].cases[0]
    page = new_page("en-US" if lang == "en" else "zh-CN")
    log_in(page, site, "alice")
    in_language(page, lang)
    page.goto(f"{site['url']}/cases/{case.id}?tab=disputes")
    page.wait_for_load_state("networkidle")
    settled(page)
    open_tab(page, "disputes")
    assert page.inner_text("[data-testid=tab-disputes]").strip() == WORDS[lang]["tab"]
    page.select_option("[data-testid=dispute-account]", str(case.account_ids[0]))
    page.select_option("[data-testid=dispute-via]", "letter")
    page.check("[data-testid=dispute-written]")
    page.fill("[data-testid=dispute-notes]", "Not my card" if lang == "en" else "这张卡不是我的")
    _step(page, "dispute-open")
    status = page.locator("[data-testid^=dispute-status-]").first
    dispute = re.sub(r"\D", "", status.get_attribute("data-testid") or "")
    assert page.locator(f"[data-testid=dispute-stops-{dispute}]").is_visible()
    _step(page, f"dispute-verification_requested-{dispute}")
    page.set_input_files(
        f"[data-testid=dispute-file-{dispute}]",
        {"name": "verification.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    _step(page, f"dispute-attach-{dispute}")
    assert page.locator(f"[data-testid=dispute-documents-{dispute}] a").inner_text() == "verification.pdf"
    _step(page, f"dispute-verification_received-{dispute}")
    page.locator("#panel-disputes").screenshot(path=str(ARTIFACTS / f"disputes-panel-{lang}-1366.png"))
    _step(page, f"dispute-resolved-{dispute}")
    assert page.inner_text(f"[data-testid=dispute-status-{dispute}]") == WORDS[lang]["resolved"]
    assert not page.locator(f"[data-testid=dispute-stops-{dispute}]").count()
    page.screenshot(path=str(ARTIFACTS / f"disputes-case-{lang}-1366.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.goto(f"{site['url']}/cases/{case.id}?tab=disputes")
    page.wait_for_load_state("networkidle")
    open_tab(page, "disputes")
    page.screenshot(path=str(ARTIFACTS / f"disputes-case-{lang}-phone.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_supervisor_sees_the_lists_of_disputes_and_complaints(
    new_page: Any, site: dict, lang: str
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    case = site["floor"].cases[1]
    page = new_page("en-US" if lang == "en" else "zh-CN")
    log_in(page, site, "sue")
    in_language(page, lang)
    page.goto(f"{site['url']}/cases/{case.id}?tab=disputes")
    page.wait_for_load_state("networkidle")
    open_tab(page, "disputes")
    page.select_option("[data-testid=dispute-via]", "portal")
    page.check("[data-testid=dispute-written]")
    _step(page, "dispute-open")
    page.select_option("#complaint-regulator", "cn_12378")
    page.fill("#complaint-ref", "NFRA-2026-0042")
    _step(page, "complaint-record")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=complaint-flag]").is_visible()
    for size, suffix in ((LAPTOP, "1366"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(f"{site['url']}/queue?all=1")
        page.click("[data-testid=nav-disputes]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=disputes-table]").is_visible()
        page.screenshot(path=str(ARTIFACTS / f"disputes-list-{lang}-{suffix}.png"), full_page=True)
        page.goto(f"{site['url']}/complaints")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=complaints-list]").is_visible()
        page.screenshot(path=str(ARTIFACTS / f"disputes-complaints-{lang}-{suffix}.png"), full_page=True)
