"""The message panel of the case page in a real browser: for a debtor who has not paid and has no
arrangement, each channel offers only the templates that apply, preselects one that can be written, and
that default previews and sends (or meets the compliance gate, never an error). Kept as screenshots at
desktop and phone sizes, in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import ARTIFACTS, log_in, settled

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
DEFAULTS = {"sms": "reminder", "email": "reminder", "letter": "demand"}
NOT_APPLICABLE = {"sms": "payment_confirmation", "email": "arrangement_confirmation"}


@pytest.fixture
def page_at(browser: Any) -> Iterator[Any]:
    contexts = []

    def make(size: str, locale: str) -> Any:
        context = browser.new_context(locale=locale, viewport=SIZES[size])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _in_language(page: Any, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == lang


def _choose_channel(page: Any, channel: str) -> None:
    settled(page)
    select = page.locator("[data-testid=message-channel]")
    if select.input_value() != channel:
        with page.expect_response(lambda r: "/panels/message" in r.url):
            select.select_option(channel)
    page.locator("[data-testid=message-channel]").wait_for()
    assert page.locator("[data-testid=message-channel]").input_value() == channel


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize(("locale", "lang"), [("zh-CN", "zh-CN"), ("en-US", "en")])
def test_each_channels_default_message_applies_to_an_unpaid_case_and_previews(
    page_at: Any, site: dict, size: str, locale: str, lang: str
) -> None:
    page = page_at(size, locale)
    log_in(page, site, "alice")
    _in_language(page, lang)
    case_id = site["floor"].cases[0].id
    page.goto(f"{site['url']}/cases/{case_id}?tab=messages")
    open_tab(page, "messages")
    page.locator("[data-testid=message-form]").wait_for()
    page.wait_for_load_state("networkidle")  # the panels loaded and bound by htmx
    for channel, default in DEFAULTS.items():
        _choose_channel(page, channel)
        template = page.locator("[data-testid=message-template]")
        expect(template).to_have_value(default)  # waits for the channel's panel to be swapped in
        offered = template.locator("option").evaluate_all("options => options.map(o => o.value)")
        assert NOT_APPLICABLE.get(channel) not in offered, channel
        page.click("[data-testid=message-preview-button]")
        page.locator("[data-testid=preview-body]").wait_for()
        assert page.locator("#flash [role=alert], #panel-message [role=alert]").count() == 0
        assert f"C{case_id:06d}" in page.locator("[data-testid=preview-body]").inner_text()
    _choose_channel(page, "email")
    page.click("[data-testid=message-preview-button]")
    page.locator("[data-testid=preview-body]").wait_for()
    panel = page.locator("#panel-message")
    panel.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(ARTIFACTS / f"message-panel-{lang}-{size}.png"))


def test_the_email_panels_default_is_sent_or_meets_the_gate_never_an_error(page_at: Any, site: dict) -> None:
    page = page_at("desktop", "en-US")
    log_in(page, site, "alice")
    _in_language(page, "en")
    case_id = site["floor"].cases[0].id
    page.goto(f"{site['url']}/cases/{case_id}?tab=messages")
    open_tab(page, "messages")
    page.locator("[data-testid=message-form]").wait_for()
    _choose_channel(page, "email")
    settled(page)
    with page.expect_response(lambda r: r.url.endswith(f"/cases/{case_id}/messages")) as answer:
        page.click("[data-testid=message-send]")
    assert answer.value.status == 200  # a template that cannot apply answered 422 here
    shown = page.locator("[data-testid=message-queued], [data-testid=message-refused]").first
    shown.wait_for()
    if shown.get_attribute("data-testid") == "message-refused":
        assert page.locator("[data-testid=refused-rule]").count() >= 1
    page.locator("#panel-message").screenshot(path=str(ARTIFACTS / "message-panel-sent.png"))
