"""A small placed-and-collected history on the floor (tests/support/floor.py) for the creditor's portal:
placement days, payments that stand and one reversed, promises pending, due soon and broken, disputes and
complaints open and closed, contacts and messages, for the bank and (never to be seen by its viewer) the
shop. The shop's figures are odd on purpose (77,777.77, 999.99) so that a page showing them is caught."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, update
from tests.support.floor import MORNING, TODAY, Floor

from huikuan.storage import tables as t

SHOP_COLLECTED = 7_777_777
SHOP_PROMISED = 99_999


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def seed_portal(floor: Floor) -> None:
    s = floor.uow.session
    a1, b1, c1 = floor.cases
    shop = floor.other_creditor_case
    assert shop is not None
    bank_id = s.execute(t.cases.select().where(t.cases.c.id == a1.id)).one().creditor_id
    shop_id = s.execute(t.cases.select().where(t.cases.c.id == shop.id)).one().creditor_id
    placed = {
        a1.id: date(2026, 8, 3),
        b1.id: date(2026, 9, 10),
        c1.id: date(2026, 9, 20),
        shop.id: date(2026, 8, 5),
    }
    for case_id, day in placed.items():
        s.execute(update(t.accounts).where(t.accounts.c.case_id == case_id).values(placed_on=day))
    s.execute(update(t.accounts).where(t.accounts.c.id == c1.account_ids[1]).values(status="paid", balance=0))
    payments = [
        (bank_id, a1, 0, 100_000, date(2026, 8, 20), "posted"),
        (bank_id, a1, 0, 50_000, date(2026, 10, 2), "posted"),
        (bank_id, a1, 1, 30_000, date(2026, 9, 15), "reversed"),
        (bank_id, b1, 0, 25_000, date(2026, 11, 2), "posted"),
        (bank_id, c1, 1, 40_000, date(2026, 9, 25), "posted"),
        (shop_id, shop, 0, SHOP_COLLECTED, date(2026, 8, 25), "posted"),
    ]
    for n, (creditor_id, case, k, amount, day, status) in enumerate(payments):
        s.execute(
            insert(t.payments).values(
                creditor_id=creditor_id,
                external_ref=f"PAY-{n}",
                account_id=case.account_ids[k],
                case_id=case.id,
                amount=amount,
                currency="CNY",
                paid_at=_at(day),
                source="agency",
                route="trust",
                status=status,
            )
        )
    promises = [
        (a1.id, 10_000, 0, TODAY + timedelta(days=2), "pending"),
        (b1.id, 20_000, 5_000, TODAY + timedelta(days=10), "pending"),
        (b1.id, 30_000, 0, date(2026, 11, 5), "broken"),
        (c1.id, 40_000, 0, date(2026, 10, 28), "broken"),  # last month's
        (c1.id, 8_000, 8_000, date(2026, 11, 3), "kept"),
        (shop.id, SHOP_PROMISED, 0, TODAY + timedelta(days=1), "pending"),
        (shop.id, SHOP_PROMISED, 0, date(2026, 11, 2), "broken"),
    ]
    for case_id, amount, paid, due, status in promises:
        s.execute(
            insert(t.promises).values(
                case_id=case_id,
                amount=amount,
                currency="CNY",
                due_date=due,
                created_at=MORNING - timedelta(days=30),
                status=status,
                paid_amount=paid,
            )
        )
    for case, status in ((a1, "open"), (b1, "resolved"), (shop, "open"), (shop, "verification_requested")):
        s.execute(
            insert(t.disputes).values(
                debtor_id=case.debtor_id,
                case_id=case.id,
                via="contact",
                status=status,
                stops_collection=False,
                opened_at=MORNING - timedelta(days=5),
            )
        )
    for case, status in ((c1, "received"), (a1, "closed"), (shop, "acknowledged")):
        s.execute(
            insert(t.complaints).values(
                debtor_id=case.debtor_id,
                case_id=case.id,
                channel="call",
                category="conduct",
                status=status,
                due_on=TODAY + timedelta(days=10),
                received_at=MORNING - timedelta(days=4),
            )
        )
    for case, at, channel, outcome in (
        (a1, MORNING - timedelta(days=1), "call", "no_answer"),
        (b1, MORNING - timedelta(days=3), "call", "promise"),
        (b1, MORNING - timedelta(days=9), "sms", "delivered"),
    ):
        s.execute(
            insert(t.interactions).values(
                case_id=case.id,
                debtor_id=case.debtor_id,
                at=at,
                channel=channel,
                direction="out",
                outcome=outcome,
            )
        )
    s.execute(
        insert(t.messages).values(
            case_id=a1.id,
            channel="sms",
            to="+8613800000001",
            body="…",
            status="delivered",
            created_at=MORNING - timedelta(hours=3),
            sent_at=MORNING - timedelta(hours=2),
        )
    )
    floor.uow.commit()
