"""The case page's section "The same person" (tab "Facts and holds") in a real browser: a collector
learns that another placement's statements bind the case, by kind only; a supervisor sees the other
creditor's placement and a suggested link, and confirms it. Screenshots:
tests/artifacts/screenshots/person-*.png (desktop and phone, en and zh)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from tests.e2e.conftest import log_in, settled, shoot
from tests.support.book import Book

from huikuan.services.persons import link_by_national_id
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def linked(site: dict[str, Any]) -> dict[str, int]:
    """BANK's case A (alice's) and SHOP's case S, the same person by national ID; S ceased and opted out
    of SMS. CARD's debtor has A's name and mobile: a suggested link."""
    floor, engine = site["floor"], site["engine"]
    a, s = floor.cases[0], floor.other_creditor_case
    d, cp = t.debtors.c, t.contact_points.c
    with engine.begin() as conn:
        row = conn.execute(select(d.national_id_hash, d.name).where(d.id == a.debtor_id)).one()
        conn.execute(
            update(t.debtors)
            .where(d.id == s.debtor_id)
            .values(national_id_hash=row.national_id_hash, cease=True, opt_out_channels=["sms"])
        )
        phone = conn.execute(select(cp.value).where(cp.id == a.mobile_id)).scalar_one()
        b = Book(conn)
        card = b.creditor("CARD")
        conn.execute(update(t.creditors).where(t.creditors.c.id == card).values(name="某信用卡中心"))
        other = b.debtor(card, row.name, region="11")
        b.point(other, "mobile", phone)
        card_case = b.case(card, other)
        b.account(card_case, 50_000)
    with UnitOfWork(engine) as uow:
        link_by_national_id(uow)
        uow.commit()
    return {"a": a.id, "s": s.id, "card": card_case}


def _facts_tab(page: Any, site: dict[str, Any], case_id: int, lang: str, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    page.goto(f"{site['url']}/cases/{case_id}?tab=facts")
    page.wait_for_load_state("networkidle")
    if not (page.locator("html").get_attribute("lang") or "").startswith(lang):
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")
    page.locator("#case-tabs").scroll_into_view_if_needed()
    page.wait_for_function("() => !document.querySelector('#tabpanel-facts .lazy-fallback')")
    settled(page)


def test_a_collector_sees_what_binds_the_case_but_not_the_other_creditors_case(
    new_page: Any, site: dict[str, Any], linked: dict[str, int]
) -> None:
    page = new_page("en-US")
    log_in(page, site, "alice")
    for lang, size, name in (("en", DESKTOP, "desktop"), ("zh", PHONE, "phone")):
        _facts_tab(page, site, linked["a"], lang, size)
        section = page.locator("#panel-person")
        section.locator("[data-testid=person-facts]").wait_for()
        text = section.inner_text()
        assert "某商城" not in text and "测试债务人4" not in text
        assert section.locator(f"a[href='/cases/{linked['s']}']").count() == 0
        assert section.locator("[data-testid=person-hidden]").is_visible()
        assert section.locator("[data-testid=person-suggestions]").count() == 0
        if lang == "en":
            assert "This person has 1 other placement(s); their statements bind this case." in text
            assert "Cease contact" in text and "No text messages" in text
        else:
            assert "此人另有 1 个委案" in text and "停止联系" in text
        shoot(page, f"person-collector-{lang}-{name}")


def test_a_supervisor_sees_the_placement_and_confirms_a_suggested_link(
    new_page: Any, site: dict[str, Any], linked: dict[str, int]
) -> None:
    page = new_page("en-US")
    log_in(page, site, "sue")
    _facts_tab(page, site, linked["a"], "zh", PHONE)
    page.locator("#panel-person [data-testid=person-suggestions]").wait_for()
    assert "建议关联" in page.locator("#panel-person").inner_text()
    shoot(page, "person-supervisor-zh-phone")
    _facts_tab(page, site, linked["a"], "en", DESKTOP)
    section = page.locator("#panel-person")
    assert "某商城" in section.locator(f"[data-testid=placement-{linked['s']}]").inner_text()
    shoot(page, "person-supervisor-en-desktop")
    section.locator(f"[data-testid=link-{linked['card']}]").click()
    section.locator(f"[data-testid=placement-{linked['card']}]").wait_for()
    settled(page)
    assert "This person has 2 other placement(s)" in section.inner_text()
    assert section.locator("[data-testid=person-no-suggestions]").is_visible()
    shoot(page, "person-supervisor-linked-en-desktop")
