"""The replies from unknown senders in a real browser: a supervisor reaches the list from the channels
page, reads it in Chinese and in English with each sender masked, and reveals one in place. No serious
accessibility problem (axe). Screenshots, desktop and phone:
tests/artifacts/screenshots/unknown-senders-*.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.e2e.conftest import go, shoot_widths
from tests.e2e.test_accessibility import _findings

from huikuan.channels.inbound import Inbound
from huikuan.services.inbound import receive

STRANGER = "+8613911112222"
TITLE = {"en": "Replies from unknown senders", "zh": "来自未知发件人的回复"}


def _strangers_wrote(site: dict[str, Any]) -> dict[str, int]:
    """An SMS, an e-mail and a WeChat message from senders no debtor has (once per module's site)."""
    if "unknown" not in site:
        floor, now = site["floor"], datetime.now(UTC)
        texts = [
            ("sms", STRANGER, "请问你们是哪家公司？"),
            ("email", "someone.else@example.org", "You have the wrong person."),
            ("wechat", "oWxStranger12345", "你好"),
        ]
        ids = {}
        with floor.uow:
            for n, (channel, sender, text) in enumerate(texts):
                at = now - timedelta(minutes=30 - n)
                message = Inbound(channel, sender, "10690000", text, at, "http", f"e2e-unknown-{n}")
                ids[channel] = receive(floor.uow, message, now=at).inbound_id
        site["unknown"] = ids
    return dict(site["unknown"])


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_supervisor_reads_the_unknown_senders_masked_and_reveals_one(
    open_page: Any, site: dict, language: str
) -> None:
    ids = _strangers_wrote(site)
    page = open_page("sue", language, "desktop")
    go(page, f"{site['url']}/admin/channels")
    page.click("[data-testid=channels-unknown-link] a")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/admin/inbound/unknown")
    assert TITLE[language] in page.inner_text("h1")
    rows = page.locator("[data-testid=unknown-messages] tbody tr")
    assert rows.count() == 3
    assert page.inner_text(f"[data-testid=sender-masked-{ids['sms']}]") == "+86 139****2222"
    assert STRANGER not in page.content()
    assert _findings(page) == []
    shoot_widths(page, f"unknown-senders-{language}")
    page.click(f"[data-testid=reveal-sender-{ids['sms']}]")
    page.wait_for_selector(f"[data-testid=revealed-sender-{ids['sms']}]")
    assert page.inner_text(f"[data-testid=revealed-sender-{ids['sms']}]") == STRANGER
    assert _findings(page) == []
