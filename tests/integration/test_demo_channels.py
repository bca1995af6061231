"""The demo's day, as `make run` plays it: a small demo, today's plan, the plan-dispatch job and the outbox
job at the plan's slots, with the local SMS provider, mail server and WeChat `make run` starts
(bench/sms_provider.py, an SMTP sink, bench/wechat_server.py). Every channel's planned messages reach its
server without a collector touching them; then a debtor's "TD" stops SMS to that number at once, and
`huikuan contact check CASE --channel sms` says so."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import time_machine
from bench.sms_provider import Provider, make_handler
from bench.wechat_server import wechat_server
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.support.factories import cli
from tests.support.floor import MORNING, TODAY
from tests.support.messaging import smtp_server, use_settings

from huikuan import config
from huikuan.demo import load_demo
from huikuan.demo.wechat import DEMO_TEMPLATE_ID, DEMO_WECHAT_APP_ID
from huikuan.services.jobs import run_due
from huikuan.services.plan import make_plan
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.web.app import create_app

pytestmark = pytest.mark.slow

ACCOUNTS = 200
SEED = 7
SMS_TOKEN = "demo-provider-token"
PLANNED = ("sms", "email", "wechat", "letter")


@contextmanager
def sms_provider() -> Iterator[tuple[Provider, str]]:
    """bench/sms_provider.py's provider, on a free port of its own thread."""
    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(provider, verbose=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider, f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def day(
    db_env: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    """The demo's floor with its three local servers, the settings `make run` gives it, and the demo
    loaded and planned at 10:00 on the floor's today."""
    with (
        sms_provider() as (sms, sms_url),
        smtp_server() as (mailbox, smtp_port),
        wechat_server(app_id=DEMO_WECHAT_APP_ID, secret="demo-secret", accept_all=True) as wechat,
    ):
        use_settings(
            monkeypatch,
            sms_url=sms_url,
            sms_token=SMS_TOKEN,
            smtp_host="127.0.0.1",
            smtp_port=str(smtp_port),
            wechat_app_id=DEMO_WECHAT_APP_ID,
            wechat_app_secret="demo-secret",
            wechat_api_url=wechat.url,
            letters_dir=str(tmp_path / "letters"),
            agency_name="Huikuan Demo Services",
            agency_name_zh="回款演示服务",
            letter_return_address="PO Box 100|Beijing 100000",
        )
        with time_machine.travel(MORNING, tick=False), UnitOfWork(engine) as uow:
            summary = load_demo(uow, accounts=ACCOUNTS, seed=SEED, today=TODAY)
            make_plan(uow, TODAY, now=MORNING)
        yield {"engine": engine, "sms": sms, "mail": mailbox, "wechat": wechat, "summary": summary}
    config.get_settings.cache_clear()


def _planned(engine: Engine) -> Counter[str]:
    p = t.plan_rows.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(p.action, func.count())
            .where(p.plan_date == TODAY, p.action.in_(PLANNED))
            .group_by(p.action)
        )
        return Counter({str(action): int(n) for action, n in rows})


def _by_status(engine: Engine) -> Counter[tuple[str, str]]:
    m = t.messages.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.channel, m.status, func.count())
            .where(m.plan_date == TODAY)
            .group_by(m.channel, m.status)
        )
        return Counter({(channel, status): n for channel, status, n in rows})


def _play_the_day(engine: Engine) -> list[datetime]:
    """plan-dispatch at 10:00, then the outbox at 10:00 and at each slot a queued message waits for."""
    with time_machine.travel(MORNING, tick=False):
        dispatched = run_due(engine, now=MORNING, only="plan-dispatch")["plan-dispatch"]
        assert "error" not in dispatched, dispatched
        run_due(engine, now=MORNING, only="outbox")
    m = t.messages.c
    with engine.connect() as conn:
        slots = sorted(
            set(
                conn.execute(
                    select(m.next_attempt_at).where(m.status == "queued", m.plan_date == TODAY)
                ).scalars()
            )
        )
    for slot in slots:
        at = slot.replace(tzinfo=UTC) if slot.tzinfo is None else slot
        with time_machine.travel(at + timedelta(seconds=1), tick=False):
            run_due(engine, now=at + timedelta(seconds=1), only="outbox")
    return slots


def test_each_channels_planned_messages_reach_its_local_server_at_their_slots(day: dict[str, Any]) -> None:
    engine = day["engine"]
    assert day["summary"]["wechat_bindings"] > 0
    planned = _planned(engine)
    assert set(planned) == set(PLANNED), planned  # the demo's plan uses every channel, WeChat too
    slots = _play_the_day(engine)
    assert slots and all(MORNING < s.replace(tzinfo=UTC) for s in slots)
    status = _by_status(engine)
    sent = {channel: status[(channel, "sent")] for channel in PLANNED}
    assert all(sent[channel] > 0 for channel in PLANNED), status
    # Nothing left waiting, and nothing the plan chose did the gate refuse (a text without the consent the
    # US pack asks for is never planned: services/text_consent.py).
    assert {s for _channel, s in status} == {"sent"}, status
    # What each server took is what the outbox marked sent on its channel, no more.
    assert day["sms"].received == sent["sms"]
    assert len(day["mail"].messages) == sent["email"]
    assert len(day["wechat"].sent) == sent["wechat"]
    assert {m["template_id"] for m in day["wechat"].sent} == {DEMO_TEMPLATE_ID}
    # Nobody sent them: the system queued each one (no user).
    m = t.messages.c
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).where(m.plan_date == TODAY, m.user_id.is_not(None))).scalar()
            == 0
        )


def test_a_td_reply_stops_sms_to_that_number_and_contact_check_says_so(
    day: dict[str, Any], db_env: str
) -> None:
    engine = day["engine"]
    _play_the_day(engine)
    number = day["sms"].recipients[0]
    m = t.messages.c
    with engine.connect() as conn:
        case_id = conn.execute(
            select(m.case_id).where(m.channel == "sms", m.status == "sent", m["to"] == number)
        ).scalar()
    assert case_id is not None
    later = MORNING + timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        before = cli("contact", "check", str(case_id), "--channel", "sms")
        assert "channel-opt-out" not in before.stdout
        answer = TestClient(create_app(db_env)).post(
            "/api/v1/inbound/sms",
            json={"from": number, "to": "10690000", "text": "TD"},
            headers={"Authorization": f"Bearer {SMS_TOKEN}"},
        )
        assert answer.status_code == 200
        refused = cli("contact", "check", str(case_id), "--channel", "sms")
    assert refused.exit_code == 1
    assert "channel-opt-out" in refused.stdout
