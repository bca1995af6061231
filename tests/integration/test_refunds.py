"""Money held for a debtor is paid back by an entry of its own, from where it sits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.support.floor import us_case

from huikuan.domain.ledger import Book
from huikuan.errors import InvalidInput
from huikuan.services.ledger import check_ledger
from huikuan.services.payments import PostPayment, post_payment
from huikuan.services.refunds import held_for, refund_held

NOW = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)


def _overpay(floor, case, extra: int) -> int:
    owed = 150_000 if case is not floor.cases[2] else 80_000
    posted = post_payment(
        floor.uow,
        None,
        PostPayment(case_id=case.id, amount=owed + extra, method="bank_transfer", reference="OVER-1"),
        now=NOW,
    )
    assert posted.allocated.held == extra
    return posted.allocated.allocations[0].account_id


def test_an_overpayment_into_the_trust_account_is_held_then_paid_back_from_it(floor):
    us = us_case(floor)
    account = _overpay(floor, us, 2_500)
    assert held_for(floor.uow, account) == {Book.TRUST: 2_500}

    done = refund_held(
        floor.uow, None, account, amount=1_000, reason="overpaid: refunded by transfer", now=NOW
    )

    assert done.held_left == 1_500
    assert held_for(floor.uow, account) == {Book.TRUST: 1_500}
    report = check_ledger(floor.uow)
    assert report.ok
    assert report.balances["USD"]["held"] == 1_500 and report.balances["USD"]["trust"] == 150_000 + 1_500


def test_a_creditors_own_account_pays_back_what_it_received_over_the_balance(floor):
    account = _overpay(floor, floor.cases[2], 700)  # a Chinese creditor: its own account (route creditor)
    assert held_for(floor.uow, account) == {Book.DIRECT: 700}
    refund_held(floor.uow, None, account, amount=700, reason="refunded by the bank", now=NOW)
    assert held_for(floor.uow, account) == {}
    assert check_ledger(floor.uow).ok


def test_no_more_than_is_held_is_paid_back_and_a_reason_is_needed(floor):
    account = _overpay(floor, floor.cases[2], 700)
    with pytest.raises(InvalidInput):
        refund_held(floor.uow, None, account, amount=701, reason="too much", now=NOW)
    with pytest.raises(InvalidInput):
        refund_held(floor.uow, None, account, amount=100, reason=" ", now=NOW)
    assert held_for(floor.uow, account) == {Book.DIRECT: 700}
