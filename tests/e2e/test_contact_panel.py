"""The contact panel in a real browser: an error shows where the collector is looking, a promise is taken
with the conversation it was made in, goals read in the viewer's language, and only the person working a
case may record on it. Screenshots: tests/artifacts/screenshots/contact-*.png."""

from __future__ import annotations

from typing import Any

from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import ARTIFACTS, in_language, log_in, settled

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _open(page: Any, site: dict, case_id: int, size: dict[str, int] = LAPTOP) -> None:
    page.set_viewport_size(size)
    page.goto(f"{site['url']}/cases/{case_id}")
    page.wait_for_load_state("networkidle")
    settled(page)


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= size["height"]


def _screen(page: Any, name: str) -> None:
    """What the collector sees now (the viewport, not the whole page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_an_error_shows_in_the_panel_and_a_promise_is_taken_with_its_conversation(
    new_page: Any, site: dict
) -> None:
    page = new_page("en-US")
    log_in(page, site, "alice")
    in_language(page, "en")
    _open(page, site, site["floor"].cases[0].id)
    promise = page.locator("[data-testid=promise-fields]")
    page.select_option("[data-testid=contact-outcome]", "no_answer")
    assert not promise.is_visible()  # a promise comes only with the outcome "promise to pay"
    page.select_option("[data-testid=contact-direction]", "inbound")
    page.select_option("[data-testid=contact-outcome]", "promise")
    assert promise.is_visible()

    page.fill("[data-testid=promise-amount]", "abc")
    page.locator("[data-testid=contact-submit]").scroll_into_view_if_needed()
    page.click("[data-testid=contact-submit]")
    error = page.locator("#panel-contact [data-testid=form-error]")
    error.wait_for()
    assert "abc is not a number" in error.inner_text()
    assert _in_view(page, "#panel-contact [data-testid=form-error]")  # next to the button pressed
    assert page.locator("#flash [role=alert]").count() == 0
    assert error.get_attribute("role") == "alert"  # announced to screen readers
    _screen(page, "contact-error-in-panel")

    page.fill("[data-testid=promise-amount]", "1000")
    page.click("[data-testid=contact-submit]")
    page.locator("[data-testid=contact-notice]").wait_for()
    open_tab(page, "promises")
    page.locator("[data-testid=pending-promise]").wait_for()
    open_tab(page, "history")
    page.locator("#timeline tr[data-kind=promise]").first.wait_for()
    assert "1,000.00" in page.locator("[data-testid=pending-promise]").inner_text()
    assert (
        "Check that the promised payment arrived"
        in page.locator("#case-header [data-testid=next-action]").inner_text()
    )
    _screen(page, "contact-promise-recorded")

    # The same goal, in Chinese, for a reader of Chinese (stored as a code, not in the writer's words).
    in_language(page, "zh-CN")
    header = page.locator("#case-header [data-testid=next-action]").inner_text()
    assert "核实承诺的还款是否到账" in header and "Check" not in header
    _open(page, site, site["floor"].cases[0].id, PHONE)
    page.screenshot(path=str(ARTIFACTS / "contact-goal-zh-phone.png"), full_page=True)
    # On a phone the top bar's items wrap as wholes: no label broken one character per line.
    heights = page.locator(".topbar a, .topbar button").evaluate_all(
        "items => items.map(i => i.getBoundingClientRect().height)"
    )
    assert heights and max(heights) < 32, heights


def test_only_the_person_working_a_case_records_on_it(new_page: Any, site: dict) -> None:
    floor = site["floor"]
    bob = new_page("en-US")
    log_in(bob, site, "bob")
    in_language(bob, "en")
    _open(bob, site, floor.cases[0].id)  # alice's case
    why = bob.locator("[data-testid=contact-why-not]")
    why.wait_for()
    assert "assigned to" in why.inner_text() and bob.locator("[data-testid=contact-form]").count() == 0
    assert bob.locator("[data-testid=take-case]").count() == 0
    open_tab(bob, "messages")
    assert bob.locator("#panel-message form").count() == 0  # no form where a write would be refused
    open_tab(bob, "assessment")
    assert bob.locator("#panel-assessment [data-testid=assessment]").count() == 1
    assert bob.locator("#panel-assessment form").count() == 0
    _screen(bob, "contact-assigned-to-someone-else")

    alice = new_page("en-US")
    log_in(alice, site, "alice")
    in_language(alice, "en")
    _open(alice, site, floor.cases[2].id)  # the pool's case: nobody holds it
    alice.locator("[data-testid=contact-why-not]").wait_for()
    assert "Take this case" in alice.locator("[data-testid=contact-why-not]").inner_text()
    alice.click("[data-testid=take-case]")
    alice.wait_for_load_state("networkidle")
    alice.locator("[data-testid=contact-form]").wait_for()
    assert alice.locator("[data-testid=release]").count() == 1

    _open(bob, site, floor.cases[2].id)  # now held by alice: bob is told by whom
    held = bob.locator("[data-testid=contact-why-not]")
    held.wait_for()
    assert "is working on this case until" in held.inner_text()
    assert bob.locator("[data-testid=take-case]").count() == 0
    _screen(bob, "contact-held-by-someone-else")


def test_the_next_call_fits_one_screen_at_1366_by_768(new_page: Any, site: dict) -> None:
    """Who the debtor is, what is owed, whether each number may be called, the last contact, this call's
    goal and the whole record form, without scrolling, in both languages."""
    for lang, locale in (("zh-CN", "zh-CN"), ("en", "en-US")):
        page = new_page(locale)
        log_in(page, site, "alice")
        in_language(page, lang)
        _open(page, site, site["floor"].cases[0].id)
        page.locator("[data-testid=contact-form]").wait_for()
        _screen(page, f"console-{lang}-1366")
        for selector in (
            "#case-header [data-testid=debtor-name]",
            "#case-header [data-testid=balance-total]",
            "#case-header [data-testid=gate-now]",
            "#case-header [data-testid=last-contact]",
            "#points table",
            "#panel-contact [data-testid=contact-goal]",
            "#panel-contact [data-testid=contact-outcome]",
            "#panel-contact [data-testid=contact-submit]",
            "#panel-contact [data-testid=contact-submit-next]",
        ):
            assert _in_view(page, selector), (lang, selector)


def test_the_keyboard_records_a_promise_and_moves_to_the_next_case(new_page: Any, site: dict) -> None:
    page = new_page("en-US")
    log_in(page, site, "alice")
    in_language(page, "en")
    page.goto(site["url"] + "/queue")
    page.click("[data-testid=next-case]")
    page.wait_for_load_state("networkidle")
    settled(page)
    first = page.url
    page.keyboard.press("?")
    assert page.locator("[data-testid=shortcuts]").is_visible()
    page.keyboard.press("Escape")
    page.select_option("[data-testid=contact-direction]", "inbound")
    page.locator("body").click(position={"x": 5, "y": 400})  # leave the field: single keys act again
    page.keyboard.press("t")
    assert "0:0" in page.locator("[data-testid=call-timer]").inner_text()  # the call timer runs
    page.keyboard.press("p")  # the outcome "promise to pay", the cursor in its amount
    page.keyboard.type("800")
    page.keyboard.press("Control+Shift+Enter")  # record, stop the timer, and go to the next case
    page.wait_for_url(lambda url: url != first and "/cases/" in url)
    talk = (
        site["engine"]
        .connect()
        .execute(
            __import__("sqlalchemy").text(
                "SELECT outcome, duration_s FROM interactions ORDER BY id DESC LIMIT 1"
            )
        )
        .one()
    )
    assert talk.outcome == "promise" and talk.duration_s == 60  # the timer's minute, rounded up
