"""What each day's plan expected to recover against what its cases then paid in the 30 days from that
day, per segment and action: counted from the 30th day (once a learning strategy has learned), only for
plan days whose 30 days have passed, the payments of those 30 days only."""

from __future__ import annotations

import numpy as np
import polars as pl

from huikuan.simulate.expectations import LEARNING_DAYS, WINDOW, Expectations
from huikuan.simulate.scenario import from_dict
from huikuan.simulate.world import run


def _plan(*rows: tuple[int, str, str, float, int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["case_id", "action", "segment", "p_pay", "expected_value", "cost"], orient="row"
    )


def _pay(book: Expectations, d: int, paid: dict[int, int]) -> None:
    rows = np.array([case - 1 for case in paid], dtype=np.int64)
    book.record_payments(d, rows, np.array(list(paid.values()), dtype=np.int64))


def test_a_plan_day_is_set_against_what_its_cases_paid_in_the_30_days_from_it() -> None:
    book = Expectations(n=3)
    first = LEARNING_DAYS
    for d in range(first + WINDOW + 1):
        if d == first - 1:
            book.record_plan(d, _plan((1, "call", "able_willing", 0.9, 999, 1)))  # still learning: left out
        if d == first:
            book.record_plan(
                d,
                _plan(
                    (1, "call", "able_willing", 0.5, 9_000, 1_000),  # expects 10,000
                    (2, "call", "able_willing", 0.3, 4_500, 500),  # expects 5,000
                    (3, "none", "unable_unwilling", 0.1, 2_000, 0),
                ),
            )
        if d == first + 2:  # its window runs past the end of the run
            book.record_plan(d, _plan((1, "sms", "able_willing", 0.2, 100, 4)))
        payments = {
            first - 1: {1: 7_000},  # before the plan day: not its doing
            first: {1: 6_000},
            first + WINDOW - 1: {2: 3_000},  # the window's last day
            first + WINDOW: {3: 9_000},  # the day after: not counted for the first plan day
        }
        _pay(book, d, payments.get(d, {}))

    table = {(r["segment"], r["action"]): r for r in book.table()}
    assert set(table) == {("able_willing", "call"), ("unable_unwilling", "none")}
    call = table[("able_willing", "call")]
    assert (call["plans"], call["expected"], call["paid"], call["ratio"]) == (2, 15_000, 9_000, 0.6)
    assert (call["p_pay"], call["paid_share"]) == (0.4, 1.0)
    idle = table[("unable_unwilling", "none")]
    assert (idle["paid"], idle["paid_share"], idle["ratio"]) == (0, 0.0, 0.0)


def test_a_run_too_short_to_settle_a_plan_day_after_learning_reports_no_expectations() -> None:
    sc = from_dict(
        {"scenario": {"debtors": 40}, "team": {"collectors": 1, "bilingual": 1, "hardship": 1, "senior": 0}}
    )
    assert run(sc, "optimized", 5, 1).data["expectations"] == []
