"""The people of the floor in a real browser: an administrator opens the administration from the top bar,
creates a team and two collectors in it (one with a password made and shown once, one with shifts), and
sees them on the team's page; the audit viewer shows what was done; a supervisor reads the users without
a form to change them; a collector sets the zone its times are shown in, on a phone. zh and en, desktop
and phone width, no serious accessibility problem (axe). Screenshots:
tests/artifacts/screenshots/people-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.conftest import LAPTOP, PHONE, in_language, log_in, shoot, shoot_widths
from tests.e2e.test_accessibility import _findings
from tests.support.floor import PASSWORD

from huikuan.services.users import add_user


@pytest.fixture(scope="module")
def ada(site: dict[str, Any]) -> str:
    floor = site["floor"]
    with floor.uow:
        add_user(floor.uow, "ada", PASSWORD, role="admin")
        floor.uow.commit()
    return "ada"


def _create_collector(
    page: Any, site: dict[str, Any], username: str, team: str, *, password: str = "", shift: bool = False
) -> str:
    page.goto(site["url"] + "/admin/users")
    page.fill("[data-testid=new-username]", username)
    page.fill("[data-testid=new-display-name]", username.capitalize())
    if password:
        page.fill("[data-testid=new-password]", password)
    page.select_option("[data-testid=new-role]", "collector")
    page.select_option("[data-testid=new-team]", label=team)
    page.check("[data-testid=new-lang-en]")
    if shift:
        for day in range(5):
            page.check(f"[data-testid=new-shift-0-day-{day}]")
        page.fill("[data-testid=new-shift-0-start]", "09:00")
        page.fill("[data-testid=new-shift-0-end]", "18:00")
    page.click("[data-testid=create-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=user-created]").is_visible()
    return page.locator("[data-testid=new-password-value]").inner_text() if not password else password


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_administrator_creates_a_team_and_two_collectors_from_the_browser(
    new_page: Any, site: dict, ada: str, lang: str
) -> None:
    page = new_page("en-US" if lang == "en" else "zh-CN")
    log_in(page, site, ada)
    in_language(page, lang)
    page.click("[data-testid=nav-admin]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=admin-hub] a").count() == 13  # reports, unknown senders, call reviews
    assert _findings(page) == []
    shoot_widths(page, f"people-hub-{lang}", fits_phone=True)
    page.click("[data-testid=hub-admin-teams]")
    page.wait_for_load_state("networkidle")
    team = "Night shift" if lang == "en" else "夜班组"
    page.fill("[data-testid=team-name]", team)
    page.check("[data-testid=team-lang-zh]")
    page.click("[data-testid=team-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=team-done]").is_visible()
    suffix = "en" if lang == "en" else "zh"
    made = _create_collector(page, site, f"dan-{suffix}", team)
    assert len(made) >= 20
    shoot_widths(page, f"people-user-created-{lang}", fits_phone=True)
    _create_collector(page, site, f"eli-{suffix}", team, password="violet tractor harbour 88", shift=True)
    assert "09:00–18:00" in page.inner_text("[data-testid=user-shifts]")
    assert _findings(page) == []
    page.click("[data-testid=user-facts] a")  # the team
    page.wait_for_load_state("networkidle")
    members = page.inner_text("[data-testid=team-members]")
    assert f"dan-{suffix}" in members and f"eli-{suffix}" in members
    shoot_widths(page, f"people-team-{lang}", fits_phone=True)
    page.goto(f"{site['url']}/admin/users?role=collector")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"[data-testid=user-dan-{suffix}]").is_visible()
    assert _findings(page) == []
    shoot_widths(page, f"people-users-{lang}", fits_phone=True)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_administrator_deactivates_a_user_after_confirming_and_reads_it_in_the_audit_log(
    new_page: Any, site: dict, ada: str, lang: str
) -> None:
    page = new_page("en-US" if lang == "en" else "zh-CN")
    log_in(page, site, ada)
    in_language(page, lang)
    suffix = "en" if lang == "en" else "zh"
    username = f"fay-{suffix}"
    team = "一组"
    _create_collector(page, site, username, team)
    page.click("[data-testid=confirm-active] summary")
    shoot_widths(page, f"people-user-confirm-{lang}", fits_phone=True)
    page.click("[data-testid=active-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=user-done]").is_visible()
    assert page.locator("[data-testid=user-status] .badge.bad").is_visible()
    page.goto(f"{site['url']}/admin/audit?user=ada&kind=user")
    page.wait_for_load_state("networkidle")
    events = page.inner_text("[data-testid=audit-events]")
    assert "user.deactivated" in events and "user.created" in events
    assert events.index("user.deactivated") < events.index("user.created")  # newest first
    assert _findings(page) == []
    shoot_widths(page, f"people-audit-{lang}", fits_phone=True)


def test_a_supervisor_reads_the_users_without_a_form_to_change_them(new_page: Any, site: dict) -> None:
    page = new_page("zh-CN")
    log_in(page, site, "sue")
    in_language(page, "zh-CN")
    page.click("[data-testid=nav-admin]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=hub-read-only]").is_visible()
    assert page.locator("[data-testid=hub-admin-sessions]").count() == 0
    page.click("[data-testid=hub-admin-users]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=users-read-only]").is_visible()
    assert page.locator("[data-testid=create-user]").count() == 0
    shoot_widths(page, "people-users-supervisor-zh-CN", fits_phone=True)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_collector_sets_the_zone_of_its_times_on_a_phone(new_page: Any, site: dict, lang: str) -> None:
    page = new_page("en-US" if lang == "en" else "zh-CN", viewport=PHONE)
    log_in(page, site, "bob")
    in_language(page, lang)
    page.click("[data-testid=who]")
    page.wait_for_load_state("networkidle")
    zone = "Europe/London" if lang == "en" else "Asia/Urumqi"
    page.select_option("[data-testid=settings-zone]", zone)
    page.click("[data-testid=settings-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=settings-saved]").is_visible()
    assert zone in page.inner_text("[data-testid=settings-now]")
    assert _findings(page) == []
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    shoot(page, f"people-settings-{lang}-phone")
    page.set_viewport_size(LAPTOP)
    shoot(page, f"people-settings-{lang}-1366")
