"""What a payment posted or reversed does beyond the ledger: the paid-in-full letter; and every reader of
payments treating a reversed one as never paid (the timeline shows it reversed, with the reversal)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.payments import beijing

from huikuan.services.assessment import planner_estimate
from huikuan.services.case_timeline import case_timeline
from huikuan.services.instalment_job import check_instalments
from huikuan.services.message_facts import case_state, payment
from huikuan.services.negotiation import open_negotiation, propose_arrangement
from huikuan.services.payment_reversal import reverse_payment
from huikuan.services.payments import Posted, PostPayment, post_payment
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

BEIJING = ZoneInfo("Asia/Shanghai")


def _post(uow: UnitOfWork, case_id: int, amount: int, ref: str, at: datetime = MORNING) -> Posted:
    return post_payment(uow, None, PostPayment(case_id, amount, "bank_transfer", ref, paid_at=at), now=at)


def _reverse(uow: UnitOfWork, payment_id: int, at: datetime = MORNING) -> None:
    reverse_payment(uow, None, payment_id, kind="bounced", reason="R01", now=at + timedelta(hours=1))


def _audit(uow: UnitOfWork, action: str) -> list[dict[str, object]]:
    au = t.audit_events.c
    return list(uow.session.execute(select(au.detail).where(au.action == action)).scalars())


# --- paid in full


def test_paying_off_the_last_open_account_queues_the_paid_in_full_letter(floor: Floor, letters: Path) -> None:
    uow, case = floor.uow, floor.cases[2]  # owes 800.00 over two accounts
    posted = _post(uow, case.id, 80_000, "FULL-1")
    assert set(posted.paid_off) == set(case.account_ids)
    m = t.messages.c
    letter = uow.session.execute(
        select(m.id, m.channel, m.status, m.body, m.contact_point_id).where(m.template == "paid_in_full")
    ).one()
    assert (letter.channel, letter.status, letter.contact_point_id) == ("letter", "queued", case.address_id)
    assert "全部还清" in letter.body and "800.00" in letter.body  # the debtor reads Chinese
    assert _audit(uow, "payment.paid_in_full_letter") == [{"message_id": letter.id}]


def test_a_payment_that_leaves_an_account_open_sends_no_letter(floor: Floor, letters: Path) -> None:
    uow, case = floor.uow, floor.cases[2]
    posted = _post(uow, case.id, 40_000, "HALF-1")
    assert len(posted.paid_off) == 1
    m = t.messages.c
    assert uow.session.execute(select(m.id).where(m.template == "paid_in_full")).first() is None


def test_when_the_letter_cannot_be_sent_the_case_records_why_it_is_still_due(
    floor: Floor, letters: Path
) -> None:
    uow, case = floor.uow, floor.cases[2]
    cp = t.contact_points.c
    uow.session.execute(update(t.contact_points).where(cp.id == case.address_id).values(status="wrong_party"))
    _post(uow, case.id, 80_000, "FULL-2")
    m = t.messages.c
    assert uow.session.execute(select(m.id).where(m.template == "paid_in_full")).first() is None
    assert _audit(uow, "payment.paid_in_full_letter_due") == [{"why": "no_address"}]


# --- readers of payments


def test_the_timeline_shows_a_reversed_payment_as_reversed_and_the_reversal_with_its_reason(
    floor: Floor,
) -> None:
    uow, case = floor.uow, floor.cases[0]
    posted = _post(uow, case.id, 50_000, "TL-1")
    _reverse(uow, posted.payment_id)
    alice = floor.viewer("alice")
    view = case_timeline(uow, alice, case.id, locale="en", kinds=["payment"])
    by_kind = {item.kind: item for item in view}
    assert by_kind["payment"].status == "reversed" and "reversed" in by_kind["payment"].label
    reversal = by_kind["reversal"]
    assert (reversal.detail, reversal.reason, reversal.amount) == ("Bounced", "R01", -50_000)
    zh = case_timeline(uow, alice, case.id, locale="zh_CN", kinds=["payment"])
    assert {item.detail for item in zh if item.kind == "reversal"} == {"退票/转账被退回"}


def test_a_reversed_payment_is_neither_confirmed_nor_counted_by_the_planners_estimate(floor: Floor) -> None:
    uow, case = floor.uow, floor.cases[0]
    before = planner_estimate(uow, case.id, today=TODAY)
    posted = _post(uow, case.id, 50_000, "EST-1")
    paid = planner_estimate(uow, case.id, today=TODAY)
    assert case_state(uow, case.id, "cn").payment_unthanked
    assert payment(uow, case.id, BEIJING, "en") is not None
    _reverse(uow, posted.payment_id)
    assert planner_estimate(uow, case.id, today=TODAY) == before != paid
    state = case_state(uow, case.id, "cn")
    assert not state.payment and not state.payment_unthanked
    assert payment(uow, case.id, BEIJING, "en") is None


def test_a_reversed_payment_does_not_restart_limitation(floor: Floor) -> None:
    uow, case = floor.uow, floor.cases[0]
    account = case.account_ids[1]

    def limitation() -> tuple[date | None, date | None]:
        a = t.accounts.c
        row = uow.session.execute(select(a.limitation_date, a.last_payment_date).where(a.id == account)).one()
        return row.limitation_date, row.last_payment_date

    from huikuan.services import notices

    notices.refresh_case(uow.session.connection(), case.id)
    uow.commit()
    placed = limitation()
    posted = _post(uow, case.id, 1_000_000, "LIM-1")  # pays account 0 and part of account 1
    paid = limitation()
    assert paid[1] == TODAY and paid[0] is not None and (placed[0] is None or paid[0] > placed[0])
    _reverse(uow, posted.payment_id)
    assert limitation() == placed


def test_an_instalment_paid_by_a_payment_reversed_since_is_pending_again_then_missed(floor: Floor) -> None:
    uow, case = floor.uow, floor.cases[0]
    open_negotiation(uow, floor.viewer("alice"), case.id, reason="cannot_pay", now=MORNING)
    plan = propose_arrangement(
        uow,
        floor.viewer("alice"),
        case.id,
        kind="instalment",
        total="12000",
        instalments=3,
        first_due=date(2026, 11, 25),
        every_days=30,
        now=MORNING,
    )
    posted = _post(uow, case.id, 400_000, "INST-1", at=beijing(date(2026, 11, 24)))
    assert check_instalments(uow, beijing(date(2026, 11, 24), 12))["paid"] == 1
    _reverse(uow, posted.payment_id, at=beijing(date(2026, 11, 24), 12))
    check_instalments(uow, beijing(date(2026, 11, 26)))
    assert _instalments(uow, plan.id) == [(1, "pending", 0), (2, "pending", 0), (3, "pending", 0)]
    counts = check_instalments(uow, beijing(date(2026, 11, 29)))
    assert (counts["missed"], counts["broken"]) == (1, 1)
    assert _instalments(uow, plan.id)[0] == (1, "missed", 0)


def _instalments(uow: UnitOfWork, arrangement_id: int) -> list[tuple[int, str, int]]:
    i = t.instalments.c
    rows = uow.session.execute(
        select(i.seq, i.status, i.paid_amount).where(i.arrangement_id == arrangement_id).order_by(i.seq)
    ).all()
    return [tuple(r) for r in rows]
