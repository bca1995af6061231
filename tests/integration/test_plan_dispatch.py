"""The daily plan sends its own messages: the plan-dispatch job queues today's planned SMS, e-mails and
letters through the gate, each for its slot, once; the outbox asks the gate again when the slot comes;
a sandbox sends nothing to any provider; a channel that cannot send is never planned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import Engine, insert, select, update
from tests.support.factories import cli
from tests.support.floor import MORNING, PASSWORD, TODAY, Floor
from tests.support.messaging import channel_settings, sms_provider, use_settings
from tests.support.web import login_client

from huikuan import config
from huikuan.config import Settings
from huikuan.errors import Forbidden
from huikuan.services.creditor_admin import set_sandbox
from huikuan.services.jobs import run_due
from huikuan.services.outbox_errors import describe_error
from huikuan.services.outbox_job import dispatch_due
from huikuan.services.plan import without_channels
from huikuan.services.plan_dispatch import dispatch_plan
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

SLOT = MORNING + timedelta(hours=1)  # 11:00 in Beijing


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


def _plan(floor: Floor, *actions: tuple[int, str, datetime | None], day: date = TODAY) -> None:
    """Stores a plan for `day`: (case index, action, slot) per case."""
    for n, action, slot in actions:
        floor.uow.session.execute(
            insert(t.plan_rows).values(
                plan_date=day,
                strategy="optimized",
                case_id=floor.cases[n].id,
                action=action,
                slot_start=slot,
                segment="able_willing",
                reason={},
                created_at=MORNING - timedelta(hours=3),
            )
        )
    floor.uow.commit()


def _messages(floor: Floor) -> list[Any]:
    floor.uow.rollback()
    return list(floor.uow.session.execute(select(t.messages).order_by(t.messages.c.id)).all())


def _adds_up(counts: dict[str, Any]) -> bool:
    parts = counts["queued"] + counts["already"] + sum(counts["refused"].values()) + counts["skipped"]
    return bool(counts["planned"] == parts and counts["skipped"] == sum(counts["skipped_by"].values()))


def _sms_only(tmp_path: Path, url: str = "http://127.0.0.1:9/sms", **values: Any) -> Settings:
    return channel_settings(tmp_path, sms_url=url, **values)


def test_todays_planned_messages_are_queued_for_their_slots_by_the_system_with_the_gate(
    floor: Floor, tmp_path: Path
) -> None:
    _plan(floor, (0, "sms", SLOT), (1, "letter", None), (2, "call", SLOT))
    counts = dispatch_plan(floor.uow, MORNING, settings=_sms_only(tmp_path))
    assert counts == {
        "day": "2026-11-20",
        "planned": 2,  # the call is a collector's
        "queued": 2,
        "already": 0,
        "refused": {},
        "skipped": 0,
        "skipped_by": {},
    }
    letter, sms = sorted(_messages(floor), key=lambda m: m.channel)
    assert (sms.case_id, sms.channel, sms.status, sms.template) == (
        floor.cases[0].id,
        "sms",
        "queued",
        "reminder",
    )
    assert (sms.user_id, sms.plan_date, sms.next_attempt_at, sms.contact_point_id) == (
        None,
        TODAY,
        SLOT,
        floor.cases[0].mobile_id,
    )
    assert sms.decision_id and "C000001" in sms.body
    # A letter has no slot: it goes with the next run of the outbox.
    assert (letter.channel, letter.template, letter.next_attempt_at) == ("letter", "demand", None)
    assert letter.contact_point_id == floor.cases[1].address_id
    audit = floor.uow.session.execute(
        select(t.audit_events).where(t.audit_events.c.action == "plan.dispatch")
    ).one()
    assert audit.user_id is None and audit.detail["queued"] == 2


def test_a_letter_without_a_slot_queued_before_the_contact_hours_waits_for_them(
    floor: Floor, tmp_path: Path
) -> None:
    early = datetime(2026, 11, 19, 22, 30, tzinfo=UTC)  # 06:30 in Beijing on the plan day
    _plan(floor, (1, "letter", None))
    counts = dispatch_plan(floor.uow, early, settings=_sms_only(tmp_path))
    assert (counts["queued"], counts["refused"]) == (1, {})
    (letter,) = _messages(floor)
    assert letter.status == "queued" and early < letter.next_attempt_at < MORNING


def test_running_it_again_queues_nothing_twice(floor: Floor, tmp_path: Path) -> None:
    _plan(floor, (0, "sms", SLOT), (1, "sms", SLOT))
    settings = _sms_only(tmp_path)
    first = dispatch_plan(floor.uow, MORNING, settings=settings)
    again = dispatch_plan(floor.uow, MORNING + timedelta(minutes=5), settings=settings)
    assert (first["queued"], first["already"]) == (2, 0)
    assert (again["planned"], again["queued"], again["already"]) == (2, 0, 2)
    assert _adds_up(first) and _adds_up(again)
    assert len(_messages(floor)) == 2


def test_a_message_the_gate_refuses_is_counted_by_rule_audited_and_not_asked_again(
    floor: Floor, tmp_path: Path
) -> None:
    floor.uow.session.execute(
        update(t.debtors).where(t.debtors.c.id == floor.cases[1].debtor_id).values(cease=True)
    )
    floor.uow.commit()
    _plan(floor, (0, "sms", SLOT), (1, "sms", SLOT))
    counts = dispatch_plan(floor.uow, MORNING, settings=_sms_only(tmp_path))
    assert counts["queued"] == 1 and sum(counts["refused"].values()) == 1 and _adds_up(counts)
    (rule,) = counts["refused"]
    refused = next(m for m in _messages(floor) if m.case_id == floor.cases[1].id)
    assert refused.status == "refused" and refused.plan_date == TODAY and rule in refused.error
    assert describe_error(refused.error, "zh_CN") != refused.error  # shown in the reader's language
    event = floor.uow.session.execute(
        select(t.audit_events).where(t.audit_events.c.action == "contact.refused")
    ).one()
    assert event.entity_id == floor.cases[1].id and event.user_id is None
    assert event.detail["plan_date"] == "2026-11-20" and rule in event.detail["rules"]
    again = dispatch_plan(floor.uow, MORNING + timedelta(minutes=5), settings=_sms_only(tmp_path))
    assert (again["already"], again["refused"]) == (2, {})


def test_a_channel_that_cannot_send_is_skipped_and_queued_once_it_can(floor: Floor, tmp_path: Path) -> None:
    _plan(floor, (0, "sms", SLOT), (1, "email", SLOT), (2, "wechat", SLOT))
    counts = dispatch_plan(floor.uow, MORNING, settings=channel_settings(tmp_path))
    assert (counts["planned"], counts["queued"], counts["skipped_by"]) == (3, 0, {"not_configured": 3})
    assert _adds_up(counts) and _messages(floor) == []
    later = dispatch_plan(floor.uow, MORNING, settings=_sms_only(tmp_path))
    assert (later["queued"], later["skipped_by"]) == (1, {"not_configured": 2})


def test_a_case_without_a_point_of_the_channel_is_skipped(floor: Floor, tmp_path: Path) -> None:
    floor.uow.session.execute(
        update(t.contact_points)
        .where(t.contact_points.c.id == floor.cases[0].mobile_id)
        .values(status="do_not_contact")
    )
    floor.uow.commit()
    _plan(floor, (0, "sms", SLOT))
    counts = dispatch_plan(floor.uow, MORNING, settings=_sms_only(tmp_path))
    assert counts["skipped_by"] == {"no_contact_point": 1} and _adds_up(counts)


def test_a_planned_message_waits_for_its_slot(floor: Floor, tmp_path: Path) -> None:
    _plan(floor, (0, "sms", SLOT))
    with sms_provider() as provider:
        settings = _sms_only(tmp_path, provider.url)
        dispatch_plan(floor.uow, MORNING, settings=settings)
        early = dispatch_due(floor.uow, SLOT - timedelta(minutes=1), settings=settings)
        assert provider.received == [] and early["sent"] == 0
        due = dispatch_due(floor.uow, SLOT, settings=settings)
    assert due["sent"] == 1 and len(provider.received) == 1
    (m,) = _messages(floor)
    assert (m.status, m.sent_at) == ("sent", SLOT)


def test_the_gate_is_asked_again_when_the_slot_comes(floor: Floor, tmp_path: Path) -> None:
    _plan(floor, (0, "sms", SLOT))
    with sms_provider() as provider:
        settings = _sms_only(tmp_path, provider.url)
        dispatch_plan(floor.uow, MORNING, settings=settings)
        # The debtor asks to cease after the plan queued the message (the stored fact, written directly).
        floor.uow.session.execute(
            update(t.debtors).where(t.debtors.c.id == floor.cases[0].debtor_id).values(cease=True)
        )
        floor.uow.commit()
        counts = dispatch_due(floor.uow, SLOT, settings=settings)
    assert provider.received == [] and counts["refused"] == 1
    (m,) = _messages(floor)
    assert m.status == "refused"


def test_a_sandbox_floor_sends_nothing_to_the_provider(floor: Floor, tmp_path: Path) -> None:
    _plan(floor, (0, "sms", SLOT))
    with sms_provider() as provider:
        settings = _sms_only(tmp_path, provider.url, sandbox=True)
        dispatch_plan(floor.uow, MORNING, settings=settings)
        counts = dispatch_due(floor.uow, SLOT, settings=settings)
    assert provider.received == [] and counts["sent"] == 1
    (m,) = _messages(floor)
    assert (m.status, m.provider_ref) == ("sent", f"sandbox-{m.id}")


def test_a_sandbox_floor_plans_and_sends_on_channels_with_no_provider(floor: Floor, tmp_path: Path) -> None:
    _plan(floor, (0, "sms", SLOT))
    settings = channel_settings(tmp_path, sandbox=True)
    assert dispatch_plan(floor.uow, MORNING, settings=settings)["queued"] == 1
    assert dispatch_due(floor.uow, SLOT, settings=settings)["sent"] == 1


def test_a_sandbox_creditors_messages_never_reach_the_provider(floor: Floor, tmp_path: Path) -> None:
    floor.uow.session.execute(update(t.creditors).where(t.creditors.c.code == "BANK").values(sandbox=True))
    floor.uow.commit()
    _plan(floor, (0, "sms", SLOT))
    with sms_provider() as provider:
        settings = _sms_only(tmp_path, provider.url)
        dispatch_plan(floor.uow, MORNING, settings=settings)
        counts = dispatch_due(floor.uow, SLOT, settings=settings)
    assert provider.received == [] and counts["sent"] == 1
    (m,) = _messages(floor)
    assert m.provider_ref == f"sandbox-{m.id}"


def test_the_job_runs_from_the_jobs_table(
    floor: Floor, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, sms_url="http://127.0.0.1:9/sms", smtp_host="", letters_dir=str(tmp_path))
    _plan(floor, (0, "sms", SLOT), (1, "email", SLOT))
    with time_machine.travel(MORNING, tick=False):
        done = run_due(engine, now=MORNING, only="plan-dispatch")["plan-dispatch"]
    assert (done["planned"], done["queued"], done["skipped_by"]) == (2, 1, {"not_configured": 1})


def test_a_channel_that_cannot_send_is_closed_to_the_planner() -> None:
    allowed = pl.DataFrame(
        {"case_id": [1, 1, 1], "action": ["call", "sms", "email"], "hour_mask": [255, 255, 0], "rule": None},
        schema={"case_id": pl.Int64, "action": pl.Utf8, "hour_mask": pl.Int32, "rule": pl.Utf8},
    )
    closed = without_channels(allowed, frozenset({"sms", "email"}))
    assert closed.rows() == [
        (1, "call", 255, None),
        (1, "sms", 0, "channel-not-configured"),
        (1, "email", 0, None),  # closed already: its own rule stays
    ]


def test_make_plan_never_plans_an_unconfigured_channel(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    from huikuan.services.plan import make_plan

    use_settings(monkeypatch, smtp_host="")  # no SMS provider, no mail server
    summary = make_plan(floor.uow, TODAY, now=datetime(2026, 11, 20, 0, 30, tzinfo=UTC))
    assert summary["written"] > 0
    assert not {"sms", "email", "wechat"} & set(summary["actions"])


# --- what people see: the channel page, the outbox's hints, a sandbox creditor --------------------------


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FastAPI:
    use_settings(monkeypatch, letters_dir=str(tmp_path / "letters"))
    return create_app(db_env)


@pytest.fixture
def ada(floor: Floor) -> Any:
    user = add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    floor.users["ada"] = user.id or 0
    return floor.viewer("ada")


def test_the_outbox_says_why_a_message_waits_in_both_languages(app: FastAPI, floor: Floor) -> None:
    _plan(floor, (0, "sms", SLOT))
    dispatch_plan(floor.uow, MORNING, settings=_sms_only(Path("unused")))  # queued while it could send
    (m,) = _messages(floor)
    english = login_client(app, "sue").get("/outbox").text
    chinese = login_client(app, "sue", locale="zh_CN").get("/outbox").text
    assert f'data-testid="outbox-hint-{m.id}"' in english
    assert "This channel is not configured: set HUIKUAN_SMS_URL" in english
    assert "该渠道尚未配置：请设置 HUIKUAN_SMS_URL" in chinese


def test_the_outbox_marks_a_sandbox_message(
    app: FastAPI, floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plan(floor, (0, "sms", SLOT))
    settings = channel_settings(tmp_path, sandbox=True)
    dispatch_plan(floor.uow, MORNING, settings=settings)
    dispatch_due(floor.uow, SLOT, settings=settings)
    (m,) = _messages(floor)
    assert f'data-testid="outbox-sandbox-{m.id}"' in login_client(app, "sue").get("/outbox").text
    assert "沙盒" in login_client(app, "sue", locale="zh_CN").get("/outbox").text


def test_the_channel_page_shows_each_channels_state(
    app: FastAPI, floor: Floor, ada: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = login_client(app, "ada").get("/admin/channels").text
    assert "set HUIKUAN_SMS_URL" in page and "set HUIKUAN_WECHAT_APP_ID, HUIKUAN_WECHAT_APP_SECRET" in page
    use_settings(monkeypatch, sandbox="1")
    page = login_client(app, "ada", locale="zh_CN").get("/admin/channels").text
    assert page.count("沙盒：不会交给任何服务商发送（HUIKUAN_SANDBOX）") == 4
    answer = login_client(app, "sue").get("/api/v1/admin/channels").json()
    states = {c["channel"]: c["state"] for c in answer["channels"]}
    assert states == {"sms": "sandbox", "email": "sandbox", "letter": "sandbox", "wechat": "sandbox"}


def test_an_administrator_marks_a_creditor_sandbox_by_page_api_or_command_line(
    app: FastAPI, floor: Floor, ada: Any, engine: Engine, db_env: str
) -> None:
    bank = int(
        floor.uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == "BANK")).scalar_one()
    )

    def sandbox() -> bool:
        with engine.connect() as conn:
            found = conn.execute(select(t.creditors.c.sandbox).where(t.creditors.c.id == bank)).scalar_one()
        return bool(found)

    api = login_client(app, "ada")
    put = api.put(
        f"/api/v1/admin/creditors/{bank}",
        json={"name": "某银行", "time_zone": "Asia/Shanghai", "sandbox": True},
    )
    assert put.status_code == 200 and put.json()["changed"] == ["sandbox"] and sandbox()
    api.refresh_csrf(f"/admin/creditors/{bank}")
    form = {"name": "某银行", "time_zone": "Asia/Shanghai", "retention_years": ""}
    assert api.post(f"/admin/creditors/{bank}", data=form).status_code < 400 and not sandbox()
    assert cli("creditor", "sandbox", "BANK", "--on").exit_code == 0 and sandbox()
    assert cli("creditor", "sandbox", "NOPE", "--on").exit_code != 0
    with engine.connect() as conn:
        details = [
            r.detail
            for r in conn.execute(select(t.audit_events).where(t.audit_events.c.action == "creditor.update"))
        ]
    assert [d["changed"] for d in details] == [["sandbox"]] * 3
    with pytest.raises(Forbidden):
        set_sandbox(floor.uow, floor.viewer("sue"), "BANK", False, MORNING)
