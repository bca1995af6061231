"""Money is conserved through any sequence of payments, reversals and moves: after each, `huikuan ledger
check` finds nothing wrong, every book sums to zero, and each account owes what was placed less what its
payments still standing took."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.support.floor import MORNING, Floor
from tests.support.ledger import book_sums, open_journal, placed_minus_allocated

from huikuan.errors import HuikuanError
from huikuan.services.ledger import check_ledger
from huikuan.services.money_terms import set_terms
from huikuan.services.payment_reversal import move_payment, reverse_payment
from huikuan.services.payments import PostPayment, post_payment
from huikuan.storage import tables as t

_refs = itertools.count(1)

post_st = st.tuples(
    st.just("post"),
    st.integers(0, 2),  # which of the bank's cases
    st.integers(1, 700_000),
    st.booleans(),  # directed to the case's second account
)
reverse_st = st.tuples(st.just("reverse"), st.integers(0, 50))
move_st = st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 2))
ops_st = st.lists(st.one_of(post_st, reverse_st, move_st), min_size=1, max_size=8)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=ops_st)
def test_any_sequence_of_payments_reversals_and_moves_keeps_the_ledger_whole(
    floor: Floor, ops: list[tuple[Any, ...]]
) -> None:
    # One database for every example: each sequence goes on from where the last left the floor, so the
    # invariants are proven over the states the sequences reach.
    uow = floor.uow
    if not uow.session.execute(select(t.ledger_entries.c.id).limit(1)).first():
        open_journal(uow)
        creditor = uow.session.execute(select(t.cases.c.creditor_id).limit(1)).scalar_one()
        set_terms(
            uow,
            None,
            creditor,
            {"starts_on": "2026-01-01", "route": "trust", "tiers": [{"rate_bp": 1500}], "flat_fee": 100},
        )
    placed = _placed(floor)
    now = MORNING
    for op in ops:
        now += timedelta(minutes=1)
        try:
            _apply(floor, op, now)
        except HuikuanError:
            uow.rollback()  # refused (nothing left to pay, reversed already ...): nothing written
    report = check_ledger(uow)
    assert report.ok, report.examples
    assert all(total == 0 for total in book_sums(report.balances).values())
    for account_id, amount in placed.items():
        balance = uow.session.execute(
            select(t.accounts.c.balance).where(t.accounts.c.id == account_id)
        ).scalar_one()
        assert balance == placed_minus_allocated(uow, account_id, amount)
    uow.rollback()


def _placed(floor: Floor) -> dict[int, int]:
    """What each account was placed at: its line in the placement entry (not its stored balance)."""
    le, ll = t.ledger_entries.c, t.ledger_lines.c
    rows = floor.uow.session.execute(
        select(ll.debit_ref, ll.amount)
        .join(t.ledger_entries, le.id == ll.entry_id)
        .where(le.kind == "placement", ll.debit_book == "receivable")
    ).all()
    return {int(r.debit_ref): int(r.amount) for r in rows}


def _apply(floor: Floor, op: tuple[Any, ...], now: datetime) -> None:
    uow = floor.uow
    p = t.payments.c
    standing = uow.session.execute(select(p.id).where(p.status == "posted").order_by(p.id)).scalars().all()
    if op[0] == "post":
        _, which, amount, directed = op
        case = floor.cases[which]
        direction = {case.account_ids[1]: amount // 2} if directed else None
        post_payment(
            uow,
            None,
            PostPayment(case.id, amount, "cash", f"PROP-{next(_refs)}", directed=direction),
            now=now,
        )
    elif not standing:
        return
    elif op[0] == "reverse":
        reverse_payment(uow, None, standing[op[1] % len(standing)], kind="error", reason="property", now=now)
    else:
        _, pick, to = op
        move_payment(
            uow, None, standing[pick % len(standing)], to_case_id=floor.cases[to].id, reason="x", now=now
        )
