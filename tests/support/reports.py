"""The reports' tests: a small portfolio of two months on the floor (tests/support/floor.py) with calls,
messages, promises, payments, a reversal, an account paid off, a dispute, a complaint, plan rows and a
gate refusal; and each measure recomputed straight from the raw tables, by plain Python over the rows,
without the reports' code, for the API's answers to be checked against.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session
from tests.support.floor import Floor
from tests.support.ledger import open_journal

from huikuan.services.payment_reversal import reverse_payment
from huikuan.services.payments import PostPayment, post_payment
from huikuan.storage import tables as t
from huikuan.storage.audit import record

ZONE = ZoneInfo("Asia/Shanghai")  # the floor's zone (settings.time_zone)
PLACED = date(2026, 8, 3)
OCTOBER_RUN = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # the job, the morning after October ended
DECEMBER_RUN = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CONVERSATION = {"third_party", "promise", "paid", "refuses", "disputes", "hardship", "callback"}
RIGHT_PARTY = CONVERSATION - {"third_party"}


def at(day: date, hour: int = 10) -> datetime:
    """An instant of a floor day, `hour` o'clock there."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(UTC)


def local(instant: datetime) -> date:
    return instant.astimezone(ZONE).date()


@dataclass(frozen=True)
class Portfolio:
    alice: int
    bob: int
    bank: int
    shop: int


def _contact(
    conn: Connection, case: Any, user: int | None, when: datetime, channel: str, way: str, outcome: str
) -> int:
    values = {
        "case_id": case.id,
        "debtor_id": case.debtor_id,
        "user_id": user,
        "at": when,
        "channel": channel,
        "direction": way,
        "outcome": outcome,
    }
    return int(conn.execute(insert(t.interactions).values(**values)).inserted_primary_key[0])


def _promise(conn: Session, case_id: int, user: int, made: datetime, due: date, **values: Any) -> None:
    conn.execute(
        insert(t.promises).values(
            case_id=case_id, currency="CNY", due_date=due, created_at=made, created_by=user, **values
        )
    )


def october(floor: Floor) -> Portfolio:
    """October's work, before the job runs the morning after October ends."""
    open_journal(floor.uow, placed_on=PLACED)
    conn = floor.uow.session
    alice, bob, carol = (floor.users[name] for name in ("alice", "bob", "carol"))
    a, b, pool = floor.cases
    shop = floor.other_creditor_case
    assert shop is not None
    day = date(2026, 10, 20)
    _contact(conn, a, alice, at(day, 9), "call", "outbound", "no_answer")
    talk = _contact(conn, a, alice, at(day, 10), "call", "outbound", "promise")
    _contact(conn, a, alice, at(day, 11), "call", "outbound", "third_party")
    _contact(conn, a, alice, at(day, 12), "sms", "outbound", "delivered")
    _contact(conn, a, alice, at(day, 13), "call", "outbound", "refused_by_gate")
    _contact(conn, b, bob, at(day, 14), "call", "inbound", "callback")
    _contact(conn, b, bob, at(day + timedelta(days=1), 9), "call", "outbound", "refuses")
    _contact(conn, pool, bob, at(day, 23), "visit", "outbound", "wrong_party")  # 23:00: still the 20th
    _contact(conn, shop, carol, at(day, 10), "call", "outbound", "promise")  # another creditor
    _promise(conn, a.id, alice, at(day, 10), date(2026, 11, 5), amount=100_000, interaction_id=talk)
    _promise(conn, b.id, bob, at(day + timedelta(days=1)), date(2026, 11, 6), amount=50_000)
    for case, action, user in (
        (a, "call", None),
        (b, "call", bob),
        (pool, "none", None),
        (shop, "call", None),
    ):
        conn.execute(
            insert(t.plan_rows).values(
                plan_date=day,
                strategy="champion",
                case_id=case.id,
                action=action,
                user_id=user,
                created_at=at(day, 1),
            )
        )
    detail = {"channel": "call", "rules": ["cn.hours", "cn.frequency"]}
    record(
        conn,
        at=at(day, 13),
        user_id=alice,
        action="contact.refused",
        entity="case",
        entity_id=a.id,
        detail=detail,
    )
    record(
        conn,
        at=at(day, 15),
        user_id=bob,
        action="contact.refused",
        entity="case",
        entity_id=b.id,
        detail={"channel": "sms", "rules": ["cn.hours"]},
    )
    floor.uow.commit()
    post_payment(
        floor.uow, alice, PostPayment(a.id, 20_000, "cash", "OCT-A", paid_at=at(day, 16)), now=at(day, 16)
    )
    post_payment(
        floor.uow, carol, PostPayment(shop.id, 30_000, "cash", "OCT-S", paid_at=at(day, 16)), now=at(day, 16)
    )
    creditors = {r.code: r.id for r in conn.execute(select(t.creditors.c.code, t.creditors.c.id))}
    return Portfolio(alice, bob, creditors["BANK"], creditors["SHOP"])


def november(floor: Floor) -> None:
    """November's work: a kept and a broken promise, payments (one reversed, one paying a case off), a
    dispute and a complaint."""
    conn = floor.uow.session
    alice, bob = floor.users["alice"], floor.users["bob"]
    a, b, pool = floor.cases
    c = t.promises.c
    conn.execute(
        t.promises.update()
        .where(c.case_id == a.id)
        .values(status="kept", paid_amount=100_000, resolved_at=at(date(2026, 11, 5)))
    )
    conn.execute(
        t.promises.update()
        .where(c.case_id == b.id)
        .values(status="broken", resolved_at=at(date(2026, 11, 7)))
    )
    _contact(conn, b, bob, at(date(2026, 11, 3)), "sms", "outbound", "delivered")
    conn.execute(
        insert(t.disputes).values(
            debtor_id=b.debtor_id, case_id=b.id, via="contact", opened_at=at(date(2026, 11, 10))
        )
    )
    conn.execute(
        insert(t.complaints).values(
            debtor_id=a.debtor_id,
            case_id=a.id,
            channel="phone",
            category="conduct",
            due_on=date(2026, 12, 10),
            received_at=at(date(2026, 11, 11)),
        )
    )
    floor.uow.commit()
    post_payment(
        floor.uow,
        alice,
        PostPayment(a.id, 100_000, "cash", "NOV-A", paid_at=at(date(2026, 11, 5))),
        now=at(date(2026, 11, 5)),
    )
    nov8 = at(date(2026, 11, 8))
    bounced = post_payment(floor.uow, bob, PostPayment(b.id, 40_000, "cash", "NOV-B", paid_at=nov8), now=nov8)
    reverse_payment(
        floor.uow, bob, bounced.payment_id, kind="bounced", reason="R01", now=at(date(2026, 11, 9))
    )
    owed = floor.uow.session.execute(
        select(t.cases.c.open_balance).where(t.cases.c.id == pool.id)
    ).scalar_one()
    post_payment(
        floor.uow,
        None,
        PostPayment(pool.id, owed, "cash", "NOV-P", paid_at=at(date(2026, 11, 12))),
        now=at(date(2026, 11, 12)),
    )


def _bank_cases(conn: Connection, creditor_id: int) -> dict[int, Any]:
    c = t.cases.c
    return {r.id: r for r in conn.execute(select(t.cases).where(c.creditor_id == creditor_id))}


@dataclass(frozen=True)
class Dimensions:
    """A product and a segment to keep to (None: any); a record's product is its account's, or else its
    case's first account's (lowest id); its segment its case's ("" where none)."""

    product: str | None = None
    segment: str | None = None

    def fits(self, conn: Connection, case_id: int | None, account_id: int | None = None) -> bool:
        a = t.accounts.c
        if self.segment is not None:
            segment = conn.execute(select(t.cases.c.segment).where(t.cases.c.id == case_id)).scalar()
            if (segment or "") != self.segment:
                return False
        if self.product is not None:
            which = a.id == account_id if account_id is not None else a.case_id == case_id
            product = conn.execute(select(a.product).where(which).order_by(a.id).limit(1)).scalar()
            if product != self.product:
                return False
        return True


ANY = Dimensions()


def raw_counts(
    conn: Connection,
    creditor_id: int,
    first: date,
    last: date,
    user: int | None = None,
    only: Dimensions = ANY,
) -> dict[str, int]:
    """Each counter of the reports, from the raw tables, for one creditor (and one collector, one
    product, one segment)."""
    cases = _bank_cases(conn, creditor_id)

    def mine(case_id: int | None, author: int | None) -> bool:
        return case_id in cases and (user is None or author == user) and only.fits(conn, case_id)

    def within(instant: datetime | None) -> bool:
        return instant is not None and first <= local(instant) <= last

    def holder(case_id: int | None) -> int | None:
        return cases[case_id].assigned_user_id if case_id in cases else None

    n: Counter[str] = Counter()
    contacts = [
        r for r in conn.execute(select(t.interactions)) if mine(r.case_id, r.user_id) and within(r.at)
    ]
    for r in contacts:
        out = r.direction == "outbound" and r.outcome != "refused_by_gate"
        n["attempts"] += out
        n["contacts"] += out and r.outcome in CONVERSATION
        n["rpcs"] += out and r.outcome in RIGHT_PARTY
        n["conversations"] += r.outcome in RIGHT_PARTY
    for p in conn.execute(select(t.promises)):
        if not mine(p.case_id, p.created_by):
            continue
        if within(p.created_at):
            n["promises_made"] += 1
            n["promised_amount"] += p.amount
        n["promises_due"] += first <= p.due_date <= last and p.status != "cancelled"
        if within(p.resolved_at) and p.status in ("kept", "partly_kept", "broken"):
            n[f"promises_{p.status}"] += 1
            n["kept_amount"] += p.paid_amount if p.status != "broken" else 0
    account_case = {r.id: r.case_id for r in conn.execute(select(t.accounts.c.id, t.accounts.c.case_id))}
    pays = {p.id: p for p in conn.execute(select(t.payments))}
    for p in pays.values():
        case_id = account_case[p.account_id]
        if (
            p.creditor_id == creditor_id
            and within(p.paid_at)
            and (user is None or holder(case_id) == user)
            and only.fits(conn, case_id, p.account_id)
        ):
            n["payments"] += 1
            n["collected"] += p.amount
    for r in conn.execute(select(t.payment_reversals)):
        p = pays[r.payment_id]
        if (
            p.creditor_id == creditor_id
            and within(r.at)
            and (user is None or holder(account_case[p.account_id]) == user)
            and only.fits(conn, account_case[p.account_id], p.account_id)
        ):
            n["reversed"] += p.amount
    for acc in conn.execute(select(t.accounts).where(t.accounts.c.creditor_id == creditor_id)):
        if (
            acc.status in ("paid", "settled")
            and acc.last_payment_date
            and first <= acc.last_payment_date <= last
            and only.fits(conn, acc.case_id, acc.id)
        ):
            n["paid_off"] += user is None or holder(acc.case_id) == user
    for table, when, name in (
        (t.disputes, "opened_at", "disputes"),
        (t.complaints, "received_at", "complaints"),
    ):
        for r in conn.execute(select(table)):
            n[name] += mine(r.case_id, holder(r.case_id)) and within(getattr(r, when))
    for row in conn.execute(select(t.plan_rows)):
        who = row.user_id if row.user_id is not None else holder(row.case_id)
        if not mine(row.case_id, who) or not first <= row.plan_date <= last or row.action == "none":
            continue
        n["planned"] += 1
        n["planned_made"] += any(
            r.case_id == row.case_id
            and r.direction == "outbound"
            and r.outcome != "refused_by_gate"
            and local(r.at) == row.plan_date
            for r in conn.execute(select(t.interactions))
        )
    for rules in raw_refusals(conn, creditor_id, first, last, user, only):
        n["refusals"] += 1
        del rules
    return dict(n)


def raw_refusals(
    conn: Connection,
    creditor_id: int,
    first: date,
    last: date,
    user: int | None = None,
    only: Dimensions = ANY,
) -> list[list[str]]:
    """The rules of each gate refusal on the creditor's cases."""
    cases = _bank_cases(conn, creditor_id)
    e = t.audit_events.c
    return [
        list(r.detail["rules"])
        for r in conn.execute(select(t.audit_events).where(e.action == "contact.refused"))
        if r.entity_id in cases
        and first <= local(r.at) <= last
        and (user is None or r.user_id == user)
        and only.fits(conn, r.entity_id)
    ]


def raw_collected_by_last_channel(
    conn: Connection, creditor_id: int, first: date, last: date
) -> dict[str, int]:
    """Payments received, by the channel of the case's last contact (not refused) before each."""
    account_case = {r.id: r.case_id for r in conn.execute(select(t.accounts.c.id, t.accounts.c.case_id))}
    contacts = [r for r in conn.execute(select(t.interactions)) if r.outcome != "refused_by_gate"]
    out: Counter[str] = Counter()
    for p in conn.execute(select(t.payments).where(t.payments.c.creditor_id == creditor_id)):
        if not first <= local(p.paid_at) <= last:
            continue
        before = [r for r in contacts if r.case_id == account_case[p.account_id] and r.at <= p.paid_at]
        channel = max(before, key=lambda r: (r.at, r.id)).channel if before else ""
        out[channel] += p.amount
    return dict(out)


def bucket(days: int) -> str:
    """The days-past-due buckets of docs/reports.md, written out again."""
    for name, low in (
        ("361+", 361),
        ("181-360", 181),
        ("91-180", 91),
        ("61-90", 61),
        ("31-60", 31),
        ("1-30", 1),
    ):
        if days >= low:
            return name
    return "current"
