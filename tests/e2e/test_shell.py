"""In a real browser: logging in, the settings page, and switching the language."""

from typing import Any

from tests.e2e.conftest import log_in, shoot


def test_a_user_logs_in_and_switches_the_language(new_page: Any, site: dict[str, Any]) -> None:
    page = new_page("en-US")
    page.goto(site["url"] + "/login")
    assert page.locator("h1").inner_text() == "Log in to the workbench"
    shoot(page, "login")
    log_in(page, site, "alice")
    page.goto(site["url"] + "/settings")
    assert "alice" in page.inner_text("[data-testid=settings-user]")
    # Logged in, the user's own setting (alice: Chinese) wins over the browser's language.
    assert page.locator("h1").inner_text() == "个人设置"
    shoot(page, "settings")
    page.click("[data-testid=switch-language]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Your settings"
    page.click("[data-testid=switch-language]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "个人设置"


def test_a_wrong_password_is_shown_in_the_browsers_language(new_page: Any, site: dict[str, Any]) -> None:
    page = new_page("zh-CN")
    page.goto(site["url"] + "/login")
    page.fill("#username", "bob")
    page.fill("#password", "not-the-password")
    page.click("[data-testid=login-submit]")
    assert "用户名或密码错误" in page.inner_text("[data-testid=login-error]")
