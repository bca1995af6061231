"""The ledger's pure rules (domain/ledger.py): how a payment is allocated, the entry it makes, and the
entry that undoes it; with properties that hold for any payment, any debts and any order of reading."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huikuan.domain.ledger import (
    Allocated,
    Book,
    Debt,
    Entry,
    EntryKind,
    Leg,
    Part,
    Route,
    Side,
    Unbalanced,
    allocate,
    balances,
    payment_entry,
    reversal,
)

CREDITOR = 7
ORDER_PRINCIPAL_FIRST = (Part.PRINCIPAL, Part.INTEREST, Part.FEES)


def _parts(allocated: Allocated) -> dict[int, tuple[int, int, int]]:
    return {a.account_id: (a.fees, a.interest, a.principal) for a in allocated.allocations}


def test_a_payment_pays_the_oldest_debt_first_fees_then_interest_then_principal() -> None:
    debts = [Debt(1, fees=100, interest=200, principal=1_000), Debt(2, fees=50, interest=0, principal=500)]
    got = allocate(1_400, debts)
    assert _parts(got) == {1: (100, 200, 1_000), 2: (50, 0, 50)}
    assert got.held == 0


def test_the_parts_follow_the_creditors_order() -> None:
    got = allocate(1_100, [Debt(1, fees=100, interest=200, principal=1_000)], order=ORDER_PRINCIPAL_FIRST)
    assert _parts(got) == {1: (0, 100, 1_000)}


def test_the_debtors_direction_comes_first_and_the_rest_follows_the_order() -> None:
    debts = [Debt(1, 0, 0, 1_000), Debt(2, 0, 0, 1_000)]
    got = allocate(1_200, debts, directed={2: 900})
    assert _parts(got) == {2: (0, 0, 900), 1: (0, 0, 300)}


@pytest.mark.parametrize(
    ("amount", "debts", "directed", "parts", "held"),
    [
        pytest.param(
            1_500,
            [Debt(1, 0, 0, 1_000), Debt(2, 0, 0, 200)],
            {2: 1_500},
            {2: (0, 0, 200), 1: (0, 0, 1_000)},
            300,
            id="a direction never takes a debt beyond its balance",
        ),
        pytest.param(
            10_000,
            [Debt(1, fees=10, interest=20, principal=30)],
            None,
            {1: (10, 20, 30)},
            10_000 - 60,
            id="no debt takes more than each of its parts",
        ),
        pytest.param(700, [Debt(1, 0, 0, 0)], None, {}, 700, id="what no debt can take is held"),
    ],
)
def test_what_the_debts_cannot_take_is_held(
    amount: int,
    debts: list[Debt],
    directed: dict[int, int] | None,
    parts: dict[int, tuple[int, int, int]],
    held: int,
) -> None:
    got = allocate(amount, debts, directed=directed)
    assert _parts(got) == parts
    assert got.held == held


def test_a_disputed_debt_takes_nothing_under_section_810_even_when_directed() -> None:
    debts = [Debt(1, 0, 0, 1_000, disputed=True), Debt(2, 0, 0, 1_000)]
    got = allocate(1_500, debts, directed={1: 1_500})
    assert _parts(got) == {2: (0, 0, 1_000)}
    assert got.held == 500
    assert got.skipped_disputed == (1,)


def test_a_disputed_debt_is_paid_where_disputes_do_not_stop_payments() -> None:
    got = allocate(500, [Debt(1, 0, 0, 1_000, disputed=True)], skip_disputed=False)
    assert _parts(got) == {1: (0, 0, 500)}
    assert got.skipped_disputed == ()


def test_a_payment_of_nothing_is_refused() -> None:
    with pytest.raises(Unbalanced):
        allocate(0, [Debt(1, 0, 0, 100)])


def test_a_leg_of_nothing_or_to_itself_is_refused() -> None:
    with pytest.raises(Unbalanced):
        Leg(Side(Book.TRUST, 1), Side(Book.PAYABLE, 1), 0, "CNY")
    with pytest.raises(Unbalanced):
        Leg(Side(Book.TRUST, 1), Side(Book.TRUST, 1), 5, "CNY")


def _legs(entry: Entry) -> set[tuple[str, str, int]]:
    return {(str(leg.debit), str(leg.credit), leg.amount) for leg in entry.legs}


def test_a_payment_into_trust_with_net_remittance_takes_the_commission_out_of_what_is_payable() -> None:
    allocated = allocate(1_200, [Debt(11, 0, 0, 1_000)])
    entry = payment_entry(
        creditor_id=CREDITOR,
        currency="USD",
        route=Route.TRUST,
        allocated=allocated,
        commission=250,
        net_remittance=True,
        holder=11,
    )
    assert entry.kind is EntryKind.PAYMENT
    assert _legs(entry) == {
        ("portfolio:7", "receivable:11", 1_000),
        ("trust:7", "payable:7", 1_000),
        ("trust:7", "held:11", 200),
        ("payable:7", "income:7", 250),
    }
    b = balances(entry.legs)
    assert b[Side(Book.TRUST, CREDITOR)] == 1_200
    assert b[Side(Book.PAYABLE, CREDITOR)] == 750  # remitted net of commission
    assert b[Side(Book.INCOME, CREDITOR)] == 250


def test_a_payment_into_trust_with_gross_remittance_invoices_the_commission() -> None:
    entry = payment_entry(
        creditor_id=CREDITOR,
        currency="USD",
        route=Route.TRUST,
        allocated=allocate(1_000, [Debt(11, 0, 0, 1_000)]),
        commission=250,
        net_remittance=False,
        holder=11,
    )
    b = balances(entry.legs)
    assert b[Side(Book.PAYABLE, CREDITOR)] == 1_000
    assert b[Side(Book.COMMISSION_DUE, CREDITOR)] == 250
    assert b[Side(Book.INCOME, CREDITOR)] == 250


def test_a_payment_to_the_creditors_own_account_never_touches_trust() -> None:
    entry = payment_entry(
        creditor_id=CREDITOR,
        currency="CNY",
        route=Route.CREDITOR,
        allocated=allocate(1_100, [Debt(11, 0, 0, 1_000)]),
        commission=100,
        net_remittance=True,
        holder=11,
    )
    assert _legs(entry) == {
        ("portfolio:7", "receivable:11", 1_000),
        ("direct:7", "held:11", 100),
        ("commission_due:7", "income:7", 100),
    }
    books = {side.book for side in balances(entry.legs)}
    assert Book.TRUST not in books and Book.PAYABLE not in books


def test_a_reversal_swaps_every_leg_and_leaves_every_balance_as_it_was() -> None:
    entry = payment_entry(
        creditor_id=CREDITOR,
        currency="USD",
        route=Route.TRUST,
        allocated=allocate(1_300, [Debt(11, 10, 20, 1_000)]),
        commission=90,
        net_remittance=True,
        holder=11,
    )
    undo = reversal(entry.legs, CREDITOR, "bounced")
    assert undo.kind is EntryKind.REVERSAL and undo.reason == "bounced"
    assert [(leg.debit, leg.credit) for leg in undo.legs] == [(leg.credit, leg.debit) for leg in entry.legs]
    assert balances([*entry.legs, *undo.legs]) == {}


# --- properties

debts_st = st.lists(
    st.builds(
        Debt,
        account_id=st.just(0),
        fees=st.integers(0, 5_000),
        interest=st.integers(0, 5_000),
        principal=st.integers(0, 50_000),
        disputed=st.booleans(),
    ),
    max_size=6,
).map(lambda ds: [Debt(i + 1, d.fees, d.interest, d.principal, d.disputed) for i, d in enumerate(ds)])


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(1, 200_000),
    debts=debts_st,
    order=st.permutations(list(Part)),
    skip=st.booleans(),
    directed=st.dictionaries(st.integers(1, 7), st.integers(-10, 100_000), max_size=3),
)
def test_allocation_conserves_money_and_respects_every_part_for_any_inputs(
    amount: int, debts: list[Debt], order: list[Part], skip: bool, directed: dict[int, int]
) -> None:
    got = allocate(amount, debts, order=order, directed=directed, skip_disputed=skip)
    assert got.applied + got.held == amount
    assert got.held >= 0
    by_id = {d.account_id: d for d in debts}
    for a in got.allocations:
        debt = by_id[a.account_id]
        assert 0 <= a.fees <= debt.fees and 0 <= a.interest <= debt.interest
        assert 0 <= a.principal <= debt.principal
        assert not (skip and debt.disputed)
    # Money is held only when every debt that may be paid is paid off.
    if got.held:
        paid = {a.account_id: a.amount for a in got.allocations}
        assert all(paid.get(d.account_id, 0) == d.balance for d in debts if not (skip and d.disputed))


books_st = st.sampled_from(list(Book))
legs_st = st.lists(
    st.builds(
        Leg,
        debit=st.builds(Side, books_st, st.integers(1, 3)),
        credit=st.builds(Side, books_st, st.integers(4, 6)),
        amount=st.integers(1, 10_000),
        currency=st.sampled_from(["CNY", "USD"]),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(legs=legs_st, data=st.data())
def test_a_balance_never_depends_on_the_order_legs_are_read(legs: list[Leg], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(legs))
    assert balances(shuffled) == balances(legs)


def _signed_book_totals(legs: list[Leg]) -> dict[tuple[Book, str], int]:
    """Each book's debits minus credits, per currency."""
    out: dict[tuple[Book, str], int] = {}
    for leg in legs:
        out[(leg.debit.book, leg.currency)] = out.get((leg.debit.book, leg.currency), 0) + leg.amount
        out[(leg.credit.book, leg.currency)] = out.get((leg.credit.book, leg.currency), 0) - leg.amount
    return out


@settings(max_examples=200, deadline=None)
@given(
    entries=st.lists(st.tuples(legs_st.filter(bool), st.booleans()), max_size=8),
)
def test_any_sequence_of_entries_and_reversals_sums_to_zero_and_reversals_undo_their_entries(
    entries: list[tuple[list[Leg], bool]],
) -> None:
    journal: list[Leg] = []
    kept: list[Leg] = []
    for legs, reversed_ in entries:
        entry = Entry(EntryKind.PAYMENT, CREDITOR, tuple(legs))
        journal.extend(entry.legs)
        for debits, credits in entry.totals().values():
            assert debits == credits
        if reversed_:
            journal.extend(reversal(entry.legs, CREDITOR, "error").legs)
        else:
            kept.extend(entry.legs)
    # Debits equal credits in every currency, however the entries were reversed.
    per_currency: dict[str, int] = {}
    for (_, currency), total in _signed_book_totals(journal).items():
        per_currency[currency] = per_currency.get(currency, 0) + total
    assert all(v == 0 for v in per_currency.values())
    # What is left is exactly the entries not reversed.
    assert balances(journal) == balances(kept)
