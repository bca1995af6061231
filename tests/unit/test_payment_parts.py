"""Imported payments split by part and earned on (storage/payment_parts.py): the Polars expressions give
what the domain's own functions give one payment at a time, for any file under one version of terms."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from huikuan.domain.commission import Terms, Tier
from huikuan.domain.ledger import Part
from huikuan.storage.payment_parts import _earn, _one_by_one, _split, split_and_earn

START = date(2026, 1, 1)
OUT = ["fees", "interest", "principal", "allocated", "commission"]

accounts_st = st.lists(
    st.tuples(
        st.integers(0, 50_000),  # balance
        st.integers(-100, 20_000),  # fees left (negative: paid beyond, by a balance lowered since)
        st.integers(0, 20_000),  # interest left
        st.sampled_from(["credit_card", "auto_loan"]),
        st.integers(0, 800),  # days placed before START
        st.integers(0, 3_000),  # commission earned before
    ),
    min_size=1,
    max_size=4,
)
payments_st = st.lists(st.tuples(st.integers(0, 3), st.integers(1, 40_000), st.integers(0, 200)), max_size=12)
terms_st = st.builds(
    Terms,
    starts_on=st.just(START),
    order=st.permutations(list(Part)).map(tuple),
    tiers=st.lists(
        st.builds(
            Tier,
            rate_bp=st.one_of(st.sampled_from([1_500, 2_500, 5_000]), st.integers(0, 10_000)),
            source=st.sampled_from([None, "direct", "agency"]),
            product=st.sampled_from([None, "auto_loan"]),
            min_age_days=st.integers(0, 400),
            max_balance=st.sampled_from([None, 30_000]),
        ),
        max_size=3,
    ).map(tuple),
    flat_fee=st.integers(0, 300),
    cap_per_account=st.sampled_from([None, 0, 2_500, 6_000]),
    direct_commission=st.booleans(),
)


def _frame(
    accounts: list[tuple[int, int, int, str, int, int]], payments: list[tuple[int, int, int]]
) -> pl.DataFrame:
    rows = []
    for which, amount, offset in sorted(payments, key=lambda p: p[2]):
        balance, fees, interest, product, placed_days, earned = accounts[which % len(accounts)]
        rows.append(
            {
                "account_id": which % len(accounts) + 1,
                "amount": amount,
                "day": START + timedelta(days=offset),
                "balance": balance,
                "fees_left": fees,
                "interest_left": interest,
                "product": product,
                "age_base": START - timedelta(days=placed_days),
                "placed_balance": balance + 1_000,
                "earned": earned,
            }
        )
    schema = {
        "account_id": pl.Int64,
        "amount": pl.Int64,
        "day": pl.Date,
        "balance": pl.Int64,
        "fees_left": pl.Int64,
        "interest_left": pl.Int64,
        "product": pl.Utf8,
        "age_base": pl.Date,
        "placed_balance": pl.Int64,
        "earned": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)


@settings(max_examples=150, deadline=None)
@given(accounts=accounts_st, payments=payments_st, terms=terms_st)
def test_the_vectorised_split_and_commission_equal_the_domains_payment_by_payment(
    accounts: list[tuple[int, int, int, str, int, int]], payments: list[tuple[int, int, int]], terms: Terms
) -> None:
    frame = _frame(accounts, payments)
    clipped = split_and_earn(frame, [terms], terms).select(OUT)
    prepared = frame.with_columns(
        pl.col("fees_left").clip(0).clip(upper_bound=pl.col("balance")),
    ).with_columns(pl.col("interest_left").clip(0).clip(upper_bound=pl.col("balance") - pl.col("fees_left")))
    one_by_one = _one_by_one(prepared, [terms], terms).select(OUT)
    assert clipped.to_dicts() == one_by_one.to_dicts()
    vectorised = _earn(_split(prepared, terms.order), terms).select(OUT)
    assert vectorised.to_dicts() == one_by_one.to_dicts()


def test_a_file_spanning_two_versions_uses_each_payments_own_terms() -> None:
    january = Terms(starts_on=START, tiers=(Tier(rate_bp=1000),))
    may = Terms(
        starts_on=date(2026, 5, 1),
        order=(Part.PRINCIPAL, Part.INTEREST, Part.FEES),
        tiers=(Tier(rate_bp=2000),),
    )
    frame = _frame([(10_000, 1_000, 1_000, "credit_card", 10, 0)], [(0, 2_000, 30), (0, 2_000, 130)])
    got = split_and_earn(frame, [january, may], Terms(starts_on=START)).select(OUT).rows()
    # 31 January: fees, then interest, at 10%; 11 May: principal first, at 20%.
    assert got == [(1_000, 1_000, 0, 2_000, 200), (0, 0, 2_000, 2_000, 400)]
