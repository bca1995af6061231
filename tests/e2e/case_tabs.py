"""Opening a tab of the case page in a browser test: click it, wait until its panels are in place."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import settled


def open_tab(page: Any, name: str) -> None:
    """Shows the tab `name` (history, promises, messages, debtor, assessment, plan) and waits until every
    panel of it has been fetched and processed by htmx."""
    page.click(f"[data-testid=tab-{name}]")
    page.wait_for_function(f"() => !document.querySelector('#tabpanel-{name} .lazy-fallback')")
    settled(page)
