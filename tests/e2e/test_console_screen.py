"""The next call on one screen, for everyone who works cases, in both languages, on the case with the longest
names and six contact points (tests/support/console_case.py); and the collector's keyboard-only round.
Screenshots: tests/artifacts/screenshots/screen-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text
from tests.e2e.conftest import ARTIFACTS, frozen_at, log_in, settled
from tests.support.console_case import CREDITOR_NAME, DEBTOR_NAME, SISTER_NAME, ConsoleCase
from tests.support.floor import MORNING

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def server_clock() -> Iterator[datetime]:
    # Friday 10:00 in Beijing, 02:00 in London: the same verdicts on every run.
    with frozen_at(MORNING) as moment:
        yield moment


def _open_case(page: Any, site: dict, case: ConsoleCase, lang: str) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{site['url']}/cases/{case.id}")
    page.wait_for_load_state("networkidle")
    if page.locator("html").get_attribute("lang") != lang:
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")
    settled(page)


# The part of an element the reader sees without scrolling: its box cut by the viewport and by every
# ancestor that clips what overflows it (a table in a horizontally scrolling wrapper). An element passes
# when nothing of it is cut off.
CUT_OFF = """el => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) { return "not shown"; }
  let left = 0, top = 0, right = window.innerWidth, bottom = window.innerHeight;
  for (let a = el.parentElement; a; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.overflowX !== "visible" || s.overflowY !== "visible") {
      const c = a.getBoundingClientRect();
      left = Math.max(left, c.left); top = Math.max(top, c.top);
      right = Math.min(right, c.right); bottom = Math.min(bottom, c.bottom);
    }
  }
  const px = v => Math.round(v);
  if (r.left < left - 0.5 || r.top < top - 0.5 || r.right > right + 0.5 || r.bottom > bottom + 0.5) {
    return "box " + [r.left, r.top, r.right, r.bottom].map(px).join(",") + " outside "
      + [left, top, right, bottom].map(px).join(",");
  }
  return null;
}"""


def _cut_off(page: Any, selector: str) -> dict[str, str]:
    """Every element of `selector` that the reader cannot see whole without scrolling, and why."""
    found = page.locator(selector)
    if found.count() == 0:
        return {selector: "missing"}
    problems = {}
    for i in range(found.count()):
        why = found.nth(i).evaluate(CUT_OFF)
        if why:
            problems[f"{selector} #{i + 1}"] = why
    return problems


# What a collector needs for the next call (issue 21, "Done when").
HEADER = (
    "#case-header [data-testid=debtor-name]",
    "#case-header [data-testid=creditor]",
    "#case-header [data-testid=balance-total]",
    "#case-header [data-testid=days-past-due]",
    "#case-header [data-testid=gate-now]",
    "#case-header [data-testid=last-contact]",
    "#case-header [data-testid=next-action]",
)
# Each point: whose it is, the (masked) value and the gate's verdict with the rules behind it.
POINTS = tuple(f"#points tr[data-testid^=point-] td:nth-child({n})" for n in (1, 2, 3))
RECORD = (
    "#panel-contact [data-testid=last-contact]",
    "#panel-contact [data-testid=contact-form]",  # the whole form, its two buttons included
    "#panel-contact [data-testid=contact-goal]",
    "#panel-contact [data-testid=contact-submit]",
    "#panel-contact [data-testid=contact-submit-next]",
)
# What the creditor's read-only viewer sees in the record form's place.
READ_ONLY = ("#panel-contact [data-testid=last-contact]", "#panel-contact [data-testid=contact-why-not]")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("who", ["alice", "sue", "ada", "vera"])
def test_everything_for_the_next_call_is_on_one_screen(
    new_page: Any, site: dict, console_case: ConsoleCase, who: str, lang: str
) -> None:
    """alice (collector, holding the case), sue (supervisor) and ada (administrator) may record on it; vera,
    the creditor's read-only viewer, sees the same facts and verdicts and no way to act."""
    page = new_page("zh-CN" if lang == "zh-CN" else "en-US")
    log_in(page, site, who)
    _open_case(page, site, console_case, lang)
    page.locator("#panel-contact h2").wait_for()
    page.screenshot(path=str(ARTIFACTS / f"screen-{who}-{lang}-1366.png"))

    header = page.locator("#case-header").inner_text()
    assert DEBTOR_NAME in header and CREDITOR_NAME in header
    table = page.locator("#points tbody")
    assert table.locator("tr").count() == 6 and SISTER_NAME in table.inner_text()
    verdicts = table.locator("[data-verdict]").evaluate_all("els => els.map(e => e.dataset.verdict)")
    # mobile, landline, email, WeChat, address, the sister's mobile in London (02:00 there)
    assert verdicts == ["allowed", "do-not-contact", "blocked", "allowed", "allowed", "blocked"]
    assert len(table.locator("[data-rule]").all()) >= 2  # the rules behind each refusal, named
    wanted = HEADER + POINTS
    if who == "vera":
        why = page.locator("#panel-contact [data-testid=contact-why-not]")
        assert why.is_visible() and page.locator("[data-testid=contact-form]").count() == 0
        for control in ("reveal-", "take-case", "release", "next-case-from-case"):
            assert page.locator(f"[data-testid^={control}]").count() == 0, control
        wanted += READ_ONLY
    else:
        assert page.locator("#panel-contact [data-testid=contact-goal]").input_value() == "agree_payment"
        wanted += RECORD
    problems: dict[str, str] = {}
    for selector in wanted:
        problems |= _cut_off(page, selector)
    assert problems == {}, f"{who} ({lang}) must scroll to see these at 1366x768"


def test_a_collector_records_the_outcome_and_moves_on_with_the_keyboard_alone(
    new_page: Any, site: dict, console_case: ConsoleCase
) -> None:
    """No mouse from the case page to the next case: the shortcuts' list, the call timer, the outcome
    chosen by typing its name, the goal left as planned, then record and go to the next case. (Last in
    this module: it adds a contact to the case the tests above look at.)"""
    page = new_page("en-US")
    log_in(page, site, "alice")
    _open_case(page, site, console_case, "en")
    page.locator("[data-testid=contact-form]").wait_for()
    page.keyboard.press("?")
    assert page.locator("[data-testid=shortcuts]").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("[data-testid=shortcuts]").is_visible()
    page.keyboard.press("t")  # the call timer runs
    assert "0:0" in page.locator("[data-testid=call-timer]").inner_text()
    page.keyboard.press("o")  # the outcome has the focus...
    assert page.evaluate("() => document.activeElement.dataset.testid") == "contact-outcome"
    page.keyboard.type("Callback")  # ...and typing an outcome's first letters chooses it
    assert page.locator("[data-testid=contact-outcome]").input_value() == "callback"
    for _ in range(4):  # past this call's goal, whether it was met and the note on the goal
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.dataset.testid") == "contact-notes"
    page.keyboard.type("She asks us to call after 18:00")
    page.keyboard.press("Control+Shift+Enter")  # record, stop the timer, and go to the next case
    page.wait_for_url(lambda url: not url.endswith(f"/cases/{console_case.id}"))
    assert "/cases/" in page.url or page.url.endswith("/queue")
    page.wait_for_load_state("networkidle")
    newest = "SELECT case_id, outcome, goal, notes, duration_s, user_id FROM interactions ORDER BY id DESC"
    with site["engine"].connect() as db:
        talk = db.execute(text(newest)).first()
    assert talk is not None
    assert talk.case_id == console_case.id and talk.outcome == "callback"
    assert talk.goal == "agree_payment"  # this call's goal, as the next action had it
    assert talk.notes == "She asks us to call after 18:00"
    assert talk.duration_s == 60 and talk.user_id == site["floor"].users["alice"]
