"""A collector's day in a real browser: log in, take the next case, see the gate's verdict, record a
promise with the call and see it on the timeline, propose a settlement beyond authority and see it wait,
have the supervisor approve it, and switch the language. Each page visited is kept as a screenshot."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import log_in, settled, shoot


def _english(page: Any) -> None:
    """The personas speak Chinese by default; these steps read the English page."""
    if page.locator("html").get_attribute("lang") != "en":
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")


def test_a_collector_works_a_case_and_a_supervisor_approves_its_offer(new_page: Any, site: dict) -> None:
    page = new_page("en-US")
    log_in(page, site, "alice")
    _english(page)
    page.goto(site["url"] + "/queue")
    shoot(page, "queue")

    # Take the next case: the queue hands out alice's own first case.
    page.click("[data-testid=next-case]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    assert case_id == site["floor"].cases[0].id
    assert page.locator("[data-testid=release]").count() == 1  # alice holds it now

    # The gate's verdict for each contact point, now: allowed, or blocked until when and by which rule.
    mobile = site["floor"].cases[0].mobile_id
    verdict = page.locator(f"[data-testid=verdict-{mobile}]")
    verdict.wait_for()
    assert re.search(r"allowed now|[Bb]locked|until", verdict.inner_text())
    page.wait_for_load_state("networkidle")
    shoot(page, "case")

    # The debtor calls and promises: the promise is recorded with the call; the timeline shows it.
    settled(page)
    page.select_option("[data-testid=contact-direction]", "inbound")
    page.select_option("[data-testid=contact-outcome]", "promise")
    page.fill("[data-testid=promise-amount]", "1000")
    page.click("[data-testid=contact-submit]")
    page.locator("[data-testid=contact-notice]").wait_for()
    open_tab(page, "history")
    page.locator("#timeline tr[data-kind=promise]").first.wait_for()
    assert "1,000.00" in page.locator("#timeline tr[data-kind=promise]").first.inner_text()
    open_tab(page, "promises")
    page.locator("[data-testid=pending-promise]").wait_for()

    # A settlement at half the balance is beyond a collector's 20% discount: it waits for approval.
    settled(page)
    page.check("[data-testid=reason-asked]")
    page.click("[data-testid=negotiation-open]")
    page.locator("[data-testid=negotiation-form]").wait_for()
    settled(page)
    page.select_option("[data-testid=offer-kind]", "settlement")
    page.fill("[data-testid=offer-total]", "6000")
    page.click("[data-testid=offer-submit]")
    status = page.locator("[data-testid=arrangement-status]").first
    status.wait_for()
    assert status.inner_text() == "Awaiting approval"
    page.wait_for_load_state("networkidle")
    shoot(page, "case-offer-waiting")

    # The supervisor approves it from the approval queue.
    boss = new_page("en-US")
    log_in(boss, site, "sue")
    _english(boss)
    boss.goto(site["url"] + "/approvals")
    approve = boss.locator("[data-testid^=approve-]").first
    approve.wait_for()
    shoot(boss, "approvals")
    approve.click()
    boss.locator("[data-testid^=offer-status-]").filter(has_text="Active").first.wait_for()

    page.reload()  # the URL keeps the tab open
    assert page.locator("[data-testid=tab-promises]").get_attribute("aria-selected") == "true"
    open_tab(page, "promises")
    page.locator("[data-testid=arrangement-status]").filter(has_text="Active").first.wait_for()

    # Send a letter: it passes the gate and waits in the outbox, or (at night in Beijing, where this
    # debtor lives) the gate refuses it, saying which rule and until when.
    open_tab(page, "messages")
    page.select_option("[data-testid=message-channel]", "letter")
    page.locator("[data-testid=message-template] option[value=demand]").wait_for(state="attached")
    page.select_option("[data-testid=message-template]", "demand")
    page.click("[data-testid=message-send]")
    answer = page.locator("[data-testid=message-queued], [data-testid=message-refused]").first
    answer.wait_for()
    if answer.get_attribute("data-testid") == "message-queued":
        open_tab(page, "history")
        page.locator("#timeline tr[data-kind=letter]").first.wait_for()
    else:
        assert page.locator("[data-testid=refused-rule]").count() >= 1
    shoot(page, "case-letter")

    # And in Chinese, on the same tab.
    open_tab(page, "promises")
    page.click("[data-testid=switch-language]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("[data-testid=tab-promises]").get_attribute("aria-selected") == "true"
    open_tab(page, "promises")
    page.locator("[data-testid=arrangement-status]").filter(has_text="执行中").first.wait_for()
    shoot(page, "case-zh")


def test_every_other_page_renders_for_its_users(new_page: Any, site: dict) -> None:
    page = new_page("zh-CN")
    log_in(page, site, "sue")
    for path, name in (
        ("/queue?all=1", "queue-team"),
        ("/visits", "visits"),
        ("/outbox", "outbox"),
        ("/outbox/bulk", "outbox-bulk"),
        ("/scripts", "scripts"),
        ("/settings", "settings-supervisor"),
    ):
        response = page.goto(site["url"] + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.locator("#flash [role=alert]").count() == 0, path
        shoot(page, name)
    viewer = new_page("zh-CN")
    log_in(viewer, site, "vic")
    case = site["floor"].cases[1].id
    viewer.goto(f"{site['url']}/cases/{case}")
    viewer.wait_for_load_state("networkidle")
    assert viewer.locator("[data-testid=contact-form]").count() == 0  # read only
    shoot(viewer, "case-creditor-viewer")
