"""The answer model: a new debtor gets the portfolio's curve; their own answers pull them away from it."""

from __future__ import annotations

import numpy as np
import polars as pl

from huikuan.strategy.answers import AnswerPriors, estimate
from huikuan.strategy.api import ANSWERS_SCHEMA

MONDAY = 0


def _portfolio(rng: np.random.Generator, debtors: int = 400) -> pl.DataFrame:
    """Everyone answers evenings (17-20h) at 30% and other hours at 10%, over every weekday."""
    rows = []
    for d in range(1, debtors + 1):
        for day in range(7):
            for hour in range(8, 21):
                attempts = 2
                rate = 0.3 if hour >= 17 else 0.1
                rows.append((d, day * 24 + hour, attempts, int(rng.binomial(attempts, rate))))
    return pl.DataFrame(rows, schema=ANSWERS_SCHEMA, orient="row")


def _with(history: pl.DataFrame, debtor: int, hour: int, attempts: int, answers: int) -> pl.DataFrame:
    extra = pl.DataFrame(
        [(debtor, MONDAY * 24 + hour, attempts, answers)], schema=ANSWERS_SCHEMA, orient="row"
    )
    return pl.concat([history, extra])


def test_with_no_history_at_all_every_hour_gets_the_documented_prior_rate() -> None:
    curves = estimate(pl.DataFrame(schema=ANSWERS_SCHEMA), np.array([1, 2]), MONDAY)
    assert np.allclose(curves.today, AnswerPriors().rate)


def test_a_new_debtor_gets_exactly_the_portfolios_curve_for_the_day() -> None:
    history = _portfolio(np.random.default_rng(1))
    curves = estimate(history, np.array([999_999]), MONDAY)
    assert np.allclose(curves.today[0], curves.portfolio_week[MONDAY * 24 : MONDAY * 24 + 24], atol=1e-6)
    # The portfolio's evenings are better than its mornings, and the new debtor's best hour is an evening.
    assert curves.today[0, 18] > 2 * curves.today[0, 10]
    assert int(np.argmax(curves.today[0])) >= 17


def test_a_debtors_own_answers_pull_their_estimate_toward_their_rate_as_they_accumulate() -> None:
    history = _portfolio(np.random.default_rng(2))
    new = 999_999
    population = estimate(history, np.array([new]), MONDAY).today[0, 10]
    estimates = []
    for attempts in (5, 20, 80, 320):
        # This debtor answers 60% of morning calls at 10h, unlike the portfolio (10%).
        mine = _with(history, new, 10, attempts, int(0.6 * attempts))
        estimates.append(estimate(mine, np.array([new]), MONDAY).today[0, 10])
    assert population < estimates[0] < estimates[1] < estimates[2] < estimates[3]
    assert abs(estimates[-1] - 0.6) < 0.03


def test_a_debtor_who_never_answers_is_scaled_down_at_every_hour_not_only_the_tried_one() -> None:
    history = _portfolio(np.random.default_rng(3))
    new = 999_999
    silent = history
    for hour in (9, 11, 14):
        silent = _with(silent, new, hour, 10, 0)
    got = estimate(silent, np.array([new]), MONDAY)
    portfolio = got.portfolio_week[:24]
    assert got.today[0, 19] < 0.6 * portfolio[19]  # an hour never tried, pulled down by the debtor's scale
    assert got.today[0, 9] < got.today[0, 19]


def test_each_case_of_a_debtor_with_several_cases_gets_that_debtors_curve() -> None:
    history = _with(_portfolio(np.random.default_rng(4), 50), 7, 10, 20, 20)
    got = estimate(history, np.array([7, 8, 7]), MONDAY)
    assert np.allclose(got.today[0], got.today[2])
    assert got.today[0, 10] > got.today[1, 10]
