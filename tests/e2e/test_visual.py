"""Visual regression of the collector's console: the case page and the queue, at 1366x768 and 1920x1080,
in Chinese and in English, compared with the PNG baselines in tests/e2e/baselines/ (tests/support/visual.py
says how and within which tolerance; `make baselines` rewrites them).

What would make two runs differ is fixed: the data (the floor and the console case, made afresh with fixed
ids), the clock (the server's, frozen by time-machine, and the browser's, by Playwright), the fonts (one
stack of fonts Debian installs with Chromium and fonts-wqy-microhei, whatever fontconfig would prefer),
the rendering (sRGB, no LCD text or font hinting, one device pixel per CSS pixel), animations, transitions,
the caret and the mouse's hover.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from PIL import Image
from tests.e2e.conftest import frozen_at, log_in, settled
from tests.support import visual
from tests.support.console_case import ConsoleCase
from tests.support.floor import MORNING

SIZES = {"1366": {"width": 1366, "height": 768}, "1920": {"width": 1920, "height": 1080}}
LANGS = {"zh": ("zh-CN", "zh-CN"), "en": ("en", "en-US")}  # our name: (<html lang>, the browser's locale)
# Appended to app.css as the browser fetches it (a stylesheet of the site: the Content-Security-Policy
# still holds). Only these fonts, each present on Debian: fonts-dejavu-core (with fontconfig) and
# fonts-wqy-microhei (.ci/run installs it); Latin letters and digits from DejaVu Sans, Chinese from
# WenQuanYi Micro Hei.
PINNED_CSS = """
/* tests/e2e/test_visual.py */
* { font-family: "DejaVu Sans", "WenQuanYi Micro Hei" !important; }
kbd, code, pre, samp { font-family: "DejaVu Sans Mono", "WenQuanYi Micro Hei Mono" !important; }
*, *::before, *::after { animation: none !important; transition: none !important;
                         caret-color: transparent !important; }
"""
RENDERING = [
    "--force-color-profile=srgb",
    "--font-render-hinting=none",
    "--disable-lcd-text",
    "--hide-scrollbars",
]


@pytest.fixture(scope="module")
def server_clock() -> Iterator[datetime]:
    with frozen_at(MORNING) as moment:  # Friday 2026-11-20, 10:00 in Beijing
        yield moment


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    missing = [font for font in ("DejaVu Sans", "WenQuanYi Micro Hei") if font not in families]
    if missing:
        pytest.fail(
            f"fonts the screenshots pin are missing: {missing} (apt-get install fonts-dejavu-core "
            "fonts-wqy-microhei)"
        )

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=RENDERING)
        yield launched
        launched.close()


def _page(new_page: Any, site: dict, lang: str, *, extra_css: str = "") -> Any:
    html_lang, locale = LANGS[lang]
    page = new_page(
        locale,
        viewport=SIZES["1366"],
        device_scale_factor=1,
        timezone_id="Asia/Shanghai",
        color_scheme="light",
        reduced_motion="reduce",
    )
    page.clock.set_fixed_time(MORNING)
    css = PINNED_CSS + extra_css

    def pinned(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text() + css)

    page.route("**/static/app.css", pinned)
    log_in(page, site, "alice")
    if page.locator("html").get_attribute("lang") != html_lang:
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")
    return page


def _shoot(page: Any, url: str, size: str) -> bytes:
    """The viewport as it is once the page, its panels and its fonts are in, with the mouse out of it."""
    page.set_viewport_size(SIZES[size])
    page.goto(url)
    page.wait_for_load_state("networkidle")
    settled(page)
    page.evaluate("async () => { await document.fonts.ready; }")
    page.mouse.move(SIZES[size]["width"] - 1, SIZES[size]["height"] - 1)
    shot: bytes = page.screenshot(animations="disabled", caret="hide", scale="css")
    return shot


SCREENS = {"case": "/cases/{case}", "queue": "/queue"}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("screen", ["case", "queue"])
def test_the_console_looks_as_its_baselines(
    new_page: Any, site: dict, console_case: ConsoleCase, screen: str, lang: str
) -> None:
    page = _page(new_page, site, lang)
    failures = []
    for size in SIZES:
        png = _shoot(page, site["url"] + SCREENS[screen].format(case=console_case.id), size)
        try:
            visual.check(png, f"{screen}-{size}-{lang}")
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "change",
    [
        "[data-testid=debtor-name] { position: relative; left: 4px; }",  # the debtor's name moved by 4 px
        ".btn-primary { background: #7a3db8; border-color: #7a3db8; }",  # one colour changed
    ],
)
def test_an_unintended_change_fails_the_comparison(
    new_page: Any, site: dict, console_case: ConsoleCase, change: str
) -> None:
    page = _page(new_page, site, "zh", extra_css=change)
    png = _shoot(page, site["url"] + SCREENS["case"].format(case=console_case.id), "1366")
    (visual.ARTIFACTS / "case-1366-zh-diff.png").unlink(missing_ok=True)
    with pytest.raises(AssertionError, match="differs from its baseline") as failed:
        visual.check(png, "case-1366-zh", update=False)
    assert "HUIKUAN_UPDATE_BASELINES=1" in str(failed.value)
    with Image.open(visual.ARTIFACTS / "case-1366-zh-diff.png") as diff:
        assert diff.size == (1366, 768)
