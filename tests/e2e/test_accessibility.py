"""An accessibility check of the pages people work in all day: axe-core (vendored from npm, see
package.json) finds no serious or critical problem, in Chinese and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import log_in, settled
from tests.support.console_case import ConsoleCase

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
GRAVE = ("serious", "critical")


def _findings(page: Any) -> list[str]:
    # Run as the test's own code, not as a <script> of the page: the page's CSP allows none inline.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    rules = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}}"
    result = page.evaluate(f"async () => await axe.run(document, {rules})")
    assert result["passes"], "axe ran no check"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in GRAVE
    ]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_pages_of_the_day_have_no_serious_accessibility_problem(
    new_page: Any, site: dict, console_case: ConsoleCase, locale: str
) -> None:
    lang = "en" if locale == "en-US" else "zh-CN"
    found: dict[str, list[str]] = {}
    page = new_page(locale)
    page.goto(site["url"] + "/login")
    found["login"] = _findings(page)
    log_in(page, site, "alice")
    if page.locator("html").get_attribute("lang") != lang:
        page.click("[data-testid=switch-language]")
        page.wait_for_load_state("networkidle")
    cases = [f"/cases/{site['floor'].cases[0].id}", f"/cases/{console_case.id}"]  # the second: long names
    for path in ("/queue", *cases, "/outbox", "/visits", "/scripts", "/reports/me"):
        page.goto(site["url"] + path)
        page.wait_for_load_state("networkidle")
        settled(page)
        found[path] = _findings(page)
    viewer = new_page(locale)
    log_in(viewer, site, "vic")
    for path in ("/portfolio", "/portfolio/accounts"):
        viewer.goto(site["url"] + path)
        viewer.wait_for_load_state("networkidle")
        found[path] = _findings(viewer)
    supervisor = new_page(locale)
    log_in(supervisor, site, "sue")
    supervisor.goto(site["url"] + "/reports")
    supervisor.wait_for_load_state("networkidle")
    found["/reports"] = _findings(supervisor)
    reader = new_page(locale)  # the console case as its creditor's read-only viewer sees it
    log_in(reader, site, "vera")
    reader.goto(f"{site['url']}/cases/{console_case.id}")
    reader.wait_for_load_state("networkidle")
    settled(reader)
    found["vera: " + cases[1]] = _findings(reader)
    assert {where: problems for where, problems in found.items() if problems} == {}
