"""Portfolios written row by row for the plan's tests (tests/integration/test_plan*.py): `Book`, and
`hand_built`, the small portfolio whose features are worked out by hand in test_plan_features.py. The
plan day is Monday 16 March 2026, planned on Sunday evening at 22:00 China time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, insert

from huikuan.storage import tables as t
from huikuan.storage.portfolio import load_collectors, read_portfolio
from huikuan.strategy.api import ANSWERS_SCHEMA, CASES_SCHEMA, COLLECTORS_SCHEMA
from huikuan.strategy.features import answer_features, case_features

DAY = date(2026, 3, 16)  # a Monday
NOW = datetime(2026, 3, 15, 14, 0, tzinfo=UTC)  # Sunday 22:00 in Shanghai


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Book:
    """Writes a portfolio row by row with SQLAlchemy Core; every method returns the new row's id."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._refs = 0

    def _insert(self, table: Any, **values: Any) -> int:
        return int(self.conn.execute(insert(table).values(**values)).inserted_primary_key[0])

    def creditor(
        self,
        code: str,
        *,
        pack: str = "cn",
        zone: str = "Asia/Shanghai",
        region: str = "CN",
        currency: str = "CNY",
        overrides: dict[str, Any] | None = None,
    ) -> int:
        return self._insert(
            t.creditors,
            code=code,
            name=code,
            region=region,
            currency=currency,
            pack=pack,
            time_zone=zone,
            pack_overrides=overrides or {},
            authority_policy={},
            header_mapping={},
        )

    def collector(
        self,
        username: str,
        *,
        languages: list[str] | None = None,
        skills: list[str] | None = None,
        active: bool = True,
        role: str = "collector",
    ) -> int:
        return self._insert(
            t.users,
            username=username,
            display_name=username.title(),
            role=role,
            password_hash="",
            locale="zh_CN",
            languages=languages or ["zh"],
            skills=skills or [],
            active=active,
        )

    def debtor(
        self,
        creditor: int,
        name: str,
        *,
        zone: str | None = "Asia/Shanghai",
        country: str | None = "CN",
        region: str | None = None,
        language: str = "zh",
        opt_out: list[str] | None = None,
        inconvenient: list[dict[str, str]] | None = None,
        **flags: bool,
    ) -> int:
        return self._insert(
            t.debtors,
            creditor_id=creditor,
            name=name,
            language=language,
            time_zone=zone,
            address_country=country,
            address_region=region,
            opt_out_channels=opt_out or [],
            inconvenient_times=inconvenient or [],
            **flags,
        )

    def point(self, debtor: int, kind: str, value: str, status: str = "unverified") -> int:
        return self._insert(t.contact_points, debtor_id=debtor, kind=kind, value=value, status=status)

    def case(self, creditor: int, debtor: int, *, stage: str = "contacting", user: int | None = None) -> int:
        return self._insert(
            t.cases, creditor_id=creditor, debtor_id=debtor, stage=stage, assigned_user_id=user, priority=0
        )

    def account(
        self,
        case: int,
        balance: int,
        *,
        product: str = "credit_card",
        overdue: date | None = None,
        status: str = "open",
        currency: str = "CNY",
    ) -> int:
        row = self.conn.execute(t.cases.select().where(t.cases.c.id == case)).one()
        self._refs += 1
        return self._insert(
            t.accounts,
            creditor_id=row.creditor_id,
            debtor_id=row.debtor_id,
            case_id=case,
            external_ref=f"R{self._refs}",
            product=product,
            currency=currency,
            principal=balance,
            balance=balance,
            overdue_since=overdue,
            status=status,
        )

    def contact(
        self,
        case: int,
        at: datetime,
        channel: str = "call",
        outcome: str = "no_answer",
        *,
        direction: str = "outbound",
        party: int | None = None,
    ) -> int:
        row = self.conn.execute(t.cases.select().where(t.cases.c.id == case)).one()
        return self._insert(
            t.interactions,
            case_id=case,
            debtor_id=row.debtor_id,
            party_id=party,
            at=at,
            channel=channel,
            direction=direction,
            outcome=outcome,
            notes="",
            duration_s=0,
        )

    def promise(self, case: int, amount: int, due: date, status: str) -> int:
        return self._insert(
            t.promises,
            case_id=case,
            amount=amount,
            currency="CNY",
            due_date=due,
            created_at=NOW - timedelta(days=30),
            status=status,
        )

    def payment(self, account: int, amount: int, paid_at: datetime, status: str = "posted") -> int:
        row = self.conn.execute(t.accounts.select().where(t.accounts.c.id == account)).one()
        self._refs += 1
        return self._insert(
            t.payments,
            creditor_id=row.creditor_id,
            external_ref=f"P{self._refs}",
            account_id=account,
            amount=amount,
            currency=row.currency,
            paid_at=paid_at,
            status=status,
        )


def hand_built(conn: Connection) -> dict[str, int]:
    """Case A (Shanghai), case B (New York by its creditor's zone), a closed case and a paid-off one."""
    b = Book(conn)
    ids: dict[str, int] = {}
    cn = ids["cn"] = b.creditor("CN-BANK")
    us = ids["us"] = b.creditor(
        "US-LENDER", pack="us-reg-f", zone="America/New_York", region="US", currency="USD"
    )
    ids["zh_collector"] = b.collector("wang", skills=["field"])
    ids["en_collector"] = b.collector("alex", languages=["en", "zh"])
    b.collector("gone", active=False)
    b.collector("boss", role="supervisor")

    a_debtor = b.debtor(cn, "张伟", region="上海市", hardship=True)
    b.point(a_debtor, "mobile", "+8613800138000")
    b.point(a_debtor, "email", "zw@example.com", status="wrong_party")
    b.point(a_debtor, "address", "上海市浦东新区世纪大道100号")
    a = ids["a"] = b.case(cn, a_debtor, user=ids["zh_collector"])
    first = b.account(a, 1_000_000, overdue=date(2026, 1, 15))
    b.account(a, 500_000, product="consumer_loan", overdue=date(2026, 2, 14))
    b.account(a, 0, status="paid", overdue=date(2025, 6, 1))
    b.contact(a, utc("2026-03-10T01:30:00"))  # Tuesday 09:30 in Shanghai
    b.contact(a, utc("2026-03-12T06:10:00"), outcome="promise")  # Thursday 14:10: right-party contact
    b.contact(a, utc("2026-03-13T02:00:00"), outcome="third_party")  # Friday 10:00: not the debtor
    b.contact(a, utc("2026-03-14T03:00:00"), channel="sms", outcome="delivered")
    b.contact(a, utc("2026-01-01T03:00:00"))  # Thursday 11:00, older than 30 days
    b.contact(a, utc("2026-03-11T02:00:00"), outcome="refused_by_gate")  # never happened
    b.contact(a, utc("2026-03-09T05:00:00"), outcome="callback", direction="inbound")  # the debtor called
    b.contact(a, utc("2026-03-15T15:00:00"))  # after the plan was made
    b.promise(a, 100_000, date(2026, 2, 1), "kept")
    b.promise(a, 100_000, date(2026, 2, 10), "broken")
    b.promise(a, 100_000, date(2026, 2, 20), "partly_kept")
    b.promise(a, 250_000, date(2026, 3, 20), "pending")
    b.promise(a, 100_000, date(2026, 3, 10), "pending")  # overdue, not yet resolved: not open
    b.promise(a, 100_000, date(2026, 3, 1), "cancelled")
    b.payment(first, 1_000, NOW - timedelta(days=10))
    b.payment(first, 2_000, NOW - timedelta(days=80))
    b.payment(first, 5_000, NOW - timedelta(days=100))
    b.payment(first, 9_000, NOW - timedelta(days=5), status="reversed")  # bounced: counts for nothing

    b_debtor = b.debtor(us, "John Smith", zone=None, country="US", region="CA", language="en", disputed=True)
    bb = ids["b"] = b.case(us, b_debtor)
    b.account(bb, 250_00, product="consumer_loan", currency="USD")
    b.contact(bb, utc("2026-03-10T14:30:00"))  # New York keeps daylight time from 8 March: Tue 10:30
    b.contact(bb, utc("2026-03-06T14:30:00"), outcome="refuses")  # standard time: Fri 09:30

    closed = b.debtor(cn, "李娜")
    ids["closed"] = b.case(cn, closed, stage="closed")
    b.account(ids["closed"], 10_000)
    paid = b.debtor(cn, "王芳")
    ids["paid"] = b.case(cn, paid)
    b.account(ids["paid"], 0, status="paid")
    return ids


def _features(engine: Engine) -> tuple[dict[str, int], pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    with engine.begin() as conn:
        ids = hand_built(conn)
    with engine.connect() as conn:
        portfolio = read_portfolio(conn, DAY, NOW)
        return ids, case_features(portfolio), answer_features(portfolio), load_collectors(conn)


def check_hand_built(engine: Engine) -> None:
    """Every feature of the hand-built portfolio (shared with the integration test on PostgreSQL)."""
    ids, cases, answers, collectors = _features(engine)
    assert list(CASES_SCHEMA) == cases.columns[: len(CASES_SCHEMA)]
    assert cases.get_column("case_id").to_list() == [ids["a"], ids["b"]]
    a = cases.row(0, named=True)
    assert {
        k: a[k] for k in CASES_SCHEMA if k not in ("case_id", "debtor_id", "creditor_id", "assigned_user_id")
    } == {
        "currency": "CNY",
        "balance": 1_500_000,
        "dpd": 60,  # from 15 January, the oldest open account
        "product": "credit_card",  # the largest account's
        "language": "zh",
        "time_zone": "Asia/Shanghai",
        "attempts_30d": 3,  # 10, 12 and 13 March (not the refused one, not January's, not the inbound)
        "rpc_30d": 2,  # the promise on the 12th and the debtor's own call on the 9th
        "contacts_total": 6,  # all but the refused one and the one after the plan was made
        "days_since_contact": 3,  # 12 March 06:10 to 15 March 14:00
        "promises_made": 6,
        "promises_kept": 1,
        "promises_broken": 2,  # broken and partly kept
        "open_promise": True,
        "payments_90d": 2,
        "paid_90d": 3_000,
        "hardship": True,
        "disputed": False,
        "has_mobile": True,
        "has_email": False,  # the only e-mail reached the wrong party
        "has_wechat": False,
        "has_address": True,
        "district": "上海市浦东新区",
        "ability": None,
        "willingness": None,
    }
    assert a["assigned_user_id"] == ids["zh_collector"] and a["creditor_id"] == ids["cn"]
    assert a["days_since_attempt"] == 2 and a["days_since_message"] == 1 and a["promise_amount"] == 250_000
    assert a["promise_due"] == date(2026, 3, 20)
    assert a["contacts_7d"] == 4  # outbound on the 10th, 12th, 13th and 14th (the 9th was the debtor's)
    b = cases.row(1, named=True)
    assert (b["currency"], b["balance"], b["dpd"], b["time_zone"], b["disputed"], b["language"]) == (
        "USD",
        250_00,
        0,
        "America/New_York",
        True,
        "en",
    )
    assert (b["attempts_30d"], b["rpc_30d"], b["contacts_total"], b["days_since_contact"]) == (2, 1, 2, 8)
    assert (b["has_mobile"], b["has_address"], b["district"], b["open_promise"], b["paid_90d"]) == (
        False,
        False,
        "CA",
        False,
        0,
    )
    assert answers.schema == pl.Schema(ANSWERS_SCHEMA)
    a_debtor, b_debtor = a["debtor_id"], b["debtor_id"]
    assert answers.rows() == [
        (a_debtor, 1 * 24 + 9, 1, 0),  # Tuesday 09:30 Shanghai
        (a_debtor, 3 * 24 + 11, 1, 0),  # Thursday 1 January 11:00
        (a_debtor, 3 * 24 + 14, 1, 1),  # Thursday 14:10, the promise
        (a_debtor, 4 * 24 + 10, 1, 0),  # Friday 10:00, a third party answered
        (b_debtor, 1 * 24 + 10, 1, 0),  # Tuesday 10:30 New York daylight time
        (b_debtor, 4 * 24 + 9, 1, 1),  # Friday 09:30 New York standard time
    ]
    assert collectors.schema == pl.Schema(dict(COLLECTORS_SCHEMA))
    assert collectors.rows() == [
        (ids["zh_collector"], ["zh"], ["field"], 360),
        (ids["en_collector"], ["en", "zh"], [], 360),
    ]
