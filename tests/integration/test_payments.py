"""Payments posted, reversed and moved (services/payments.py) on the floor, its accounts opened in the
journal: the allocations, the commission, the balances and the ledger written together."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, insert, select, update
from tests.support.floor import MORNING, Floor, us_case
from tests.support.ledger import ledger_balance, open_journal, row

from huikuan.domain.ledger import Book
from huikuan.errors import Conflict, InvalidInput
from huikuan.services.ledger import check_ledger
from huikuan.services.money_terms import set_terms
from huikuan.services.payment_reversal import move_payment, reverse_payment
from huikuan.services.payments import Posted, PostPayment, post_payment
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NOW = MORNING  # 2026-11-20 10:00 in Beijing
TERMS = {
    "starts_on": "2026-01-01",
    "route": "trust",
    "remittance": "net",
    "order": ["interest", "fees", "principal"],
    "tiers": [{"rate_bp": 2000}],
}


@pytest.fixture
def bank(floor: Floor) -> Floor:
    """The floor's first case: account 0 (600,000: 10,000 fees, 120,000 interest, 470,000 principal) and
    account 1 (600,000: 120,000 interest, 480,000 principal), overdue a month earlier, so paid first. The
    creditor's terms: into trust, net remittance, interest before fees before principal, 20%."""
    uow = floor.uow
    first, second = floor.cases[0].account_ids
    a = t.accounts.c
    uow.session.execute(
        update(t.accounts).where(a.id == first).values(fees=10_000, principal=470_000, balance=600_000)
    )
    uow.session.execute(update(t.accounts).where(a.id == second).values(overdue_since=date(2026, 7, 1)))
    uow.commit()
    open_journal(uow)
    set_terms(uow, None, _creditor(uow, floor.cases[0].id), TERMS, now=NOW)
    return floor


def _creditor(uow: UnitOfWork, case_id: int) -> int:
    return int(uow.session.execute(select(t.cases.c.creditor_id).where(t.cases.c.id == case_id)).scalar_one())


def _post(uow: UnitOfWork, case_id: int, amount: int, reference: str) -> Posted:
    return post_payment(uow, None, PostPayment(case_id, amount, "bank_transfer", reference), now=NOW)


def _allocations(uow: UnitOfWork, payment_id: int) -> dict[int, tuple[int, int, int, int]]:
    pa = t.payment_allocations.c
    rows = uow.session.execute(select(t.payment_allocations).where(pa.payment_id == payment_id)).all()
    return {r.account_id: (r.fees, r.interest, r.principal, r.commission) for r in rows}


def test_a_payment_pays_the_oldest_account_first_by_part_in_the_creditors_order(bank: Floor) -> None:
    uow = bank.uow
    first, second = bank.cases[0].account_ids
    posted = post_payment(uow, None, PostPayment(bank.cases[0].id, 730_000, "bank_transfer", "R1"), now=NOW)
    # The older account 1 first, interest before principal; then account 0: interest, then fees; 20%
    # of each allocation earned.
    assert _allocations(uow, posted.payment_id) == {
        second: (0, 120_000, 480_000, 120_000),
        first: (10_000, 120_000, 0, 26_000),
    }
    assert posted.commission == 146_000
    assert row(uow, t.payments, posted.payment_id).commission == 146_000
    assert row(uow, t.accounts, second).balance == 0
    assert row(uow, t.accounts, first).balance == 470_000
    creditor = _creditor(uow, bank.cases[0].id)
    assert ledger_balance(uow, Book.TRUST, creditor) == 730_000
    assert ledger_balance(uow, Book.PAYABLE, creditor) == 584_000  # net of the commission
    assert ledger_balance(uow, Book.INCOME, creditor) == 146_000
    assert check_ledger(uow).ok


def test_the_account_paid_off_is_ended_as_paid(bank: Floor) -> None:
    uow = bank.uow
    second = bank.cases[0].account_ids[1]
    posted = post_payment(uow, None, PostPayment(bank.cases[0].id, 600_000, "cash", "R2"), now=NOW)
    assert posted.paid_off == (second,)
    assert row(uow, t.accounts, second).status == "paid"
    changes = uow.session.execute(
        select(t.account_changes.c.to_status).where(t.account_changes.c.account_id == second)
    ).scalars()
    assert list(changes) == ["paid"]


def test_an_overpayment_is_held_for_the_debtor_by_its_own_leg(bank: Floor) -> None:
    uow = bank.uow
    posted = post_payment(uow, None, PostPayment(bank.cases[0].id, 1_250_000, "cash", "R3"), now=NOW)
    assert posted.allocated.held == 50_000
    assert row(uow, t.payments, posted.payment_id).held == 50_000
    holder = posted.allocated.allocations[0].account_id
    assert ledger_balance(uow, Book.HELD, holder) == 50_000
    assert all(row(uow, t.accounts, i).balance == 0 for i in bank.cases[0].account_ids)
    assert check_ledger(uow).ok


def test_a_reference_used_already_is_refused_and_nothing_is_written(bank: Floor) -> None:
    uow = bank.uow
    _post(uow, bank.cases[0].id, 1_000, "SAME")
    counts = _counts(uow)
    with pytest.raises(Conflict):
        _post(uow, bank.cases[1].id, 2_000, " SAME ")
    uow.rollback()
    assert _counts(uow) == counts


def _counts(uow: UnitOfWork) -> tuple[int, ...]:
    tables = (t.payments, t.payment_allocations, t.ledger_entries, t.ledger_lines)
    balances = uow.session.execute(select(func.sum(t.accounts.c.balance))).scalar_one()
    return (
        *(uow.session.execute(select(func.count()).select_from(x)).scalar_one() for x in tables),
        balances,
    )


def test_a_pending_promise_the_payment_covers_is_kept_at_once(bank: Floor) -> None:
    uow = bank.uow
    promise = _promise(uow, bank.cases[0].id, 50_000)
    posted = _post(uow, bank.cases[0].id, 50_000, "R4")
    assert posted.promises_kept == (promise,)
    assert row(uow, t.promises, promise).status == "kept"


def _promise(uow: UnitOfWork, case_id: int, amount: int) -> int:
    made = datetime(2026, 11, 18, 2, tzinfo=UTC)
    pid = uow.session.execute(
        insert(t.promises)
        .values(case_id=case_id, amount=amount, currency="CNY", due_date=date(2026, 11, 25), created_at=made)
        .returning(t.promises.c.id)
    ).scalar_one()
    uow.commit()
    return int(pid)


def test_under_us_reg_f_a_disputed_account_takes_nothing_and_the_debtors_direction_is_honoured(
    floor: Floor,
) -> None:
    uow = floor.uow
    us = us_case(floor)
    disputed, other = us.account_ids
    uow.session.execute(
        insert(t.disputes).values(
            debtor_id=us.debtor_id,
            case_id=us.id,
            account_id=disputed,
            via="letter",
            written=True,
            status="open",
            stops_collection=True,
            deadline=date(2026, 12, 20),
            opened_at=NOW,
            notes="",
        )
    )
    uow.commit()
    open_journal(uow)
    # The debtor directs everything to the disputed account: it takes nothing (FDCPA §810), the rest
    # of the order pays the other; what is left is held.
    posted = post_payment(
        uow, None, PostPayment(us.id, 100_000, "cheque", "CHK-1", directed={disputed: 100_000}), now=NOW
    )
    assert [a.account_id for a in posted.allocated.allocations] == [other]
    assert posted.allocated.skipped_disputed == (disputed,)
    assert posted.allocated.held == 25_000
    assert row(uow, t.accounts, disputed).balance == 75_000
    assert check_ledger(uow).ok


def test_the_debtors_direction_is_honoured_before_the_oldest_first_order(bank: Floor) -> None:
    uow = bank.uow
    first, second = bank.cases[0].account_ids
    posted = post_payment(
        uow,
        None,
        PostPayment(bank.cases[0].id, 100_000, "cash", "R5", directed={first: 100_000}),
        now=NOW,
    )
    assert [(a.account_id, a.amount) for a in posted.allocated.allocations] == [(first, 100_000)]
    assert row(uow, t.accounts, second).balance == 600_000


def test_an_account_of_another_case_cannot_be_directed(bank: Floor) -> None:
    stranger = bank.cases[1].account_ids[0]
    with pytest.raises(InvalidInput):
        post_payment(
            bank.uow,
            None,
            PostPayment(bank.cases[0].id, 100, "cash", "R6", directed={stranger: 100}),
            now=NOW,
        )


def test_a_reversal_restores_the_balances_reopens_the_account_and_breaks_the_kept_promise(
    bank: Floor,
) -> None:
    uow = bank.uow
    second = bank.cases[0].account_ids[1]
    promise = _promise(uow, bank.cases[0].id, 600_000)
    posted = _post(uow, bank.cases[0].id, 600_000, "R7")
    assert row(uow, t.accounts, second).status == "paid"
    assert row(uow, t.promises, promise).status == "kept"
    done = reverse_payment(
        uow, None, posted.payment_id, kind="bounced", reason="R01 insufficient funds", now=NOW
    )
    assert done.reopened == (second,)
    assert row(uow, t.accounts, second).balance == 600_000
    assert row(uow, t.accounts, second).status == "open"
    assert row(uow, t.payments, posted.payment_id).status == "reversed"
    assert row(uow, t.promises, promise).status == "broken"
    assert done.reevaluated["broken"] == 1
    creditor = _creditor(uow, bank.cases[0].id)
    for book in (Book.TRUST, Book.PAYABLE, Book.INCOME):
        assert ledger_balance(uow, book, creditor) == 0
    assert check_ledger(uow).ok


def test_a_case_closed_by_the_payment_that_paid_it_off_is_back_in_the_queue_when_it_is_reversed(
    bank: Floor,
) -> None:
    uow = bank.uow
    case_id = bank.cases[0].id
    posted = _post(uow, case_id, 1_200_000, "R-ALL")
    assert row(uow, t.cases, case_id).stage == "closed"
    reverse_payment(uow, None, posted.payment_id, kind="chargeback", reason="card chargeback", now=NOW)
    case = row(uow, t.cases, case_id)
    assert (case.stage, case.next_action_channel, case.next_action_goal) == (
        "contacting",
        "call",
        "follow_up",
    )
    assert case.next_action_due_at == NOW
    assert check_ledger(uow).ok


def test_a_payment_reversed_twice_is_refused_the_second_time(bank: Floor) -> None:
    uow = bank.uow
    posted = _post(uow, bank.cases[0].id, 1_000, "R8")
    reverse_payment(uow, None, posted.payment_id, kind="error", reason="typo", now=NOW)
    entries = uow.session.execute(select(func.count()).select_from(t.ledger_entries)).scalar_one()
    with pytest.raises(Conflict):
        reverse_payment(uow, None, posted.payment_id, kind="error", reason="again", now=NOW)
    uow.rollback()
    assert uow.session.execute(select(func.count()).select_from(t.ledger_entries)).scalar_one() == entries


def test_a_payment_moved_is_reversed_on_one_case_and_posted_on_the_other(bank: Floor) -> None:
    uow = bank.uow
    wrong, right = bank.cases[0], bank.cases[1]
    posted = _post(uow, wrong.id, 30_000, "R9")
    done = move_payment(uow, None, posted.payment_id, to_case_id=right.id, reason="wrong case", now=NOW)
    assert done.moved_to is not None
    moved = row(uow, t.payments, done.moved_to)
    assert (moved.case_id, moved.amount, moved.moved_from_id) == (right.id, 30_000, posted.payment_id)
    assert moved.external_ref.startswith("R9~moved")
    assert sum(row(uow, t.accounts, i).balance for i in wrong.account_ids) == 1_200_000
    assert sum(row(uow, t.accounts, i).balance for i in right.account_ids) == 500_000 - 30_000
    reversal = uow.session.execute(
        select(t.payment_reversals).where(t.payment_reversals.c.payment_id == posted.payment_id)
    ).one()
    assert (reversal.kind, reversal.moved_to_id) == ("wrong_case", done.moved_to)
    assert check_ledger(uow).ok


def test_a_payment_cannot_move_to_another_creditors_case(bank: Floor) -> None:
    uow = bank.uow
    posted = _post(uow, bank.cases[0].id, 1_000, "R10")
    assert bank.other_creditor_case is not None
    with pytest.raises(InvalidInput):
        move_payment(
            uow, None, posted.payment_id, to_case_id=bank.other_creditor_case.id, reason="x", now=NOW
        )
