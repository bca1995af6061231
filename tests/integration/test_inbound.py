"""Replies come back: an opt-out keyword stops the channel for every debtor with that number in the same
request and is confirmed once; other replies reach the case timeline and the collector's queue; a bounce
marks the point; unknown senders and replays change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from tests.support.factories import cli
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, sms_provider, use_settings

from huikuan import config
from huikuan.channels.inbound import Inbound
from huikuan.domain.enums import ContactKind, ContactStatus
from huikuan.errors import InvalidInput
from huikuan.services.case_timeline import case_timeline
from huikuan.services.contacts import check_contact
from huikuan.services.inbound import mark_bounce, receive
from huikuan.services.outbox_job import dispatch_due
from huikuan.services.queue import my_work
from huikuan.storage import tables as t

SHARED = "+8613800000001"  # case 0's debtor's own mobile; the tests give it to case 1's debtor too
RECEIVED = MORNING - timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch, agency_name="Huikuan Agency", agency_name_zh="汇款催收")
    yield
    config.get_settings.cache_clear()


def sms(text: str, sender: str = SHARED, ref: str | None = "m-1") -> Inbound:
    return Inbound("sms", sender, "10690000", text, RECEIVED, "http", ref)


def share_number(floor: Floor, value: str = SHARED) -> None:
    """Case 1's debtor has case 0's debtor's mobile too (a household's one phone)."""
    floor.uow.session.execute(
        insert(t.contact_points).values(
            debtor_id=floor.cases[1].debtor_id, kind=ContactKind.MOBILE.value, value=value, status="valid"
        )
    )
    floor.uow.commit()


def confirmations(floor: Floor) -> list:
    floor.uow.rollback()
    m = t.messages.c
    return list(floor.uow.session.execute(select(t.messages).where(m.template == "opt_out_confirmation")))


def test_a_td_reply_stops_sms_to_every_debtor_with_that_number_in_the_same_request(floor: Floor) -> None:
    share_number(floor)
    for case in floor.cases[:2]:
        assert check_contact(floor.uow, case.id, channel="sms", at=MORNING).allowed
    floor.uow.rollback()
    result = receive(floor.uow, sms("TD"), now=MORNING)
    assert result.outcome == "opt_out" and result.opted_out == ("sms",)
    assert set(result.debtor_ids) == {floor.cases[0].debtor_id, floor.cases[1].debtor_id}
    for case in floor.cases[:2]:
        verdict = check_contact(floor.uow, case.id, channel="sms", at=MORNING)
        assert not verdict.allowed and verdict.refused_by == ("channel-opt-out",)
        # Only SMS: the same debtors may still be called.
        assert check_contact(floor.uow, case.id, channel="call", at=MORNING).allowed
    # Case 2's debtor has another number: untouched.
    assert check_contact(floor.uow, floor.cases[2].id, channel="sms", at=MORNING).allowed


def test_after_a_td_the_command_line_check_refuses_sms_and_says_why(floor: Floor, db_env: str) -> None:
    receive(floor.uow, sms("退订"), now=MORNING)
    answer = cli("contact", "check", str(floor.cases[0].id), "--channel", "sms", "--at", MORNING.isoformat())
    assert answer.exit_code == 1 and "channel-opt-out" in answer.stdout


def test_an_sms_queued_before_the_opt_out_is_cancelled(floor: Floor) -> None:
    from huikuan.services.outbox import send

    case = floor.cases[0]
    queued = send(
        floor.uow,
        floor.viewer("alice"),
        case.id,
        template="reminder",
        channel="sms",
        contact_point_id=case.mobile_id,
        now=MORNING,
    )
    receive(floor.uow, sms("STOP"), now=MORNING)
    floor.uow.rollback()
    status = floor.uow.session.execute(select(t.messages.c.status).where(t.messages.c.id == queued))
    assert status.scalar_one() == "cancelled"


def test_the_opt_out_is_confirmed_once_in_the_debtors_language_and_goes_out_despite_it(
    floor: Floor, tmp_path: Path
) -> None:
    share_number(floor)
    first = receive(floor.uow, sms("TD", ref="m-1"), now=MORNING)
    again = receive(floor.uow, sms("td", ref="m-2"), now=MORNING + timedelta(minutes=5))
    assert first.confirmation_id is not None and again.confirmation_id is None
    (confirmation,) = confirmations(floor)
    assert confirmation.to == SHARED and confirmation.locale == "zh_CN"
    assert confirmation.body == "【汇款催收】您已退订，将不再收到汇款催收的短信。"
    with sms_provider() as provider:
        settings = channel_settings(tmp_path, sms_url=provider.url, sms_token="secret")
        counts = dispatch_due(floor.uow, MORNING + timedelta(minutes=6), settings=settings)
    assert counts["sent"] == 1
    assert [p["to"] for p in provider.received] == [SHARED]
    (sent,) = confirmations(floor)
    assert sent.status == "sent"


def test_an_english_debtor_is_confirmed_in_english(floor: Floor) -> None:
    floor.uow.session.execute(
        update(t.debtors).where(t.debtors.c.id == floor.cases[0].debtor_id).values(language="en")
    )
    floor.uow.commit()
    receive(floor.uow, sms("ＳＴＯＰ"), now=MORNING)  # full-width letters, as a Chinese keyboard types them
    (confirmation,) = confirmations(floor)
    assert confirmation.body == "You will receive no more text messages from Huikuan Agency."


@pytest.mark.parametrize("text", ["TD", " td ", "ＴＤ", "退订。", "Stop!", "UNSUBSCRIBE", "取消", "t", "N"])
def test_the_opt_out_keywords_match_the_whole_reply_whatever_case_width_or_trailing_mark(
    floor: Floor, text: str
) -> None:
    assert receive(floor.uow, sms(text), now=MORNING).outcome == "opt_out"


@pytest.mark.parametrize("text", ["TD please call me tomorrow", "I will not stop paying", "我下周还款"])
def test_a_reply_that_says_more_than_a_keyword_is_a_reply(floor: Floor, text: str) -> None:
    assert receive(floor.uow, sms(text), now=MORNING).outcome == "reply"
    assert check_contact(floor.uow, floor.cases[0].id, channel="sms", at=MORNING).allowed


def test_a_reply_lands_on_the_timeline_and_puts_each_case_of_the_number_in_its_queue(floor: Floor) -> None:
    share_number(floor)
    c = t.cases.c
    later = MORNING + timedelta(days=7)
    floor.uow.session.execute(update(t.cases).values(next_action_channel="call", next_action_due_at=later))
    floor.uow.commit()
    result = receive(floor.uow, sms("我下周一还5000"), now=MORNING)
    assert result.outcome == "reply" and set(result.case_ids) == {floor.cases[0].id, floor.cases[1].id}
    floor.uow.rollback()
    i = t.interactions.c
    rows = floor.uow.session.execute(
        select(i.case_id, i.channel, i.direction, i.notes, i.user_id).order_by(i.case_id)
    ).all()
    assert [tuple(r) for r in rows] == [
        (floor.cases[0].id, "sms", "inbound", "我下周一还5000", None),
        (floor.cases[1].id, "sms", "inbound", "我下周一还5000", None),
    ]
    items = case_timeline(floor.uow, floor.viewer("alice"), floor.cases[0].id, locale="en")
    (entry,) = [x for x in items if x.kind == "interaction"]
    assert entry.note == "我下周一还5000" and entry.by == "the debtor" and "inbound" in entry.detail
    work = {w.case_id: w for w in my_work(floor.uow, floor.viewer("alice"), now=MORNING)}
    assert work[floor.cases[0].id].next_action_goal == "answer_reply" and work[floor.cases[0].id].due_now
    bob = {w.case_id: w for w in my_work(floor.uow, floor.viewer("bob"), now=MORNING)}
    assert bob[floor.cases[1].id].next_action_channel == "sms"
    # Case 2 is not this number's: its next action stays a week away.
    due = floor.uow.session.execute(select(c.next_action_due_at).where(c.id == floor.cases[2].id))
    assert due.scalar_one() == later


def test_a_replayed_callback_changes_nothing(floor: Floor) -> None:
    first = receive(floor.uow, sms("hello", ref="prov-7"), now=MORNING)
    again = receive(floor.uow, sms("hello", ref="prov-7"), now=MORNING + timedelta(minutes=1))
    assert again.replay and again.inbound_id == first.inbound_id and again.case_ids == first.case_ids
    floor.uow.rollback()
    assert len(floor.uow.session.execute(select(t.interactions.c.id)).all()) == 1
    assert len(floor.uow.session.execute(select(t.inbound_messages.c.id)).all()) == 1


def test_an_unknown_sender_is_kept_and_audited_and_nothing_else_happens(floor: Floor) -> None:
    result = receive(floor.uow, sms("TD", sender="+8613912345678"), now=MORNING)
    assert result.outcome == "unknown" and result.debtor_ids == () and result.confirmation_id is None
    floor.uow.rollback()
    kept = floor.uow.session.execute(select(t.inbound_messages)).one()
    assert (kept.sender, kept.outcome, kept.text) == ("+8613912345678", "unknown", "TD")
    a = t.audit_events.c
    actions = floor.uow.session.execute(select(a.action).where(a.entity == "inbound_message")).scalars()
    assert list(actions) == ["inbound.unknown"]
    assert confirmations(floor) == []


def test_a_bare_chinese_number_is_read_as_plus_86(floor: Floor) -> None:
    assert receive(floor.uow, sms("TD", sender="13800000001"), now=MORNING).outcome == "opt_out"


def test_a_stop_by_email_opts_out_of_email_only_and_quoted_text_is_ignored(floor: Floor) -> None:
    reply = Inbound(
        "email",
        "Debtor One <Debtor1@Example.com>",
        "notices@agency.example",
        "unsubscribe\n\nOn Mon, 20 Nov 2026, Agency wrote:\n> Your balance ...",
        RECEIVED,
        "email",
        "<r1@example.com>",
        subject="Re: Payment reminder",
    )
    assert receive(floor.uow, reply, now=MORNING).opted_out == ("email",)
    case = floor.cases[0].id
    assert check_contact(floor.uow, case, channel="email", at=MORNING).refused_by == ("channel-opt-out",)
    assert check_contact(floor.uow, case, channel="sms", at=MORNING).allowed
    (confirmation,) = confirmations(floor)
    assert confirmation.channel == "email" and confirmation.subject == "已退订"


def test_a_related_partys_td_stops_that_number_not_the_debtors_sms(floor: Floor) -> None:
    case = floor.cases[0]
    spouse_number = floor.uow.session.execute(
        select(t.contact_points.c.value).where(t.contact_points.c.id == case.spouse_mobile_id)
    ).scalar_one()
    receive(floor.uow, sms("TD", sender=spouse_number), now=MORNING)
    floor.uow.rollback()
    status = floor.uow.session.execute(
        select(t.contact_points.c.status).where(t.contact_points.c.id == case.spouse_mobile_id)
    ).scalar_one()
    assert status == ContactStatus.DO_NOT_CONTACT
    assert check_contact(floor.uow, case.id, channel="sms", at=MORNING).allowed


def test_a_bounce_marks_every_point_with_that_address_and_the_outbox_stops_using_it(floor: Floor) -> None:
    case = floor.cases[0]
    done = mark_bounce(floor.uow, "email", "DEBTOR1@example.com", reason="bounced", now=MORNING)
    assert done.point_ids == (case.email_id,) and done.debtor_ids == (case.debtor_id,)
    floor.uow.rollback()
    cp = t.contact_points.c
    row = floor.uow.session.execute(
        select(cp.status, cp.status_reason, cp.status_at).where(cp.id == case.email_id)
    ).one()
    assert tuple(row) == ("disconnected", "bounced", MORNING)
    with pytest.raises(InvalidInput, match="disconnected"):
        check_contact(floor.uow, case.id, channel="email", at=MORNING, contact_point_id=case.email_id)
    # A second report of the same bounce marks nothing new.
    assert (
        mark_bounce(floor.uow, "email", "debtor1@example.com", reason="bounced", now=MORNING).point_ids == ()
    )


def test_an_invalid_number_marks_the_number_for_every_debtor_who_has_it(floor: Floor) -> None:
    share_number(floor)
    done = mark_bounce(floor.uow, "sms", SHARED, reason="invalid", now=MORNING)
    assert set(done.debtor_ids) == {floor.cases[0].debtor_id, floor.cases[1].debtor_id}
    assert len(done.point_ids) == 2


def test_an_unknown_bounce_reason_or_channel_is_refused(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="reason"):
        mark_bounce(floor.uow, "email", "a@example.com", reason="lost", now=MORNING)
    with pytest.raises(InvalidInput, match="channel"):
        receive(floor.uow, Inbound("fax", "x", "y", "TD", RECEIVED, "http"), now=MORNING)


def test_anonymising_the_debtor_erases_the_replies_from_its_numbers(floor: Floor) -> None:
    from huikuan.services.anonymise import anonymise

    receive(floor.uow, sms("我下周还款"), now=MORNING)
    receive(floor.uow, sms("hello", sender="+8613912345678", ref="m-2"), now=MORNING)
    anonymise(floor.uow, [floor.cases[0].debtor_id], MORNING, trigger="erasure")
    floor.uow.commit()
    im = t.inbound_messages.c
    rows = floor.uow.session.execute(select(im.sender, im.text).order_by(im.id)).all()
    assert [tuple(r) for r in rows] == [("", ""), ("+8613912345678", "hello")]
