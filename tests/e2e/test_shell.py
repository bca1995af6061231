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


def test_an_unknown_address_shows_a_page_in_the_users_language_with_a_way_home(
    new_page: Any, site: dict[str, Any]
) -> None:
    for locale, title, home in (
        ("zh-CN", "页面不存在", "返回首页"),
        ("en-US", "Page not found", "Go to the home page"),
    ):
        page = new_page(locale)
        answer = page.goto(site["url"] + "/cases/1/no-such-panel")
        assert answer is not None and answer.status == 404
        assert page.locator("h1").inner_text() == title
        link = page.locator("[data-testid=go-home]")
        assert link.inner_text() == home
        lang = locale[:2]
        for size, (width, height) in (("desktop", (1366, 768)), ("phone", (390, 844))):
            page.set_viewport_size({"width": width, "height": height})
            shoot(page, f"not-found-{lang}-{size}")
        link.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/login")  # home, which asks a visitor to log in


def test_the_site_icon_shows_in_the_browser(new_page: Any, site: dict[str, Any]) -> None:
    page = new_page("en-US")
    page.goto(site["url"] + "/login")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and page.request.get(site["url"] + icon).ok
    assert page.request.get(site["url"] + "/favicon.ico").ok


def test_the_api_docs_render_without_the_internet(new_page: Any, site: dict[str, Any]) -> None:
    """Every request /docs makes stays on the server; Swagger UI draws the API's operations."""
    page = new_page("en-US")
    outside: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(site["url"]) else outside.append(request.url),
    )
    page.goto(site["url"] + "/docs")
    page.wait_for_selector(".opblock-summary", timeout=15_000)
    assert page.locator(".opblock").count() > 10
    # An operation opened shows its parameters, schemas and examples (under the page's CSP: the fixture
    # fails the test on anything it refused).
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body .responses-wrapper")
    page.locator(".opblock-body .try-out__btn").first.click()
    page.wait_for_selector(".opblock-body .execute")
    assert outside == []
    shoot(page, "api-docs")
