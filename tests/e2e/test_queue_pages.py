"""A long queue in a real browser: the true count (not the page's length) and pages walked through to the
end, for a collector and for the supervisor's team view; the bank's viewer landing on its portfolio; and
the rows themselves (the creditor's name, the due time and its state in words, the row actions) with no
cell broken one character per line. Each is kept as a screenshot at desktop (1366x768) and phone
(390x844) sizes, in Chinese and English."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from tests.e2e.conftest import shoot
from tests.support.crowd import add_cases

from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

CROWD = 120  # beside the floor's 3 BANK cases and 1 SHOP case


@pytest.fixture(scope="module")
def crowded(site: dict[str, Any]) -> dict[str, Any]:
    """The site with 120 more BANK cases in the pool: alice's work is 123 cases, the team's 124."""
    uow = UnitOfWork(site["engine"])
    with uow:
        add_cases(uow, "BANK", CROWD)
    return site


def _rows(page: Any, prefix: str) -> list[int]:
    ids = page.locator(f"tr[data-testid^={prefix}-row-]").evaluate_all(
        "rows => rows.map(r => r.dataset.testid)"
    )
    return [int(i.rsplit("-", 1)[1]) for i in ids]


def _walk(page: Any, prefix: str) -> list[int]:
    """Every row of every page, following the "next" link to the last page."""
    seen = _rows(page, prefix)
    while page.locator("[data-testid=pager-next]").count():
        page.locator("[data-testid=pager-next]").first.click()
        page.wait_for_load_state("networkidle")
        seen += _rows(page, prefix)
    return seen


@pytest.mark.parametrize(("language", "size"), [("zh", "desktop"), ("en", "phone")])
def test_a_collectors_queue_says_its_true_count_and_pages_through_every_case(
    open_page: Any, crowded: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("alice", language, size)
    page.goto(crowded["url"] + "/queue")
    total = page.locator("[data-testid=queue-total]").inner_text()
    pager = page.locator("[data-testid=pager-range]").first.inner_text()
    if language == "zh":
        assert total == "共 123 件" and pager.startswith("第 1–50 件，共 123 件")
    else:
        assert total == "123 cases" and pager.startswith("1–50 of 123")
    shoot(page, f"queue-long-{language}-{size}")
    seen = _walk(page, "queue")
    assert len(seen) == len(set(seen)) == 123
    assert re.search(r"[?&]page=3\b", page.url)
    assert page.locator("[data-testid=pager-previous]").count() == 2
    shoot(page, f"queue-long-last-page-{language}-{size}")


@pytest.mark.parametrize(("language", "size"), [("en", "desktop"), ("zh", "phone")])
def test_the_team_view_counts_every_case_and_its_pages_stay_in_the_team_view(
    open_page: Any, crowded: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("sue", language, size)
    page.goto(crowded["url"] + "/queue?all=1")
    expected = "124 cases" if language == "en" else "共 124 件"
    assert page.locator("[data-testid=queue-total]").inner_text() == expected
    page.locator("[data-testid=pager-next]").first.click()
    page.wait_for_load_state("networkidle")
    assert "all=1" in page.url and "page=2" in page.url
    assert page.locator("[data-testid=queue-title]").inner_text() == (
        "Team queue" if language == "en" else "团队队列"
    )
    shoot(page, f"queue-team-page-2-{language}-{size}")


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_banks_viewer_logs_in_to_its_portfolio(
    open_page: Any, crowded: dict[str, Any], language: str, size: str
) -> None:
    page = open_page("vic", language, size)
    page.goto(crowded["url"] + "/")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/portfolio")
    title = page.locator("[data-testid=portfolio-title]").inner_text()
    assert title.startswith("Portfolio" if language == "en" else "委托案件")
    assert page.locator("[data-testid=nav-portfolio]").count() == 1
    assert page.locator("[data-testid=nav-queue]").count() == 0
    assert page.locator("[data-testid=portfolio-cases]").inner_text() == "123"
    shop = crowded["floor"].other_creditor_case.id
    assert page.locator(f"[data-testid=portfolio-row-{shop}]").count() == 0
    shoot(page, f"portfolio-{language}-{size}")
    # Its queue address leads back here.
    page.goto(crowded["url"] + "/queue")
    assert page.url.endswith("/portfolio")


# Every text of a row that the browser broke into as many lines as it has characters ("未/核/实").
_BROKEN_CELLS = """rows => rows.flatMap(row => {
  const broken = [];
  const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if ([...text].length < 2) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    if (lines >= [...text].length) broken.push(text);
  }
  return broken;
})"""


@pytest.fixture(scope="module")
def worked(crowded: dict[str, Any]) -> dict[str, Any]:
    """The floor's three BANK cases made hard to lay out: a long creditor name, a long debtor name, next
    actions overdue, due now and due later, and one held by bob."""
    a, b, c = (case.id for case in crowded["floor"].cases)
    now = datetime.now(UTC)
    uow = UnitOfWork(crowded["engine"])
    with uow:
        s = uow.session
        s.execute(
            update(t.creditors)
            .where(t.creditors.c.code == "BANK")
            .values(name="某某银行股份有限公司信用卡中心")
        )
        debtor = crowded["floor"].cases[0].debtor_id
        s.execute(update(t.debtors).where(t.debtors.c.id == debtor).values(name="欧阳长名字测试债务人第一号"))
        for case_id, due, goal in (
            (a, now - timedelta(days=2), "offer_instalments"),
            (b, now - timedelta(minutes=5), "agree_payment"),
            (c, now + timedelta(days=2), "follow_up"),
        ):
            s.execute(
                update(t.cases)
                .where(t.cases.c.id == case_id)
                .values(next_action_channel="call", next_action_goal=goal, next_action_due_at=due)
            )
        bob = crowded["floor"].users["bob"]
        s.execute(
            update(t.cases)
            .where(t.cases.c.id == b)
            .values(claimed_by=bob, claim_expires_at=now + timedelta(hours=2))
        )
        uow.commit()
    return crowded


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_queue_rows_name_the_creditor_say_when_due_in_words_and_offer_what_the_viewer_may_do(
    open_page: Any, worked: dict[str, Any], language: str, size: str
) -> None:
    a, b, c = (case.id for case in worked["floor"].cases)
    page = open_page("sue", language, size)
    page.goto(worked["url"] + "/queue?all=1")
    rows = page.locator("tr[data-testid^=queue-row-]")
    assert (
        page.locator(f"[data-testid=queue-creditor-{a}]")
        .inner_text()
        .startswith("某某银行股份有限公司信用卡中心")
    )
    overdue, due_now = ("超期未办", "现在该办") if language == "zh" else ("Overdue", "Due now")
    assert overdue in page.locator(f"[data-testid=queue-due-{a}]").inner_text()
    assert due_now in page.locator(f"[data-testid=queue-due-{b}]").inner_text()
    assert page.locator(f"[data-testid=take-{a}]").count() == 1  # free: a supervisor may take any
    assert page.locator(f"[data-testid=take-{b}]").count() == 0  # bob holds it ...
    assert page.locator(f"[data-testid=release-{b}]").count() == 1  # ... and a supervisor may give it back
    assert page.locator(f"[data-testid=take-{c}]").count() == 1
    page.locator(f"[data-testid=queue-row-{a}]").scroll_into_view_if_needed()
    assert rows.evaluate_all(_BROKEN_CELLS) == []
    shoot(page, f"queue-rows-team-{language}-{size}")
    # A collector's own work: her own case to take, bob's held case neither to take nor to release.
    mine = open_page("alice", language, size)
    mine.goto(worked["url"] + "/queue")
    assert mine.locator(f"[data-testid=take-{a}]").count() == 1
    assert (
        mine.locator(f"[data-testid=take-{b}]").count()
        == mine.locator(f"[data-testid=release-{b}]").count()
        == 0
    )
    assert mine.locator("tr[data-testid^=queue-row-]").evaluate_all(_BROKEN_CELLS) == []
    shoot(mine, f"queue-rows-mine-{language}-{size}")
