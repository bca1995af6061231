"""Browser tests: the real server on a free local port, driven by Playwright in Debian's Chromium.

The server runs in a thread of the test process on a fresh SQLite database holding the personas of
tests/support/floor.py. Chromium is /usr/bin/chromium (never `playwright install`); without it these tests are
skipped locally and fail under CI. Every test may keep screenshots in tests/artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from tests.support.console_case import ConsoleCase, add_console_case
from tests.support.floor import PASSWORD, Floor, build_floor
from tests.support.server import running

from huikuan.storage import migrate
from huikuan.storage.engine import make_engine
from huikuan.storage.uow import UnitOfWork
from huikuan.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}  # open_page's
LAPTOP = {"width": 1366, "height": 900}  # the widths of shoot_widths
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required under CI: apt-get install chromium (.ci/run does)")
        pytest.skip("Debian's chromium is not installed")
    return CHROMIUM


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Stops the test process's wall clock at `moment`: the server in its thread, the floor made under it
    and everything it writes read that instant (time.monotonic, which uvicorn and the rate limits use,
    keeps running)."""
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture(scope="module")
def server_clock() -> Iterator[datetime | None]:
    """The server's clock: the real one. A module that needs a fixed "now" overrides this fixture with
    `with frozen_at(MOMENT) as moment: yield moment`; the site and its data are made under it."""
    yield None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, server_clock: datetime | None) -> Iterator[dict[str, Any]]:
    """A running server on a floor of its own: {"url": ..., "floor": Floor, "engine": ...}."""
    from huikuan import config as huikuan_config

    path = tmp_path_factory.mktemp("e2e") / "huikuan.db"
    url = f"sqlite:///{path}"
    saved = {
        k: os.environ.get(k) for k in ("HUIKUAN_AGENCY_PHONE", "HUIKUAN_LETTERS_DIR", "HUIKUAN_DOCUMENTS_DIR")
    }
    os.environ["HUIKUAN_AGENCY_PHONE"] = "400-000-0000"  # messages say how to reach us
    os.environ["HUIKUAN_LETTERS_DIR"] = str(path.parent / "letters")
    os.environ["HUIKUAN_DOCUMENTS_DIR"] = str(path.parent / "documents")
    huikuan_config.get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    uow = UnitOfWork(engine)
    with uow:
        floor: Floor = build_floor(uow)
    from huikuan.storage import engine as engines

    engines._engines[url] = engine
    with running(create_app(url)) as base:
        yield {"url": base, "floor": floor, "engine": engine}
    engines._engines.pop(url, None)
    engine.dispose()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    huikuan_config.get_settings.cache_clear()


@pytest.fixture(scope="module")
def console_case(site: dict[str, Any]) -> ConsoleCase:
    """The case with the longest names and six contact points (tests/support/console_case.py), held by
    alice; with it come ada (administrator) and vera (the read-only viewer of its creditor)."""
    with site["floor"].uow:
        return add_console_case(site["floor"], now=datetime.now(UTC))


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


# Every page reports what its Content-Security-Policy refused (web/headers.py) on the console, where the
# fixture below collects it: a test whose pages needed an inline script or style fails. The tests obey
# it too: `page.wait_for_function` takes a function ("() => ..."), since an expression would be eval'd.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.target && e.target.outerHTML ? " on " + e.target.outerHTML.slice(0, 160) : "";
  console.error("CSP violation: " + e.violatedDirective + " " + (e.blockedURI || "inline") + " at " +
    e.sourceFile + ":" + e.lineNumber + where);
});
"""


def csp_violation(text: str) -> bool:
    return text.startswith("CSP violation:") or "Content Security Policy" in text


@pytest.fixture
def new_page(browser: Any, site: dict[str, Any]) -> Iterator[Any]:
    """Makes pages in fresh browser contexts (one per user): `new_page(locale="en-US")`, with Playwright's
    context options if need be (`viewport=...`). A violation of the Content-Security-Policy on any of them
    fails the test."""
    contexts = []
    violations: list[str] = []

    def make(locale: str = "en-US", **options: Any) -> Any:
        options = {"locale": locale, "viewport": {"width": 1400, "height": 1000}, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: csp_violation(message.text) and violations.append(message.text))
        return page

    yield make
    for context in contexts:
        context.close()
    if violations:
        pytest.fail("the Content-Security-Policy refused:\n" + "\n".join(dict.fromkeys(violations)))


def log_in(page: Any, site: dict[str, Any], username: str) -> None:
    page.goto(site["url"] + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state("networkidle")


def in_language(page: Any, lang: str) -> None:
    """Switches the page to `lang` (its <html lang>: "en" or "zh-CN") with the top bar's button, unless it
    speaks it already."""
    if page.locator("html").get_attribute("lang") != lang:
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")


def go(page: Any, url: str) -> None:
    """Opens `url` and waits for the network to fall quiet."""
    page.goto(url)
    page.wait_for_load_state("networkidle")


@pytest.fixture
def open_page(browser: Any, site: dict[str, Any]) -> Iterator[Any]:
    """`open_page("alice", "zh", "phone")`: a logged-in page of its own browser, in that language ("zh" or
    "en") and size (SIZES: "desktop" or "phone"); `timeout=` the milliseconds its waits allow, and any
    other option of the browser context (`accept_downloads=True`)."""
    contexts = []

    def make(username: str, language: str, size: str, *, timeout: int = 10_000, **options: Any) -> Any:
        context = browser.new_context(
            locale="zh-CN" if language == "zh" else "en-US",
            viewport=SIZES[size],
            device_scale_factor=1,
            **options,
        )
        context.set_default_timeout(timeout)
        contexts.append(context)
        page = context.new_page()
        log_in(page, site, username)
        wanted = "zh-CN" if language == "zh" else "en"
        in_language(page, wanted)
        assert page.locator("html").get_attribute("lang") == wanted
        return page

    yield make
    for context in contexts:
        context.close()


def shoot(page: Any, name: str) -> Path:
    """Keeps a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def shoot_widths(page: Any, name: str, *, fits_phone: bool = False) -> None:
    """Keeps `{name}-1366` and `{name}-phone`: the page as it is at laptop and at phone width (back to laptop
    after). With `fits_phone`, a page that scrolls sideways at phone width fails the test."""
    for size, suffix in ((LAPTOP, "1366"), (PHONE, "phone")):
        page.set_viewport_size(size)
        shoot(page, f"{name}-{suffix}")
        if fits_phone and size is PHONE:
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} scrolls sideways at phone width ({width}px)"
    page.set_viewport_size(LAPTOP)


def settled(page: Any) -> None:
    """Waits until htmx has no request in flight and has finished swapping and settling what came back:
    a panel just swapped in answers clicks and changes only once htmx has processed it."""
    busy = ".htmx-request, .htmx-settling, .htmx-swapping, .htmx-added"
    page.wait_for_function(f"() => window.htmx && !document.querySelector('{busy}')")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is slow (a Chromium page and a real server): `make test-quick` leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.slow)
