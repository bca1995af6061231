"""A provider's notification that a link was paid: through the HTTP endpoint, verified by its signature,
posted once as a payment (allocated, in the ledger, a pending promise kept), and nothing else changed by
a replay, a bad signature, an unknown order or the same notification arriving twice at once. The provider
is tests/support/fake_pay.py, registered as "fake"."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import Engine, func, insert, select
from tests.support.fake_pay import FakeProvider, install, notice
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.web import Browser, login_client

from huikuan.services.ledger import check_ledger
from huikuan.services.payment_links import NewLink, create_payment_link
from huikuan.services.payment_merchants import set_merchant
from huikuan.services.provider_notifications import take_notification
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.web.app import create_app

PAID_AT = MORNING + timedelta(hours=1)
NOTIFY = "/api/v1/payments/notify/fake"
# What taking a notification may write.
TOUCHED = (
    t.provider_events,
    t.payments,
    t.payment_allocations,
    t.ledger_entries,
    t.ledger_lines,
    t.audit_events,
)


@pytest.fixture
def fake(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    use_settings(monkeypatch, public_url="https://hk.example.test")
    provider = install(monkeypatch)
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": "1900000109"}, now=MORNING)
    return provider


def _link(floor: Floor, amount: int = 300_000) -> Any:
    return create_payment_link(
        floor.uow, floor.viewer("alice"), NewLink(floor.cases[0].id, "fake", amount=amount), now=MORNING
    )


def _count(floor: Floor, table: Any) -> int:
    floor.uow.rollback()  # a fresh look at what other connections committed
    return int(floor.uow.session.execute(select(func.count()).select_from(table)).scalar_one())


def _events(floor: Floor) -> list[tuple[str, str, int | None]]:
    floor.uow.rollback()
    pe = t.provider_events.c
    rows = floor.uow.session.execute(select(pe.event_id, pe.outcome, pe.payment_id).order_by(pe.id))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _take(floor: Floor, headers: dict[str, str], body: bytes) -> Any:
    return take_notification(floor.uow, "fake", headers, body, now=PAID_AT)


def test_a_link_paid_through_the_provider_posts_the_payment_keeps_the_promise_and_balances_the_ledger(
    floor: Floor, fake: FakeProvider, db_env: str, engine: Engine
) -> None:
    case = floor.cases[0]
    floor.uow.session.execute(
        insert(t.promises).values(
            case_id=case.id,
            amount=300_000,
            currency="CNY",
            due_date=MORNING.date() + timedelta(days=3),
            created_at=MORNING - timedelta(hours=1),
            status="pending",
        )
    )
    floor.uow.commit()
    with time_machine.travel(MORNING, tick=True):
        app = create_app(db_env)
        alice = login_client(app, "alice")
        made = alice.post(
            f"/api/v1/cases/{case.id}/payment-links", json={"provider": "fake", "amount": "3000.00"}
        )
        assert made.status_code == 201, made.text
        link = made.json()
        assert alice.get(link["qr_svg_url"]).headers["content-type"].startswith("image/svg+xml")
        headers, body = notice(link["out_trade_no"], 300_000, at=datetime.now(UTC))
        provider = Browser(app)  # the provider: no session, no CSRF token
        answer = provider.post(NOTIFY, content=body, headers=headers)
        assert (answer.status_code, answer.text) == (200, "success")

        listed = alice.get(f"/api/v1/cases/{case.id}/payment-links").json()
    (paid,) = listed["links"]
    assert (paid["status"], paid["payment_id"] is not None) == ("paid", True)
    payment = floor.uow.session.execute(select(t.payments)).one()
    assert (payment.amount, payment.provider, payment.method, payment.route, payment.source) == (
        300_000,
        "fake",
        "other",
        "creditor",
        "agency",
    )
    assert payment.external_ref == "fake:T-1" and payment.case_id == case.id
    allocated = floor.uow.session.execute(
        select(func.sum(t.payment_allocations.c.amount)).where(
            t.payment_allocations.c.payment_id == payment.id
        )
    ).scalar_one()
    assert allocated == 300_000
    balance = floor.uow.session.execute(
        select(func.sum(t.accounts.c.balance)).where(t.accounts.c.case_id == case.id)
    ).scalar_one()
    assert balance == 1_200_000 - 300_000
    assert floor.uow.session.execute(select(t.promises.c.status)).scalar_one() == "kept"
    assert _events(floor) == [("evt-1", "posted", payment.id)]
    report = check_ledger(floor.uow)
    assert report.ok, report.as_dict()


def test_a_replayed_notification_is_answered_as_before_and_changes_nothing(
    floor: Floor, fake: FakeProvider
) -> None:
    link = _link(floor)
    headers, body = notice(link.out_trade_no, 300_000, at=PAID_AT)
    assert _take(floor, headers, body).outcome == "posted"
    before = {table.name: _count(floor, table) for table in TOUCHED}
    again = _take(floor, headers, body)
    assert (again.outcome, again.answer.status, again.answer.body) == ("replay", 200, b"success")
    assert {table.name: _count(floor, table) for table in TOUCHED} == before
    assert before["payments"] == 1


def test_the_same_transaction_notified_under_another_event_id_is_not_posted_twice(
    floor: Floor, fake: FakeProvider
) -> None:
    link = _link(floor)
    first = _take(floor, *notice(link.out_trade_no, 300_000, at=PAID_AT, event_id="evt-1", txn="T-9"))
    second = _take(floor, *notice(link.out_trade_no, 300_000, at=PAID_AT, event_id="evt-2", txn="T-9"))
    assert (first.outcome, second.outcome) == ("posted", "duplicate")
    assert second.payment_id == first.payment_id
    assert _count(floor, t.payments) == 1


def test_a_notification_whose_signature_does_not_verify_is_refused_and_nothing_is_written(
    floor: Floor, fake: FakeProvider, db_env: str
) -> None:
    link = _link(floor)
    headers, body = notice(link.out_trade_no, 300_000, at=datetime.now(UTC), secret="someone-else")
    answer = Browser(create_app(db_env)).post(NOTIFY, content=body, headers=headers)
    assert (answer.status_code, answer.text) == (400, "fail")
    assert _count(floor, t.provider_events) == 0 and _count(floor, t.payments) == 0
    # Tampered: the signature of another body.
    headers, _ = notice(link.out_trade_no, 1, at=PAID_AT)
    _, body = notice(link.out_trade_no, 300_000, at=PAID_AT)
    assert _take(floor, headers, body).answer.status == 400
    assert _count(floor, t.provider_events) == 0 and _count(floor, t.payments) == 0


def test_a_notification_for_an_unknown_order_is_recorded_and_posts_nothing(
    floor: Floor, fake: FakeProvider
) -> None:
    taken = _take(floor, *notice("HK000000000000000000000000", 300_000, at=PAID_AT))
    assert (taken.outcome, taken.answer.body) == ("unknown_order", b"success")
    assert _events(floor) == [("evt-1", "unknown_order", None)]
    assert _count(floor, t.payments) == 0
    audited = floor.uow.session.execute(
        select(t.audit_events.c.detail).where(t.audit_events.c.action == "payment_notification.unknown_order")
    ).scalar_one()
    assert audited["out_trade_no"] == "HK000000000000000000000000"


def test_the_amount_actually_paid_is_posted_when_it_differs_from_the_link(
    floor: Floor, fake: FakeProvider
) -> None:
    link = _link(floor, 300_000)
    taken = _take(floor, *notice(link.out_trade_no, 250_000, at=PAID_AT))
    assert taken.outcome == "amount_differs"
    assert floor.uow.session.execute(select(t.payments.c.amount)).scalar_one() == 250_000


def test_a_notification_that_is_not_a_payment_is_recorded_and_acknowledged(
    floor: Floor, fake: FakeProvider
) -> None:
    link = _link(floor)
    taken = _take(floor, *notice(link.out_trade_no, 300_000, at=PAID_AT, kind="refund"))
    assert (taken.outcome, taken.answer.status) == ("ignored", 200)
    assert _events(floor) == [("evt-1", "ignored", None)] and _count(floor, t.payments) == 0


def test_a_payment_in_another_currency_is_recorded_for_a_person_and_not_posted(
    floor: Floor, fake: FakeProvider
) -> None:
    link = _link(floor)
    taken = _take(floor, *notice(link.out_trade_no, 300_000, at=PAID_AT, currency="USD"))
    assert (taken.outcome, taken.answer.status) == ("not_posted", 200)
    assert _count(floor, t.payments) == 0


def test_a_provider_that_is_not_configured_is_not_found(
    floor: Floor, fake: FakeProvider, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Browser(create_app(db_env))
    assert client.post("/api/v1/payments/notify/alipay", content=b"{}").status_code == 404
    monkeypatch.delenv("FAKE_PAY_SECRET")
    assert client.post(NOTIFY, content=b"{}").status_code == 404


def test_the_same_notification_arriving_twice_at_once_posts_one_payment(
    floor: Floor, fake: FakeProvider, engine: Engine
) -> None:
    link = _link(floor)
    headers, body = notice(link.out_trade_no, 300_000, at=PAID_AT)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def deliver() -> None:
        with UnitOfWork(engine, immediate=True) as uow:
            start.wait()
            taken = take_notification(uow, "fake", headers, body, now=PAID_AT)
            assert taken.answer.body == b"success"
            outcomes.append(taken.outcome)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["posted", "replay"]
    assert _count(floor, t.payments) == 1 and _count(floor, t.provider_events) == 1
    assert check_ledger(floor.uow).ok


def test_a_link_paid_twice_posts_both_payments_and_keeps_the_first(floor: Floor, fake: FakeProvider) -> None:
    """The money was received twice: both are posted (what the debts do not take is held), the link
    names the first."""
    link = _link(floor)
    first = _take(floor, *notice(link.out_trade_no, 300_000, at=PAID_AT, event_id="evt-1", txn="T-1"))
    second = _take(floor, *notice(link.out_trade_no, 300_000, at=PAID_AT, event_id="evt-2", txn="T-2"))
    assert (first.outcome, second.outcome) == ("posted", "posted")
    assert _count(floor, t.payments) == 2
    assert floor.uow.session.execute(select(t.payment_links.c.payment_id)).scalar_one() == first.payment_id
