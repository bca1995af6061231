"""A new floor set up without a shell (issue 15's "done when"), in a real browser: an administrator creates a
creditor with its money terms, a team and two collectors, uploads a GBK placement file and reads its
report, assigns the new cases to one of the collectors from the workload page, and that collector finds a
debtor by the last four digits of a phone number. Once with the administrator in Chinese and the collector
in English, once the other way round. Screenshots: tests/artifacts/screenshots/floor-*.png."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.e2e.conftest import go, in_language, log_in, shoot
from tests.support.floor import PASSWORD

from huikuan.domain.national_id import prc_id
from huikuan.services.users import add_user
from huikuan.storage import tables as t

HEADER = "贷款编号,借款人,证件号码,联系电话,应还金额,逾期日期"
ROWS = (  # the national ids are made from the run's number, so that the two runs' debtors are not one person
    "N{n}01,钱多多,{id1},13912340{n}71,2300元,2026年6月5日",
    "N{n}02,孙小美,{id2},13912340{n}72,1800.50,2026年7月1日",
    "N{n}03,阿土伯,{id3},13912340{n}73,900元,2026年8月15日",
)
WORDS = {
    "zh": {"collector_lang": "en", "team": "新三组", "code": "NEWCO-ZH", "n": "1"},
    "en": {"collector_lang": "zh", "team": "Team Three", "code": "NEWCO-EN", "n": "2"},
}


HTML_LANG = {"zh": "zh-CN", "en": "en"}


def _administrator(site: dict[str, Any]) -> None:
    floor = site["floor"]
    with floor.uow:
        known = floor.uow.session.execute(select(t.users.c.id).where(t.users.c.username == "ada")).first()
        if known is None:
            add_user(floor.uow, "ada", PASSWORD, role="admin")
            floor.uow.commit()


def _create_creditor(page: Any, site: dict[str, Any], code: str) -> None:
    page.click("[data-testid=nav-admin]")
    page.click("[data-testid=hub-admin-creditors]")
    page.wait_for_load_state("networkidle")
    page.fill("[data-testid=creditor-code]", code)
    page.fill("[data-testid=creditor-name]", f"{code} 消费金融")
    page.click("[data-testid=creditor-add]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=creditor-notice]").is_visible()
    page.click("[data-testid=creditor-terms-link]")
    page.wait_for_load_state("networkidle")
    page.fill("[data-testid=terms-starts]", "2026-01-01")
    page.fill("[data-testid=tier-rate-0]", "18")
    page.click("[data-testid=terms-save]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=terms-notice]").is_visible()
    assert "18%" in page.inner_text("[data-testid=terms-2026-01-01] [data-testid=terms-tiers]")


def _create_team_and_collectors(page: Any, site: dict[str, Any], team: str, names: list[str]) -> None:
    go(page, site["url"] + "/admin/teams")
    page.fill("[data-testid=team-name]", team)
    page.click("[data-testid=team-submit]")
    page.wait_for_load_state("networkidle")
    for username in names:
        go(page, site["url"] + "/admin/users")
        page.fill("[data-testid=new-username]", username)
        page.fill("[data-testid=new-display-name]", username.capitalize())
        page.fill("[data-testid=new-password]", PASSWORD)
        page.select_option("[data-testid=new-role]", "collector")
        page.select_option("[data-testid=new-team]", label=team)
        page.click("[data-testid=create-submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=user-created]").is_visible()


def _import(page: Any, code: str, n: str) -> None:
    ids = {f"id{i}": prc_id("110101", date(1980 + i, 3, 7), 100 * int(n) + i) for i in (1, 2, 3)}
    text = "\n".join([HEADER, *(row.format(n=n, **ids) for row in ROWS)]) + "\n"
    page.click("[data-testid=nav-imports]")
    page.wait_for_load_state("networkidle")
    page.select_option("[data-testid=import-creditor]", code)
    page.select_option("[data-testid=import-kind]", "accounts")
    page.select_option("[data-testid=import-mode]", "lenient")
    page.set_input_files(
        "[data-testid=import-file]",
        {"name": "placement-gbk.csv", "mimeType": "text/csv", "buffer": text.encode("gbk")},
    )
    page.click("[data-testid=import-submit]")
    page.wait_for_url("**/imports/*")
    # The import runs in the background and the page polls it: on a busy machine that takes a while.
    page.wait_for_selector("[data-testid=batch-status][data-status=done]", timeout=120_000)
    assert page.inner_text("[data-testid=count-created]") == "3"
    assert page.inner_text("[data-testid=count-rejected]") == "0"


def _assign_to(page: Any, site: dict[str, Any], team: str, creditor_id: int, collector: str) -> None:
    go(page, site["url"] + "/queue")
    page.click("[data-testid=nav-workload]")
    page.wait_for_load_state("networkidle")
    page.select_option("[data-testid=workload-team]", label=team)
    page.click("[data-testid=workload-team-form] button")
    page.wait_for_load_state("networkidle")
    form = page.locator("[data-testid=workload-reassign-form]")
    form.locator("[data-testid=filter-creditor]").select_option(str(creditor_id))
    form.locator("[data-testid=filter-collector]").select_option("pool")
    page.select_option("[data-testid=reassign-to]", label=collector.capitalize())
    page.click("[data-testid=reassign-submit]")
    page.wait_for_load_state("networkidle")
    assert "3" in page.inner_text("[data-testid=confirm-count]")
    page.click("[data-testid=confirm-move]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=workload-notice]").is_visible()


@pytest.mark.parametrize("admin_lang", ["zh", "en"])
def test_a_new_administrator_sets_up_a_floor_and_a_collector_finds_a_debtor_by_a_phones_last_four(
    new_page: Any, site: dict[str, Any], admin_lang: str
) -> None:
    words = WORDS[admin_lang]
    first, second = f"new{words['n']}a", f"new{words['n']}b"
    _administrator(site)
    page = new_page("zh-CN" if admin_lang == "zh" else "en-US")
    log_in(page, site, "ada")
    in_language(page, HTML_LANG[admin_lang])
    assert page.locator("html").get_attribute("lang") == HTML_LANG[admin_lang]

    _create_creditor(page, site, words["code"])
    _create_team_and_collectors(page, site, words["team"], [first, second])
    _import(page, words["code"], words["n"])
    shoot(page, f"floor-import-report-{admin_lang}")

    engine = site["engine"]
    with engine.connect() as db:
        creditor_id = db.execute(
            select(t.creditors.c.id).where(t.creditors.c.code == words["code"])
        ).scalar_one()
    _assign_to(page, site, words["team"], creditor_id, first)
    shoot(page, f"floor-workload-{admin_lang}")
    with engine.connect() as db:
        first_id = db.execute(select(t.users.c.id).where(t.users.c.username == first)).scalar_one()
        assigned = db.execute(
            select(func.count())
            .select_from(t.cases)
            .where(t.cases.c.creditor_id == creditor_id, t.cases.c.assigned_user_id == first_id)
        ).scalar_one()
    assert assigned == 3

    phone = {"width": 390, "height": 844}
    collector = new_page("en-US" if words["collector_lang"] == "en" else "zh-CN", viewport=phone)
    log_in(collector, site, first)
    in_language(collector, HTML_LANG[words["collector_lang"]])
    assert collector.locator("html").get_attribute("lang") == HTML_LANG[words["collector_lang"]]
    last_four = f"0{words['n']}72"
    collector.fill("[data-testid=topbar-search-q]", last_four)
    collector.click("[data-testid=topbar-search-go]")
    collector.wait_for_load_state("networkidle")
    results = collector.locator("[data-testid^=search-row-]")
    assert results.count() == 1
    assert "孙小美" in results.first.inner_text()
    shoot(collector, f"floor-search-{words['collector_lang']}-phone")
    results.first.locator("[data-testid^=search-case-]").click()
    collector.wait_for_load_state("networkidle")
    assert "孙小美" in collector.inner_text("h1")
