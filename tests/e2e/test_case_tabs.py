"""The case page's tabs, outcome buttons and printed summary in a real browser: the tabs follow the WAI-ARIA
keyboard pattern and fetch a panel only when it is first shown, the URL keeps the tab, a recorded contact
refreshes the panels that are loaded (and only those), the common outcomes are buttons with keys, printing
gives the header, the contact points, the debts and the timeline without the page's controls, and axe finds
no serious problem on any tab. Screenshots: tests/artifacts/screenshots/tabs-*.png, print-*.png."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import ARTIFACTS, in_language, log_in, settled
from tests.e2e.test_accessibility import AXE, GRAVE, _findings

from huikuan.storage import tables as t

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TABS = [
    "history",
    "promises",
    "payments",
    "messages",
    "facts",
    "disputes",
    "debtor",
    "assessment",
    "plan",
    "record",
]
PLAN_ROW = {
    "plan_date": date(2026, 11, 20),
    "strategy": "optimized",
    "action": "call",
    "slot_start": datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
    "p_answer": 0.31,
    "p_pay": 0.12,
    "expected_value": 10512,
    "cost": 120,
    "segment": "able_unwilling",
    "created_at": datetime(2026, 11, 19, 22, 0, tzinfo=UTC),
    "reason": {
        "segment": "able_unwilling",
        "scores": {"ability": 0.62, "willingness": 0.41},
        "uplift": 6640,
        "binding": "calls:zh@2026-11-20T02:00Z",
        "alternative": {"action": "sms", "uplift": 310},
        "removed": [{"action": "visit", "rule": "contact-hours"}],
    },
}


def _open(page: Any, site: dict, query: str = "", size: dict[str, int] = LAPTOP) -> None:
    page.set_viewport_size(size)
    page.goto(f"{site['url']}/cases/{site['floor'].cases[0].id}{query}")
    page.wait_for_load_state("networkidle")
    settled(page)


def _panels_asked(requests: list[str]) -> list[str]:
    return [m.group(1) for url in requests if (m := re.search(r"/panels/(\w+)", url))]


def _state(page: Any) -> dict[str, tuple[str | None, str | None, bool]]:
    """For each tab: aria-selected, tabindex, and whether its panel is shown."""
    return {
        name: (
            page.get_attribute(f"#tab-{name}", "aria-selected"),
            page.get_attribute(f"#tab-{name}", "tabindex"),
            page.locator(f"#tabpanel-{name}").is_visible(),
        )
        for name in TABS
    }


def _only(name: str) -> dict[str, tuple[str, str, bool]]:
    return {tab: ("true", "0", True) if tab == name else ("false", "-1", False) for tab in TABS}


def test_the_tabs_follow_the_keyboard_pattern_and_fetch_a_panel_only_when_shown(
    new_page: Any, site: dict
) -> None:
    page = new_page("en-US")
    log_in(page, site, "alice")
    in_language(page, "en")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    _open(page, site, "?tab=debtor")
    assert _state(page) == _only("debtor")
    # At 1366x768 the tabs lie below the console: nothing of theirs is fetched before they are looked at.
    assert set(_panels_asked(asked)) == {"contact", "script"}
    page.locator("#case-tabs").scroll_into_view_if_needed()
    page.wait_for_function("() => !document.querySelector('#tabpanel-debtor .lazy-fallback')")
    settled(page)
    assert {"identity", "parties", "debts"} <= set(_panels_asked(asked))
    assert "timeline" not in _panels_asked(asked) and "promise" not in _panels_asked(asked)
    page.locator("[data-testid=national-id]").wait_for()

    page.focus("#tab-debtor")
    page.keyboard.press("ArrowRight")
    assert _state(page) == _only("assessment")
    assert page.evaluate("document.activeElement.id") == "tab-assessment"
    assert page.url.endswith("?tab=assessment")
    page.locator("#panel-assessment [data-testid=assessment]").wait_for()
    page.keyboard.press("Home")
    assert _state(page) == _only("history") and page.evaluate("document.activeElement.id") == "tab-history"
    page.locator("#timeline tr[data-kind], #timeline [data-testid=timeline-filters]").first.wait_for()
    assert _panels_asked(asked).count("timeline") == 1  # fetched when its tab opened, once
    page.keyboard.press("ArrowLeft")  # from the first to the last
    assert _state(page) == _only("record")
    page.keyboard.press("ArrowRight")  # and round again
    assert _state(page) == _only("history")
    page.keyboard.press("End")
    assert _state(page) == _only("record")
    replayed = "#panel-record [data-testid=replay-none], #panel-record [data-testid=replay-result]"
    page.locator(replayed).first.wait_for()
    page.keyboard.press("Home")  # back: nothing is fetched twice
    settled(page)
    assert _panels_asked(asked).count("timeline") == 1 and _panels_asked(asked).count("assessment") == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tabs-history-en-1366.png"))

    page.reload()  # the URL keeps the tab
    assert _state(page) == _only("history")
    page.goto(f"{site['url']}/cases/{site['floor'].cases[0].id}?tab=plan")  # and so does a link
    assert _state(page) == _only("plan")


def test_a_recorded_contact_refreshes_the_loaded_panels_only(new_page: Any, site: dict) -> None:
    page = new_page("en-US")
    log_in(page, site, "alice")
    in_language(page, "en")
    _open(page, site)
    open_tab(page, "history")
    open_tab(page, "promises")
    assert page.locator("[data-testid=pending-promise]").count() == 0
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    # The common outcomes are buttons with keys: 1 "no answer", 3 "promise to pay" (its fields shown,
    # the cursor in the amount), as the select says.
    page.locator("body").click(position={"x": 5, "y": 500})
    page.keyboard.press("1")
    assert page.locator("[data-testid=contact-outcome]").input_value() == "no_answer"
    assert page.get_attribute("[data-testid=outcome-no_answer]", "aria-pressed") == "true"
    assert not page.locator("[data-testid=promise-fields]").is_visible()
    page.locator("body").click(position={"x": 5, "y": 500})
    page.keyboard.press("3")
    assert page.locator("[data-testid=contact-outcome]").input_value() == "promise"
    assert page.get_attribute("[data-testid=outcome-promise]", "aria-pressed") == "true"
    assert page.get_attribute("[data-testid=outcome-no_answer]", "aria-pressed") == "false"
    assert page.evaluate("document.activeElement.id") == "promise-amount"
    page.keyboard.type("700")
    page.select_option("[data-testid=contact-outcome]", "busy")  # the select, and the buttons follow it
    assert page.get_attribute("[data-testid=outcome-busy]", "aria-pressed") == "true"
    page.click("[data-testid=outcome-promise]")
    page.select_option("[data-testid=contact-direction]", "inbound")
    page.locator("[data-testid=outcome-buttons]").screenshot(
        path=str(ARTIFACTS / "tabs-outcome-buttons-en.png")
    )
    page.click("[data-testid=contact-submit]")
    page.locator("[data-testid=contact-notice]").wait_for()

    page.locator("[data-testid=pending-promise]").wait_for()  # the promise tab, open: refreshed
    assert "700.00" in page.locator("[data-testid=pending-promise]").inner_text()
    page.wait_for_function(
        "() => document.querySelector('#timeline tr[data-kind=promise]')"
    )  # hidden, loaded
    settled(page)
    asked_now = _panels_asked(asked)
    assert asked_now.count("timeline") == 1 and asked_now.count("promise") == 1
    assert not {"identity", "message", "debts", "negotiation"} & set(asked_now)  # never opened: not fetched


def test_the_m_key_opens_the_messages_tab_with_the_cursor_in_its_channel(new_page: Any, site: dict) -> None:
    page = new_page("en-US")
    log_in(page, site, "alice")
    _open(page, site)
    page.keyboard.press("?")
    help_text = page.locator("[data-testid=shortcuts]").inner_text()
    assert "1" in help_text and "6" in help_text and "Home" in help_text
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 500})
    page.keyboard.press("m")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'channel'")
    assert page.get_attribute("#tab-messages", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.closest('#panel-message') !== null")


def test_without_javascript_the_tabs_are_links_and_the_panels_link_to_their_fragments(
    browser: Any, site: dict
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-US", viewport=LAPTOP)
    try:
        page = context.new_page()
        log_in(page, site, "alice")
        page.goto(f"{site['url']}/cases/{site['floor'].cases[0].id}")
        assert page.locator("#tabpanel-history a[href$='/panels/timeline']").is_visible()
        page.click("[data-testid=tab-debtor]")
        page.wait_for_load_state()
        assert "?tab=debtor" in page.url
        assert page.locator("#tabpanel-debtor a[href$='/panels/debts']").is_visible()
        assert not page.locator("#tabpanel-history").is_visible()
        page.click("#tabpanel-debtor a[href$='/panels/debts']")
        page.wait_for_load_state()
        assert page.locator("[data-testid^=debt-]").count() >= 1
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "lang"), [("zh-CN", "zh-CN"), ("en-US", "en")])
def test_the_printed_summary_has_the_header_points_debts_and_timeline_and_no_controls(
    new_page: Any, site: dict, locale: str, lang: str
) -> None:
    page = new_page(locale)
    log_in(page, site, "alice")
    in_language(page, lang)
    _open(page, site, "?tab=assessment")
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    page.click("[data-testid=print-summary]")
    page.wait_for_function("() => window.printed === 1")
    # Debts before the timeline on paper, whatever the order of the tabs.
    page.emulate_media(media="print")
    debts, timeline = (page.locator(f"#{i}").bounding_box() for i in ("debts", "timeline"))
    assert debts is not None and timeline is not None and debts["y"] < timeline["y"]
    page.emulate_media(media="screen")
    # The debts and the timeline were fetched for the print, though their tabs were never opened.
    assert page.locator("#debts [data-testid^=debt-]").count() >= 1
    assert page.locator("#timeline [data-testid=timeline-filters]").count() == 1

    page.emulate_media(media="print")
    for shown in (
        "#case-header [data-testid=debtor-name]",
        "#case-header [data-testid=balance-total]",
        "#points table",
        "#debts table",
        "#timeline h2",
    ):
        assert page.locator(shown).first.is_visible(), shown
    for hidden in (
        ".topbar",
        "[data-testid=contact-form]",
        "[data-testid=case-tablist]",
        "[data-testid=print-summary]",
        "[data-testid=call-timer]",
        "#panel-assessment",
        "#panel-script",
        "[data-testid=timeline-filters]",
        "[data-testid=take-case]",
    ):
        assert not page.locator(hidden).first.is_visible(), hidden
    # Black on white; masked as on screen.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in (
        "rgb(255, 255, 255)",
        "rgba(0, 0, 0, 0)",
    )
    assert page.evaluate("getComputedStyle(document.querySelector('#points .badge')).color") == "rgb(0, 0, 0)"
    assert "****" in page.locator("#points").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"print-summary-{lang}.png"), full_page=True)
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, pages
    (ARTIFACTS / f"print-summary-{lang}.pdf").write_bytes(pdf)


@pytest.mark.parametrize(
    ("locale", "lang", "words"), [("zh-CN", "zh-CN", "相比不联系的增益"), ("en-US", "en", "Gain over")]
)
def test_why_this_action_gives_the_planners_reason(
    new_page: Any, site: dict, locale: str, lang: str, words: str
) -> None:
    case = site["floor"].cases[1]
    with site["engine"].begin() as conn:
        if conn.execute(select(t.plan_rows.c.id).where(t.plan_rows.c.case_id == case.id)).first() is None:
            conn.execute(insert(t.plan_rows).values(case_id=case.id, **PLAN_ROW))
    page = new_page(locale)
    log_in(page, site, "alice")
    in_language(page, lang)
    page.goto(f"{site['url']}/cases/{case.id}?tab=plan")
    open_tab(page, "plan")
    table = page.locator("[data-testid=plan-explanation]")
    assert words in table.inner_text() and "calls:zh@" in table.inner_text()
    # The panel alone: on this case (bob's) the page also shows the record form's "assigned to bob" notice,
    # whose warning colours belong to the design system.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    rules = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}}"
    result = page.evaluate(f"async () => await axe.run('#tabpanel-plan', {rules})")
    assert result["passes"] and [v["id"] for v in result["violations"] if v["impact"] in GRAVE] == []
    page.locator("#tabpanel-plan").screenshot(path=str(ARTIFACTS / f"tabs-plan-explained-{lang}.png"))


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_no_tab_has_a_serious_accessibility_problem(new_page: Any, site: dict, locale: str) -> None:
    lang = "en" if locale == "en-US" else "zh-CN"
    page = new_page(locale)
    log_in(page, site, "alice")
    in_language(page, lang)
    _open(page, site)
    found = {}
    for name in TABS:
        open_tab(page, name)
        found[name] = _findings(page)
        page.locator("#case-tabs").screenshot(path=str(ARTIFACTS / f"tabs-{name}-{lang}-1366.png"))
    assert {tab: problems for tab, problems in found.items() if problems} == {}
    _open(page, site, "?tab=debtor", size=PHONE)
    open_tab(page, "debtor")
    page.screenshot(path=str(ARTIFACTS / f"tabs-debtor-{lang}-phone.png"), full_page=True)
