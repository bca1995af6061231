"""A change of the debtor's facts takes effect in the same transaction: queued messages the gate now
refuses are cancelled, today's plan row and the next action are asked about again, and the outbox asks the
gate again when a message is due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, insert, select, update
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, sms_provider, use_settings

from huikuan import config
from huikuan.services.clock import floor_today
from huikuan.services.fact_history import changing_facts
from huikuan.services.outbox import send
from huikuan.services.outbox_errors import describe_error
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

CHANGED = MORNING + timedelta(minutes=5)


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


def _queue(floor: Floor, channel: str = "sms") -> int:
    c = floor.cases[0]
    point = c.mobile_id if channel == "sms" else c.email_id
    return send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="reminder",
        channel=channel,
        contact_point_id=point,
        now=MORNING,
    )


def _set(uow: UnitOfWork, debtor_id: int, at: datetime = CHANGED, **values: object) -> None:
    """A change of the debtor's facts, made as every service makes it, uncommitted."""
    with changing_facts(uow, [debtor_id], user_id=None, reason="preferences.set", at=at):
        uow.session.execute(update(t.debtors).where(t.debtors.c.id == debtor_id).values(**values))


def _message(uow: UnitOfWork, message_id: int) -> Row[Any]:
    return uow.session.execute(select(t.messages).where(t.messages.c.id == message_id)).one()


def test_an_sms_queued_before_an_sms_opt_out_is_cancelled_in_the_same_transaction(floor: Floor) -> None:
    sms, email = _queue(floor, "sms"), _queue(floor, "email")
    _set(floor.uow, floor.cases[0].debtor_id, opt_out_channels=["sms"])
    # Not committed yet: the same transaction already sees the cancellation.
    cancelled = _message(floor.uow, sms)
    assert cancelled.status == "cancelled"
    assert cancelled.error == "cancelled when the debtor's facts changed: channel-opt-out"
    assert describe_error(cancelled.error, "zh_CN") != cancelled.error
    assert _message(floor.uow, email).status == "queued"  # the opt-out names SMS only
    event = floor.uow.session.execute(
        select(t.audit_events).where(t.audit_events.c.action == "message.cancelled")
    ).one()
    assert event.entity_id == sms and event.detail == {
        "case_id": floor.cases[0].id,
        "rule": "channel-opt-out",
    }
    floor.uow.rollback()
    assert _message(floor.uow, sms).status == "queued"  # undone with the change that caused it


def test_a_cancelled_sms_is_never_sent(floor: Floor, tmp_path: Path) -> None:
    sms = _queue(floor)
    _set(floor.uow, floor.cases[0].debtor_id, cease=True)
    floor.uow.commit()
    with sms_provider() as provider:
        counts = dispatch_due(floor.uow, CHANGED, settings=channel_settings(tmp_path, sms_url=provider.url))
    assert provider.received == [] and counts["sent"] == 0
    floor.uow.rollback()
    row = _message(floor.uow, sms)
    assert (row.status, row.error) == ("cancelled", "cancelled when the debtor's facts changed: cease")


def test_the_outbox_asks_the_gate_again_when_a_fact_changed_behind_its_back(
    floor: Floor, tmp_path: Path
) -> None:
    sms = _queue(floor)
    # A change made without changing_facts (a bypass): nothing cancels the message, the outbox still refuses.
    floor.uow.session.execute(
        update(t.debtors).where(t.debtors.c.id == floor.cases[0].debtor_id).values(opt_out_channels=["sms"])
    )
    floor.uow.commit()
    assert _message(floor.uow, sms).status == "queued"
    with sms_provider() as provider:
        counts = dispatch_due(floor.uow, CHANGED, settings=channel_settings(tmp_path, sms_url=provider.url))
    assert provider.received == [] and counts["refused"] == 1
    floor.uow.rollback()
    refused = _message(floor.uow, sms)
    assert (refused.status, refused.error) == ("refused", "contact hold since queued")
    assert describe_error(refused.error, "zh_CN") == "排队后客户已申请停止联系或提出异议，未发送"


def test_a_change_that_refuses_nothing_cancels_nothing(floor: Floor) -> None:
    sms = _queue(floor)
    _set(floor.uow, floor.cases[0].debtor_id, opt_out_channels=["email"])
    assert _message(floor.uow, sms).status == "queued"


def _plan_row(floor: Floor, action: str = "sms") -> int:
    c = floor.cases[0]
    return int(
        floor.uow.session.execute(
            insert(t.plan_rows)
            .values(
                plan_date=floor_today(MORNING),
                strategy="optimized",
                case_id=c.id,
                action=action,
                slot_start=MORNING + timedelta(hours=1),
                user_id=floor.users["alice"],
                expected_value=100,
                cost=1,
                reason={"strategy": "optimized", "removed": []},
                created_at=MORNING,
            )
            .returning(t.plan_rows.c.id)
        ).scalar_one()
    )


def test_todays_plan_row_becomes_none_with_the_rule_when_its_action_is_now_refused(floor: Floor) -> None:
    row_id = _plan_row(floor, "sms")
    floor.uow.commit()
    _set(floor.uow, floor.cases[0].debtor_id, opt_out_channels=["sms"])
    row = floor.uow.session.execute(select(t.plan_rows).where(t.plan_rows.c.id == row_id)).one()
    assert row.action == "none" and row.slot_start is None
    assert {"action": "sms", "rule": "channel-opt-out"} in row.reason["removed"]
    assert row.reason["regated"]["rule"] == "channel-opt-out"
    event = floor.uow.session.execute(
        select(t.audit_events).where(t.audit_events.c.action == "case.regated")
    ).one()
    assert event.detail["plan_row"] == row_id and event.detail["plan_rule"] == "channel-opt-out"


def test_a_plan_row_whose_action_is_still_allowed_is_left_as_it_was(floor: Floor) -> None:
    row_id = _plan_row(floor, "call")
    floor.uow.commit()
    _set(floor.uow, floor.cases[0].debtor_id, opt_out_channels=["sms"])
    row = floor.uow.session.execute(select(t.plan_rows).where(t.plan_rows.c.id == row_id)).one()
    assert row.action == "call" and row.slot_start is not None


def _next_action(floor: Floor, channel: str, due: datetime) -> None:
    floor.uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == floor.cases[0].id)
        .values(next_action_channel=channel, next_action_goal="follow_up", next_action_due_at=due)
    )
    floor.uow.commit()


def _case_next(floor: Floor) -> Row[Any, Any, Any]:
    c = t.cases.c
    return floor.uow.session.execute(
        select(c.next_action_channel, c.next_action_goal, c.next_action_due_at).where(
            c.id == floor.cases[0].id
        )
    ).one()


def test_a_next_action_the_facts_now_refuse_for_good_is_cleared(floor: Floor) -> None:
    _next_action(floor, "call", MORNING + timedelta(hours=2))
    _set(floor.uow, floor.cases[0].debtor_id, attorney=True)
    assert tuple(_case_next(floor)) == (None, None, None)


def test_a_next_action_inside_a_new_inconvenient_time_moves_to_when_the_gate_allows_it(floor: Floor) -> None:
    due = MORNING + timedelta(hours=2)  # 12:00 in Beijing
    creditor = floor.uow.session.execute(
        select(t.cases.c.creditor_id).where(t.cases.c.id == floor.cases[0].id)
    ).scalar_one()
    floor.uow.session.execute(  # the bank honours designated times (every pack will, issue 12)
        update(t.creditors)
        .where(t.creditors.c.id == creditor)
        .values(pack_overrides={"rules": {"designated-inconvenient-time": {"enabled": True}}})
    )
    _next_action(floor, "call", due)
    _set(floor.uow, floor.cases[0].debtor_id, inconvenient_times=[{"start": "11:00", "end": "14:00"}])
    after = _case_next(floor)
    assert after.next_action_channel == "call" and after.next_action_goal == "follow_up"
    assert after.next_action_due_at.astimezone(UTC) == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 14:00


def test_a_next_action_the_new_facts_allow_is_kept(floor: Floor) -> None:
    due = MORNING + timedelta(hours=2)
    _next_action(floor, "call", due)
    _set(floor.uow, floor.cases[0].debtor_id, opt_out_channels=["sms"])
    assert _case_next(floor).next_action_due_at.astimezone(UTC) == due


def test_the_queue_no_longer_puts_first_a_case_whose_planned_action_the_new_facts_refuse(
    floor: Floor,
) -> None:
    from huikuan.services.queue import my_work

    planned = floor.cases[1]
    floor.uow.session.execute(
        update(t.plan_rows).values(case_id=planned.id).where(t.plan_rows.c.id == _plan_row(floor))
    )
    floor.uow.commit()
    before = [item.case_id for item in my_work(floor.uow, floor.viewer("alice"), now=MORNING)]
    assert before[0] == planned.id  # today's plan comes first
    _set(floor.uow, planned.debtor_id, opt_out_channels=["sms"])
    after = [item.case_id for item in my_work(floor.uow, floor.viewer("alice"), now=CHANGED)]
    assert after[0] != planned.id and planned.id in after  # still workable, no longer planned first
