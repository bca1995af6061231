"""The gate's verdicts read without colour: every verdict badge of the case page (the header's and each
contact point's) and of the field visits page starts with its symbol, ✓ when allowed and ✕ when not,
before the words that say the same; green and red only repeat it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import update
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.web import login_client

from huikuan.storage import tables as t
from huikuan.web.app import create_app

NIGHT = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 03:00 in Beijing: no call, no visit
_VERDICT = re.compile(r'<span class="badge (\w+)" data-verdict="([\w-]+)">(.*?)</span>', re.S)
_VISIT = re.compile(r'data-testid="visit-verdict"><span class="badge (\w+)">(.*?)</span>', re.S)
MARK = {"ok": "✓ ", "bad": "✕ "}


@pytest.mark.parametrize("now", [MORNING, NIGHT], ids=["morning", "night"])
@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_every_verdict_badge_starts_with_its_symbol(
    floor: Floor, db_env: str, now: datetime, locale: str
) -> None:
    case = floor.cases[0]
    s = floor.uow.session
    s.execute(
        update(t.contact_points).where(t.contact_points.c.id == case.email_id).values(status="do_not_contact")
    )
    s.execute(
        update(t.cases)
        .where(t.cases.c.id == case.id)
        .values(next_action_channel="visit", next_action_due_at=datetime(2026, 11, 20, 6, tzinfo=UTC))
    )
    floor.uow.commit()
    with time_machine.travel(now, tick=False):
        client = login_client(create_app(db_env), "alice", locale=locale)
        page = client.get(f"/cases/{case.id}").text
        visits = client.get(f"/visits?day={TODAY.isoformat()}").text
    badges = _VERDICT.findall(page)
    assert {verdict for _, verdict, _ in badges} >= {
        "do-not-contact",
        "allowed" if now == MORNING else "blocked",
    }
    for tone, verdict, text in badges:
        assert text.strip().startswith(MARK[tone]), (verdict, text)
    stops = _VISIT.findall(visits)
    assert stops, "no visit on the day's list"
    for tone, text in stops:
        assert text.strip().startswith(MARK[tone]), text
