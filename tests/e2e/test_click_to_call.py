"""Click-to-call in a real browser (web/ui/calls.py): the collector clicks Call beside the debtor's
number, the fake telephone system is asked to ring her seat then the debtor, the page says so in place, and
the number stays masked. Screenshots: tests/artifacts/screenshots/click-to-call-{1366,phone}.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import update
from tests.e2e.conftest import frozen_at, in_language, log_in, settled, shoot_widths
from tests.support import fake_phone
from tests.support.floor import MORNING

from huikuan import config
from huikuan.storage import tables as t


@pytest.fixture(scope="module")
def server_clock() -> Iterator[datetime]:
    # Friday 10:00 in Beijing: the gate allows the call whatever the hour the suite runs at.
    with frozen_at(MORNING) as moment:
        yield moment


@pytest.fixture(autouse=True)
def _settings_as_they_were() -> Iterator[None]:
    """The fake telephone system's settings leave with this test (the server reads them per request)."""
    yield
    config.get_settings.cache_clear()


def test_a_click_on_call_rings_the_seat_then_the_debtor_and_says_so_in_place(
    new_page: Any, site: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    floor = site["floor"]
    with floor.uow:
        floor.uow.session.execute(
            update(t.users).where(t.users.c.id == floor.users["alice"]).values(phone_extension="8001")
        )
        floor.uow.commit()
    case = floor.cases[0]
    page = new_page("en-US")
    log_in(page, site, "alice")
    in_language(page, "en")
    page.goto(f"{site['url']}/cases/{case.id}")
    page.wait_for_load_state("networkidle")
    settled(page)
    button = page.locator(f"[data-testid=call-{case.mobile_id}]")
    assert button.is_visible()
    button.click()
    note = page.locator(f"[data-testid=call-note-{case.mobile_id}] [data-testid=call-ringing]")
    note.wait_for()
    assert "Ringing your seat, then the debtor" in note.inner_text()
    assert [(r.extension, r.to) for r in phone.placed] == [("8001", "+8613800000001")]
    assert "13800000001" not in page.content()  # the number never reaches the page
    assert page.url.endswith(f"/cases/{case.id}")  # in place, no page change
    # The contact form now completes this call's own contact; its duration is the provider's.
    page.locator("[data-testid=contact-call]").wait_for()
    assert page.locator("[data-testid=contact-duration]").get_attribute("readonly") is not None
    shoot_widths(page, "click-to-call")
