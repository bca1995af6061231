"""Opening a tab of the case page in a browser test: click it, wait until its panels are in place."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from tests.e2e.conftest import settled

# Each of the tab's sections as it stands: fetched or not, a request in flight, its fallback still there.
SECTIONS = """name => Array.from(document.querySelectorAll('#tabpanel-' + name + ' [data-lazy]')).map(s => ({
  id: s.id, loaded: s.hasAttribute('data-loaded'), classes: s.className,
  fallback: !!s.querySelector('.lazy-fallback')}))"""


def open_tab(page: Any, name: str) -> None:
    """Shows the tab `name` (history, promises, messages, debtor, assessment, plan) and waits until every
    panel of it has been fetched and processed by htmx. The console's own panels are let settle first: while
    they load the page grows, and a click aimed at a tab that is moving can land beside it."""
    settled(page)
    page.click(f"[data-testid=tab-{name}]")
    try:
        page.wait_for_function(
            f"() => document.getElementById('tab-{name}').getAttribute('aria-selected') === 'true'"
            f" && !document.querySelector('#tabpanel-{name} .lazy-fallback')"
        )
    except PlaywrightTimeout as late:
        selected = page.get_attribute(f"[data-testid=tab-{name}]", "aria-selected")
        raise AssertionError(
            f"tab {name} (selected: {selected}) did not load: {page.evaluate(SECTIONS, name)}"
        ) from late
    settled(page)
