"""Messages pass the gate when queued, go out once from the outbox job, and bad input changes nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update
from tests.support.chicago import chicago_case
from tests.support.floor import MORNING, Floor
from tests.support.messaging import AGENCY_PHONE, channel_settings, sms_provider, use_settings
from tests.support.payments import pay

from huikuan import config
from huikuan.errors import ComplianceRefused, Forbidden, InvalidInput, NotFound
from huikuan.services.claims import take_case
from huikuan.services.contacts import record_contact
from huikuan.services.outbox import bulk_send, preview, send
from huikuan.services.outbox_choices import bulk_candidates, contact_points, template_choices
from huikuan.services.outbox_errors import describe_error
from huikuan.services.outbox_job import dispatch_due
from huikuan.services.outbox_list import outbox
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NIGHT = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 03:00 in Beijing
DISCLOSING = ("欠", "债", "催", "逾期", "12,000", "¥", "debt", "collect", "overdue")


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


def _messages(floor: Floor) -> list:
    floor.uow.rollback()
    return list(floor.uow.session.execute(select(t.messages).order_by(t.messages.c.id)).all())


def _sms(floor: Floor, user: str = "alice", case: int = 0, at: datetime = MORNING) -> int:
    c = floor.cases[case]
    return send(
        floor.uow,
        floor.viewer(user),
        c.id,
        template="reminder",
        channel="sms",
        contact_point_id=c.mobile_id,
        now=at,
    )


def test_a_reminder_sms_is_queued_through_the_gate_with_who_sent_it_and_in_which_language(
    floor: Floor,
) -> None:
    message_id = _sms(floor)
    (m,) = _messages(floor)
    assert m.id == message_id and m.status == "queued" and m.channel == "sms"
    assert m.decision_id and m.to == "+8613800000001"
    assert (m.user_id, m.contact_point_id, m.party_id, m.locale) == (
        floor.users["alice"],
        floor.cases[0].mobile_id,
        None,
        "zh_CN",
    )
    assert m.template == "reminder" and m.created_at == MORNING
    assert "测试债务人1您好" in m.body and AGENCY_PHONE in m.body and "C000001" in m.body


def test_an_sms_says_who_we_are_and_how_to_reach_us_but_nothing_about_a_debt(floor: Floor) -> None:
    for locale in ("zh_CN", "en"):
        _, body = preview(
            floor.uow,
            floor.viewer("alice"),
            floor.cases[0].id,
            template="reminder",
            channel="sms",
            locale=locale,
        )
        assert "某银行" in body and AGENCY_PHONE in body
        # The debtor's name is 测试债务人1 in the floor: look at the text around it only.
        text = body.replace("测试债务人1", "NAME")
        assert [w for w in DISCLOSING if w.lower() in text.lower()] == []


def test_an_email_reminder_states_the_balance_to_the_debtor(floor: Floor) -> None:
    subject, body = preview(
        floor.uow, floor.viewer("alice"), floor.cases[0].id, template="reminder", channel="email", now=MORNING
    )
    assert subject == "关于您在某银行的账户（编号 C000001）"
    assert "¥12,000.00" in body and "2026年11月20日" in body
    # Signed by the sender: the collector's name "alice" is not written in Chinese.
    assert "alice" not in body and "某银行\n电话：400-800-1234" in body
    _, english = preview(
        floor.uow, floor.viewer("alice"), floor.cases[0].id, template="reminder", channel="email", locale="en"
    )
    assert "CN¥12,000.00" in english and "on behalf of 某银行" in english


def test_an_arrangement_confirmation_lists_the_schedule(floor: Floor) -> None:
    c = floor.cases[0]
    s = floor.uow.session
    arrangement = s.execute(
        insert(t.arrangements)
        .values(case_id=c.id, kind="instalment", total_amount=1_200_000, currency="CNY", status="active")
        .returning(t.arrangements.c.id)
    ).scalar_one()
    for seq, (due, amount) in enumerate([(date(2026, 12, 1), 400_000), (date(2027, 1, 1), 800_000)], 1):
        s.execute(
            insert(t.instalments).values(arrangement_id=arrangement, seq=seq, due_date=due, amount=amount)
        )
    floor.uow.commit()
    _, body = preview(
        floor.uow, floor.viewer("alice"), c.id, template="arrangement_confirmation", channel="email"
    )
    assert "分 2 期" in body
    assert (
        "第 1 期：2026年12月1日 前还款 ¥4,000.00" in body and "第 2 期：2027年1月1日 前还款 ¥8,000.00" in body
    )


def test_a_night_sms_is_refused_nothing_is_queued_and_the_refusal_is_kept(floor: Floor) -> None:
    with pytest.raises(ComplianceRefused) as refused:
        _sms(floor, at=NIGHT)
    assert [v["rule"] for v in refused.value.decision["violations"]] == ["contact-hours"]
    assert _messages(floor) == []
    (audit,) = floor.uow.session.execute(
        select(t.audit_events).where(t.audit_events.c.action == "contact.refused")
    ).all()
    assert audit.entity_id == floor.cases[0].id and audit.detail["channel"] == "sms"


def test_bulk_send_reports_each_case_and_a_refusal_does_not_stop_the_others(floor: Floor) -> None:
    s = floor.uow.session
    refused, pointless = floor.cases[1], floor.cases[2]
    s.execute(update(t.debtors).where(t.debtors.c.id == refused.debtor_id).values(disputed=True))
    s.execute(
        update(t.contact_points)
        .where(t.contact_points.c.id == pointless.mobile_id)
        .values(status="disconnected")
    )
    floor.uow.commit()
    ids = [c.id for c in floor.cases]
    results = bulk_send(floor.uow, floor.viewer("sue"), ids, template="reminder", channel="sms", now=MORNING)
    assert [(r.case_id, r.outcome) for r in results] == [
        (ids[0], "queued"),
        (ids[1], "refused"),
        (ids[2], "no_contact_point"),
    ]
    assert results[0].message_id is not None and results[1].rules == ("dispute",)
    (m,) = _messages(floor)
    assert m.case_id == ids[0] and m.user_id == floor.users["sue"]
    (bulk,) = s.execute(select(t.audit_events).where(t.audit_events.c.action == "message.bulk")).all()
    assert bulk.user_id == floor.users["sue"]
    assert bulk.detail["counts"] == {"no_contact_point": 1, "queued": 1, "refused": 1}


def test_a_bulk_with_a_case_out_of_reach_sends_nothing(floor: Floor) -> None:
    other = floor.other_creditor_case
    assert other is not None
    with pytest.raises(NotFound):
        bulk_send(
            floor.uow,
            floor.viewer("alice"),
            [floor.cases[0].id, other.id],
            template="reminder",
            channel="sms",
            now=MORNING,
        )
    assert _messages(floor) == []


def test_the_bulk_form_offers_only_workable_cases_of_the_viewer(floor: Floor) -> None:
    floor.uow.session.execute(
        update(t.debtors).where(t.debtors.c.id == floor.cases[1].debtor_id).values(cease=True)
    )
    floor.uow.commit()
    shown = [c.case_id for c in bulk_candidates(floor.uow, floor.viewer("alice"))]
    assert shown == [floor.cases[0].id]  # her own: case 1 is bob's, the pool's case 2 nobody's until taken
    take_case(floor.uow, floor.viewer("alice"), floor.cases[2].id)
    shown = [c.case_id for c in bulk_candidates(floor.uow, floor.viewer("alice"))]
    assert shown == [floor.cases[0].id, floor.cases[2].id]
    shown = [c.case_id for c in bulk_candidates(floor.uow, floor.viewer("sue"))]
    assert floor.cases[1].id not in shown  # on hold, even for a supervisor
    choice = bulk_candidates(floor.uow, floor.viewer("alice"))[0]
    assert (choice.balance, choice.currency, choice.creditor_name) == (1_200_000, "CNY", "某银行")
    with pytest.raises(Forbidden):
        bulk_candidates(floor.uow, floor.viewer("vic"))


def test_a_message_queued_before_a_dispute_is_cancelled_and_not_sent(floor: Floor, tmp_path: Path) -> None:
    message_id = _sms(floor)
    record_contact(
        floor.uow,
        floor.cases[0].id,
        channel="call",
        outcome="disputes",
        at=MORNING + timedelta(minutes=5),
        contact_point_id=floor.cases[0].mobile_id,
    )
    with sms_provider() as provider:
        counts = dispatch_due(
            floor.uow,
            MORNING + timedelta(minutes=10),
            settings=channel_settings(tmp_path, sms_url=provider.url),
        )
    assert provider.received == []
    # The dispute cancelled it when it was recorded (services/fact_effects.py): the outbox never saw it.
    assert counts["sent"] == 0 and counts["refused"] == 0
    (m,) = _messages(floor)
    assert (m.id, m.status, m.error, m.claimed_until) == (
        message_id,
        "cancelled",
        "cancelled when the debtor's facts changed: dispute",
        None,
    )
    assert describe_error(m.error, "zh_CN") == "客户信息变更后已取消：dispute"


def test_an_unconfigured_channel_keeps_its_messages_queued(floor: Floor, tmp_path: Path) -> None:
    _sms(floor)
    counts = dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path))
    assert counts == {
        "sent": 0,
        "failed": 0,
        "retry": 0,
        "refused": 0,
        "postponed": 0,
        "waiting": 1,
        "deferred": 0,
    }
    (m,) = _messages(floor)
    assert m.status == "queued" and m.attempts == 0


def test_two_dispatchers_at_once_send_each_message_once(floor: Floor, engine: Engine, tmp_path: Path) -> None:
    sue = floor.viewer("sue")
    for c in floor.cases:
        send(
            floor.uow,
            sue,
            c.id,
            template="reminder",
            channel="sms",
            contact_point_id=c.mobile_id,
            now=MORNING,
        )
    counts: list[dict[str, int]] = []
    with sms_provider() as provider:
        settings = channel_settings(tmp_path, sms_url=provider.url, sms_token="secret")
        barrier = threading.Barrier(2)

        def run() -> None:
            with UnitOfWork(engine) as uow:
                barrier.wait()
                counts.append(dispatch_due(uow, MORNING + timedelta(minutes=1), settings=settings))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(p["reference"] for p in provider.received) == sorted(str(m.id) for m in _messages(floor))
    assert sum(c["sent"] for c in counts) == 3
    assert {m.status for m in _messages(floor)} == {"sent"}
    assert provider.headers[0]["Authorization"] == "Bearer secret"


def test_bad_input_gets_a_clear_error_and_changes_nothing(floor: Floor) -> None:
    alice, c = floor.viewer("alice"), floor.cases[0]
    other = floor.cases[1]
    attempts: list[tuple[type[Exception], dict[str, Any]]] = [
        (InvalidInput, {"template": "nonsense", "channel": "sms", "contact_point_id": c.mobile_id}),
        (InvalidInput, {"template": "reminder", "channel": "fax", "contact_point_id": c.mobile_id}),
        (InvalidInput, {"template": "reminder", "channel": "sms", "contact_point_id": other.mobile_id}),
        (InvalidInput, {"template": "reminder", "channel": "email", "contact_point_id": c.mobile_id}),
        (InvalidInput, {"template": "reminder", "channel": "sms", "contact_point_id": c.spouse_mobile_id}),
        (
            InvalidInput,
            {"template": "payment_confirmation", "channel": "sms", "contact_point_id": c.mobile_id},
        ),
        (
            InvalidInput,
            {"template": "arrangement_confirmation", "channel": "letter", "contact_point_id": c.address_id},
        ),
    ]
    for error, kwargs in attempts:
        with pytest.raises(error):
            send(floor.uow, alice, c.id, now=MORNING, **kwargs)
    with pytest.raises(NotFound) as unknown:
        send(floor.uow, alice, 999_999, template="reminder", channel="sms", contact_point_id=c.mobile_id)
    assert unknown.value.translated("zh_CN") == "没有您可查看的案件 999999"
    with pytest.raises(Forbidden):
        send(
            floor.uow,
            floor.viewer("vic"),
            c.id,
            template="reminder",
            channel="sms",
            contact_point_id=c.mobile_id,
        )
    with pytest.raises(InvalidInput) as empty:
        bulk_send(floor.uow, alice, [], template="reminder", channel="sms")
    assert empty.value.translated("zh_CN") == "请至少选择一个案件"
    assert _messages(floor) == []
    assert floor.uow.session.execute(select(func.count()).select_from(t.audit_events)).scalar_one() == 0


def test_the_error_of_another_debtors_contact_point_reads_in_chinese(floor: Floor) -> None:
    with pytest.raises(InvalidInput) as wrong:
        _sms_to(floor, floor.cases[1].mobile_id)
    assert wrong.value.translated("zh_CN") == f"联系方式 {floor.cases[1].mobile_id} 不属于本案件"


def _sms_to(floor: Floor, point: int) -> int:
    return send(
        floor.uow,
        floor.viewer("alice"),
        floor.cases[0].id,
        template="reminder",
        channel="sms",
        contact_point_id=point,
    )


def test_without_a_service_number_no_message_can_be_written(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, agency_phone="")
    with pytest.raises(InvalidInput, match="HUIKUAN_AGENCY_PHONE"):
        _sms(floor)
    assert _messages(floor) == []


def test_a_guarantor_may_get_a_letter_but_a_spouse_gets_no_message(floor: Floor) -> None:
    c = floor.cases[0]
    s = floor.uow.session
    point = s.execute(
        insert(t.contact_points)
        .values(
            debtor_id=c.debtor_id, party_id=c.guarantor_id, kind="address", value="上海市徐汇区漕溪北路88号"
        )
        .returning(t.contact_points.c.id)
    ).scalar_one()
    floor.uow.commit()
    choices = contact_points(floor.uow, floor.viewer("alice"), c.id, "letter")
    assert [(p.id, p.party_role) for p in choices] == [(c.address_id, "debtor"), (point, "guarantor")]
    assert contact_points(floor.uow, floor.viewer("alice"), c.id, "sms")[0].shown == "+86 138****0001"
    assert [p.id for p in contact_points(floor.uow, floor.viewer("alice"), c.id, "sms")] == [c.mobile_id]
    message_id = send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="demand",
        channel="letter",
        contact_point_id=point,
        now=MORNING,
    )
    (m,) = _messages(floor)
    assert m.id == message_id and m.party_id == c.guarantor_id and m.body.startswith("担保人1：")


def test_the_outbox_lists_the_viewers_messages_newest_first_with_recipients_masked(floor: Floor) -> None:
    first = _sms(floor)
    second = _sms(floor, user="bob", case=1)
    rows = outbox(floor.uow, floor.viewer("alice"))
    assert [r.id for r in rows] == [second, first]  # bob is on alice's team
    assert rows[1].to == "+86 138****0001" and rows[1].sender == "alice" and rows[1].status == "queued"
    assert outbox(floor.uow, floor.viewer("carol")) == []
    assert outbox(floor.uow, floor.viewer("alice"), status="sent") == []
    with pytest.raises(InvalidInput):
        outbox(floor.uow, floor.viewer("alice"), status="lost")


def test_a_case_with_nothing_open_still_gets_a_neutral_sms(floor: Floor) -> None:
    floor.uow.session.execute(
        update(t.accounts).where(t.accounts.c.case_id == floor.cases[0].id).values(status="paid", balance=0)
    )
    floor.uow.commit()
    _, body = preview(floor.uow, floor.viewer("alice"), floor.cases[0].id, template="reminder", channel="sms")
    assert AGENCY_PHONE in body


def test_a_message_that_waited_past_the_contact_hours_waits_for_the_morning(
    floor: Floor, tmp_path: Path
) -> None:
    message_id = _sms(floor)  # queued at 10:00 in Beijing, while the provider is not configured
    evening = datetime(2026, 11, 20, 13, 30, tzinfo=UTC)  # 21:30 in Beijing: no contact now
    with sms_provider() as provider:
        counts = dispatch_due(floor.uow, evening, settings=channel_settings(tmp_path, sms_url=provider.url))
        assert counts["postponed"] == 1 and provider.received == []
        (m,) = _messages(floor)
        assert (m.id, m.status, m.attempts) == (message_id, "queued", 0)
        morning = m.next_attempt_at
        assert morning == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
        assert (
            dispatch_due(floor.uow, morning, settings=channel_settings(tmp_path, sms_url=provider.url))[
                "sent"
            ]
            == 1
        )
        assert len(provider.received) == 1


def test_a_sent_message_counts_in_the_gates_history(floor: Floor, tmp_path: Path) -> None:
    from huikuan.services.gate_inputs import gate_history

    _sms(floor)
    with sms_provider() as provider:
        dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path, sms_url=provider.url))
    history = gate_history(floor.uow.session.connection(), [floor.cases[0].debtor_id])
    events = [e for events in history.values() for e in events]
    assert [(e.channel.value, e.outcome.value, e.at) for e in events] == [("sms", "delivered", MORNING)]


# --- which templates a case is offered, and which one first (issue 11, item 4) ----------------------------


def _offered(floor: Floor, case: int = 0) -> dict[str, tuple[tuple[str, ...], str]]:
    choices = template_choices(floor.uow, floor.viewer("alice"), floor.cases[case].id)
    return {channel: (c.templates, c.default) for channel, c in choices.items()}


def test_a_case_that_has_not_paid_is_offered_no_thanks_and_no_arrangement_confirmation(floor: Floor) -> None:
    assert _offered(floor) == {
        "sms": (("reminder",), "reminder"),
        "email": (("reminder",), "reminder"),
        "letter": (("demand",), "demand"),
        "wechat": (("reminder",), "reminder"),  # to a bound openid only (tests/integration/test_wechat.py)
    }
    # Every default can be written for the case as it stands.
    for channel, (_, default) in _offered(floor).items():
        preview(floor.uow, floor.viewer("alice"), floor.cases[0].id, template=default, channel=channel)


def test_the_default_follows_the_case_a_payment_to_thank_for_then_a_promise_then_an_arrangement(
    floor: Floor,
) -> None:
    c = floor.cases[0]
    pay(floor.uow, c.account_ids[0], 100_000, date(2026, 11, 18))
    assert _offered(floor)["sms"] == (("payment_confirmation", "reminder"), "payment_confirmation")
    send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="payment_confirmation",
        channel="sms",
        contact_point_id=c.mobile_id,
        now=MORNING,
    )
    assert _offered(floor)["sms"] == (("payment_confirmation", "reminder"), "reminder")  # thanked once
    s = floor.uow.session
    s.execute(
        insert(t.promises).values(
            case_id=c.id, amount=50_000, currency="CNY", due_date=date(2026, 11, 27), created_at=MORNING
        )
    )
    floor.uow.commit()
    assert _offered(floor)["sms"][1] == "promise_reminder"
    s.execute(
        insert(t.arrangements).values(
            case_id=c.id,
            kind="settlement",
            total_amount=900_000,
            currency="CNY",
            status="active",
            created_at=MORNING,
        )
    )
    floor.uow.commit()
    assert _offered(floor)["email"] == (("arrangement_confirmation", "reminder"), "arrangement_confirmation")
    assert _offered(floor)["letter"] == (("arrangement_confirmation", "demand"), "arrangement_confirmation")


def test_a_template_whose_facts_the_case_lacks_is_refused_in_the_readers_language(floor: Floor) -> None:
    c = floor.cases[0]
    for template, text in (
        ("payment_confirmation", f"案件 {c.id} 没有可确认的还款"),
        ("promise_reminder", f"案件 {c.id} 没有待履行的承诺可提醒"),
    ):
        with pytest.raises(InvalidInput) as refused:
            preview(floor.uow, floor.viewer("alice"), c.id, template=template, channel="sms")
        assert refused.value.translated("zh_CN") == text


# --- the debtor's language, signed by a name written in it (issue 11, item 5) ----------------------------


def test_an_english_sms_is_signed_by_the_agency_when_the_collectors_name_is_chinese(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, agency_name="Huikuan Services")
    c = floor.cases[0]
    s = floor.uow.session
    s.execute(update(t.users).where(t.users.c.id == floor.users["alice"]).values(display_name="王磊"))
    s.execute(update(t.debtors).where(t.debtors.c.id == c.debtor_id).values(name="Jane Roe", language="en"))
    floor.uow.commit()
    _sms(floor)
    (m,) = _messages(floor)
    assert m.locale == "en" and "王磊" not in m.body
    assert "Please call Huikuan Services on 400-800-1234" in m.body
    _, chinese = preview(
        floor.uow, floor.viewer("alice"), c.id, template="reminder", channel="sms", locale="zh_CN"
    )
    assert "联系王磊" in chinese


def test_a_chinese_letter_is_not_signed_with_a_latin_name(floor: Floor) -> None:
    floor.uow.session.execute(
        update(t.users).where(t.users.c.id == floor.users["alice"]).values(display_name="Alex Chen")
    )
    floor.uow.commit()
    _, body = preview(
        floor.uow, floor.viewer("alice"), floor.cases[0].id, template="demand", channel="letter"
    )
    assert "Alex Chen" not in body and "经办人" not in body and "某银行\n2026年" in body


def test_the_agency_signs_in_the_messages_language(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, agency_name="Huikuan Services", agency_name_zh="回款服务")
    case_id = floor.cases[0].id
    alice = floor.viewer("alice")
    _, chinese = preview(floor.uow, alice, case_id, template="demand", channel="letter", locale="zh_CN")
    _, english = preview(floor.uow, alice, case_id, template="demand", channel="letter", locale="en")
    assert "回款服务" in chinese and "Huikuan Services" not in chinese
    assert "Huikuan Services" in english and "回款服务" not in english


# --- what a US message must say (issue 11, item 14) ------------------------------------------------------


def test_a_us_sms_says_it_is_from_a_debt_collector_in_full_first_and_briefly_after(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, agency_name="Lakeside Services LLC")
    us = chicago_case(floor)
    afternoon = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)  # 14:00 in New York
    first = send(
        floor.uow,
        floor.viewer("alice"),
        us.id,
        template="reminder",
        channel="sms",
        contact_point_id=us.mobile_id,
        now=afternoon,
    )
    body = next(m.body for m in _messages(floor) if m.id == first)
    assert (
        "Lakeside Services LLC is a debt collector. We are trying to collect a debt that you owe to "
        "Acme Bank. We will use any information you give us to help collect the debt." in body
    )
    assert body.startswith("Lakeside Services LLC: ") and body.endswith("Reply STOP to opt out.")
    _, later = preview(
        floor.uow, floor.viewer("alice"), us.id, template="reminder", channel="sms", now=afternoon
    )
    assert "This communication is from a debt collector." in later and "trying to collect" not in later
