"""The case page's Compliance record tab in a real browser: the versions of the debtor's facts, the replay
finding a contact that went round an opt-out, and the dossier's PDF for a supervisor, in Chinese and
English, on a laptop and a phone, with no serious accessibility problem.
Screenshots: tests/artifacts/screenshots/record-*.png."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import ARTIFACTS, in_language, log_in
from tests.e2e.test_accessibility import AXE, GRAVE

from huikuan.services.fact_history import changing_facts
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

OPTED_OUT = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
BYPASS = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _history(site: dict) -> int:
    """Sue records an SMS opt-out; an SMS later goes out round the gate (once per module)."""
    case = site["floor"].cases[0]
    with UnitOfWork(site["engine"]) as uow:
        if uow.session.execute(select(t.fact_versions.c.id)).first() is None:
            sue = site["floor"].users["sue"]
            with changing_facts(uow, [case.debtor_id], user_id=sue, reason="preferences.set", at=OPTED_OUT):
                uow.session.execute(
                    update(t.debtors).where(t.debtors.c.id == case.debtor_id).values(opt_out_channels=["sms"])
                )
            uow.session.execute(
                insert(t.messages).values(
                    case_id=case.id,
                    channel="sms",
                    to="+8613800000001",
                    body="bypass",
                    status="sent",
                    created_at=BYPASS,
                    sent_at=BYPASS,
                    contact_point_id=case.mobile_id,
                )
            )
            uow.commit()
    return case.id


@pytest.mark.parametrize(
    ("locale", "lang", "words"), [("zh-CN", "zh-CN", "合规记录"), ("en-US", "en", "Compliance record")]
)
def test_the_record_tab_shows_the_versions_the_replay_and_the_dossier(
    new_page: Any, site: dict, locale: str, lang: str, words: str
) -> None:
    case_id = _history(site)
    page = new_page(locale)
    log_in(page, site, "sue")
    in_language(page, lang)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{site['url']}/cases/{case_id}?tab=record")
    open_tab(page, "record")
    panel = page.locator("#tabpanel-record")
    assert words in panel.inner_text()
    assert page.locator("#tabpanel-record [data-replay=refused]").is_visible()
    assert page.locator("#tabpanel-record [data-testid=fact-versions] tr[data-version]").count() == 2
    page.evaluate(AXE.read_text(encoding="utf-8"))
    rules = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}}"
    result = page.evaluate(f"async () => await axe.run('#tabpanel-record', {rules})")
    assert [v["id"] for v in result["violations"] if v["impact"] in GRAVE] == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(ARTIFACTS / f"record-{lang}-1366.png"))
    with page.expect_download() as download:
        page.click("[data-testid=dossier-pdf]")
    assert download.value.suggested_filename == f"dossier-case-{case_id}.pdf"
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"record-{lang}-phone.png"), full_page=True)
