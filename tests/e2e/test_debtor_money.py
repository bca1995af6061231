"""The debtor's pay, arrange and dispute pages in a real browser at a phone's size, in Chinese and English:
open the private link, pass the check, pay part through the provider's cashier and see the receipt, accept
a plan, send a dispute with a document. Every page keeps a screenshot, never scrolls sideways, and axe
finds no serious or critical problem on it. The provider is tests/support/fake_pay.py; its cashier page,
on the provider's own domain, is answered by the browser's route (no network)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.conftest import PHONE, shoot
from tests.e2e.test_accessibility import _findings
from tests.support.debtor_portal import right_answers
from tests.support.fake_pay import install, notice
from tests.support.messaging import use_settings

from huikuan.services import payment_links
from huikuan.services.debtor_links import create_link
from huikuan.services.payment_merchants import set_merchant
from huikuan.services.provider_notifications import take_notification
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def _checked(page: Any, name: str, findings: dict[str, list[str]]) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate(NO_SIDEWAYS), f"{name} scrolls sideways at phone width"
    shoot(page, name)
    findings[name] = _findings(page)


def _visit(new_page: Any, site: dict[str, Any], n: int, language: str) -> Any:
    floor = site["floor"]
    with UnitOfWork(site["engine"]) as uow:
        link = create_link(uow, floor.cases[n - 1].id)
    page = new_page("zh-CN" if language == "zh" else "en-US", viewport=PHONE)
    page.goto(f"{site['url']}/d/{link.token}")
    answers = right_answers(n)
    page.fill("[name=last4]", answers["last4"])
    page.fill("[name=birth_date]", answers["birth_date"])
    page.click("[data-testid=d-check-go]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/d")
    return page


@pytest.mark.parametrize(("language", "n"), [("zh", 1), ("en", 2)])
def test_a_debtor_pays_part_arranges_the_rest_and_disputes_on_a_phone(
    new_page: Any,
    site: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    language: str,
    n: int,
) -> None:
    fake = install(monkeypatch)
    use_settings(monkeypatch, public_url=site["url"])
    # references as wide as any can be (digits are the widest hex): a long code wraps, never pushes the
    # receipt sideways
    monkeypatch.setattr(payment_links, "reference", lambda: f"HK{secrets.randbelow(10**24):024d}")
    with UnitOfWork(site["engine"]) as uow:
        set_merchant(uow, None, "BANK", "fake", {"sub_mchid": "1900000109"}, now=datetime.now(UTC))
    findings: dict[str, list[str]] = {}
    page = _visit(new_page, site, n, language)
    page.route(
        "https://pay.fake.test/**", lambda route: route.fulfill(body="cashier", content_type="text/plain")
    )

    page.goto(site["url"] + "/d/pay")
    _checked(page, f"debtor-pay-{language}-phone", findings)
    page.fill("[data-testid=d-amount]", "100.00")
    page.click("[data-testid=d-pay-go]")
    page.wait_for_load_state("networkidle")
    _checked(page, f"debtor-pay-go-{language}-phone", findings)
    page.click("[data-testid=d-pay-cashier]")
    page.wait_for_url("https://pay.fake.test/**")
    request = fake.requests[-1]
    assert request.amount == 10_000
    paid_at = datetime.now(UTC)
    headers, body = notice(request.out_trade_no, 10_000, at=paid_at, event_id=f"e2e-{n}", txn=f"E2E-{n}")
    with UnitOfWork(site["engine"]) as uow:
        take_notification(uow, "fake", headers, body, now=paid_at)
    page.goto(site["url"] + "/d/pay/receipt")
    assert page.locator("[data-testid=d-receipt]").is_visible()
    _checked(page, f"debtor-pay-receipt-{language}-phone", findings)

    page.goto(site["url"] + "/d/arrange")
    _checked(page, f"debtor-arrange-{language}-phone", findings)
    page.check("[data-testid=d-agree-plan-3]")
    page.click("[data-testid=d-accept-plan-3]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=d-current]").is_visible()
    _checked(page, f"debtor-arranged-{language}-phone", findings)

    page.goto(site["url"] + "/d/dispute")
    _checked(page, f"debtor-dispute-{language}-phone", findings)
    proof = tmp_path / "proof.pdf"
    proof.write_bytes(PDF)
    page.check("[data-testid=d-reason-wrong_amount]")
    page.fill("[data-testid=d-dispute-text]", "金额不对" if language == "zh" else "The amount is wrong")
    page.set_input_files("[data-testid=d-files]", str(proof))
    page.click("[data-testid=d-dispute-go]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=d-disputed]").is_visible()
    _checked(page, f"debtor-disputed-{language}-phone", findings)
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if language == "zh" else "en")

    with site["engine"].connect() as conn:
        case_id = site["floor"].cases[n - 1].id
        via = conn.execute(select(t.disputes.c.via).where(t.disputes.c.case_id == case_id)).scalar_one()
        signed = conn.execute(
            select(t.self_service_signatures.c.locale).where(t.self_service_signatures.c.case_id == case_id)
        ).scalar_one()
    assert via == "portal" and signed == ("zh_CN" if language == "zh" else "en")
    assert {name: found for name, found in findings.items() if found} == {}
