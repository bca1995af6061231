"""A call's recording in a real browser: the supervisor finds a player on the call's entry of the case
timeline, which fetches nothing until it is asked to; once it is, the audio comes from the server and the
playback is in the audit log. bob, of alice's team, sees the entry without a player."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.case_tabs import open_tab
from tests.e2e.conftest import log_in
from tests.support.floor import Floor
from tests.support.recordings import kept_call

from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@pytest.fixture(scope="module")
def call_id(site: dict[str, Any]) -> int:
    """alice's call on her case, its recording fetched and kept."""
    built: Floor = site["floor"]
    with UnitOfWork(site["engine"]) as uow:
        return kept_call(uow, built.cases[0].id, built.users["alice"])


def _played(site: dict[str, Any], call_id: int) -> list[int]:
    e = t.audit_events.c
    with site["engine"].connect() as conn:
        return list(
            conn.execute(
                select(e.user_id).where(e.action == "call.recording_played", e.entity_id == call_id)
            ).scalars()
        )


def test_the_supervisor_plays_the_recording_from_the_timeline_and_it_is_audited(
    new_page: Any, site: dict[str, Any], call_id: int
) -> None:
    page = new_page("en-US")
    asked: list[str] = []
    page.on("request", lambda request: "/recording" in request.url and asked.append(request.url))
    log_in(page, site, "sue")
    page.goto(f"{site['url']}/cases/{site['floor'].cases[0].id}")
    page.wait_for_load_state("networkidle")
    open_tab(page, "history")
    player = page.locator(f"[data-testid=recording-{call_id}] audio")
    player.wait_for()
    assert player.get_attribute("preload") == "none"
    assert asked == [] and _played(site, call_id) == []

    with page.expect_response(lambda r: r.url.endswith(f"/calls/{call_id}/recording")) as answer:
        player.evaluate("audio => { audio.preload = 'auto'; audio.load(); }")
    assert answer.value.status in (200, 206)
    assert answer.value.headers["content-type"] == "audio/wav"
    assert site["floor"].users["sue"] in _played(site, call_id)


def test_another_collector_of_the_team_sees_the_call_without_a_player(
    new_page: Any, site: dict[str, Any], call_id: int
) -> None:
    page = new_page("zh-CN")
    log_in(page, site, "bob")
    page.goto(f"{site['url']}/cases/{site['floor'].cases[0].id}")
    page.wait_for_load_state("networkidle")
    open_tab(page, "history")
    page.locator("#timeline tr[data-kind=interaction]").first.wait_for()
    assert page.locator(f"[data-testid=recording-{call_id}]").count() == 0
    assert page.locator("#timeline audio").count() == 0
