"""Segments and the payment model: estimates without an assessment, the prior, the trained path."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from huikuan.strategy import StrategyConfig, plan_day
from huikuan.strategy.api import ACTIONS
from huikuan.strategy.frames import read_cases
from huikuan.strategy.payment import OUTCOMES_SCHEMA, PaymentModel, prior_scores
from huikuan.strategy.segments import PATHS, SEGMENTS, estimate
from huikuan.strategy.synthetic import inputs


def test_a_collectors_assessment_decides_the_segment() -> None:
    inp = inputs(400, seed=1)
    cases = inp.cases.with_columns(pl.lit(0.9).alias("ability"), pl.lit(0.1).alias("willingness"))
    seg = estimate(read_cases(cases, inp.day))
    assert set(seg.names()) == {"able_unwilling"}
    assert seg.assessed.all()


def test_without_an_assessment_kept_promises_and_payments_make_a_debtor_look_able_and_willing() -> None:
    inp = inputs(10, seed=1)
    good = inp.cases.with_columns(
        pl.lit(None, dtype=pl.Float64).alias("ability"),
        pl.lit(None, dtype=pl.Float64).alias("willingness"),
        pl.lit(3).cast(pl.Int32).alias("promises_made"),
        pl.lit(3).cast(pl.Int32).alias("promises_kept"),
        pl.lit(0).cast(pl.Int32).alias("promises_broken"),
        pl.lit(2).cast(pl.Int32).alias("payments_90d"),
        pl.lit(100_00).cast(pl.Int64).alias("paid_90d"),
        pl.lit(False).alias("hardship"),
        pl.lit(20).cast(pl.Int32).alias("dpd"),
    )
    bad = good.with_columns(
        pl.lit(0).cast(pl.Int32).alias("promises_kept"),
        pl.lit(3).cast(pl.Int32).alias("promises_broken"),
        pl.lit(0).cast(pl.Int32).alias("payments_90d"),
        pl.lit(0).cast(pl.Int64).alias("paid_90d"),
        pl.lit(True).alias("hardship"),
        pl.lit(400).cast(pl.Int32).alias("dpd"),
    )
    g, b = estimate(read_cases(good, inp.day)), estimate(read_cases(bad, inp.day))
    assert set(g.names()) == {"able_willing"}
    assert set(b.names()) == {"unable_unwilling"}
    assert set(PATHS) == set(SEGMENTS)


def test_the_prior_gives_a_call_more_value_at_a_better_hour_and_none_to_a_fresh_refusal() -> None:
    inp = inputs(200, seed=2)
    fresh = inp.cases.with_columns(
        pl.lit(1).cast(pl.Int32).alias("days_since_contact"), pl.lit(False).alias("open_promise")
    )
    old = fresh.with_columns(pl.lit(40).cast(pl.Int32).alias("days_since_contact"))
    for frame in (fresh, old):
        cases = read_cases(frame, inp.day)
        scores = prior_scores(cases, estimate(cases))
        assert np.all(scores.call_gain >= 0)
    c_fresh, c_old = read_cases(fresh, inp.day), read_cases(old, inp.day)
    assert np.all(
        prior_scores(c_fresh, estimate(c_fresh)).call_gain < prior_scores(c_old, estimate(c_old)).call_gain
    )


def _outcomes(n: int, seed: int) -> pl.DataFrame:
    """Labels drawn from a truth that halves every call's chance of payment against the prior."""
    rng = np.random.default_rng(seed)
    action = rng.choice(list(ACTIONS), n)
    p_prior = rng.uniform(0.01, 0.4, n)
    truth = np.where(action == "call", p_prior / 2, p_prior)
    return pl.DataFrame(
        {
            "case_id": np.arange(n),
            "action": action,
            "p_prior": p_prior,
            "dpd": rng.integers(1, 400, n).astype(np.int32),
            "segment": rng.choice(SEGMENTS, n),
            "paid_30d": rng.random(n) < truth,
        },
        schema=OUTCOMES_SCHEMA,
    )


def test_the_payment_model_is_trained_on_enough_outcomes_and_learns_what_the_prior_got_wrong() -> None:
    model = PaymentModel.fit(_outcomes(20_000, 1))
    assert model is not None and model.examples == 20_000
    p = np.full(2000, 0.3)
    dpd = np.full(2000, 60)
    seg = np.full(2000, "able_willing")
    call, sms = model.predict("call", p, dpd, seg).mean(), model.predict("sms", p, dpd, seg).mean()
    assert 0.1 < call < 0.2 and 0.25 < sms < 0.35


def test_the_payment_model_is_not_trained_on_too_few_outcomes() -> None:
    assert PaymentModel.fit(_outcomes(500, 2)) is None


def test_a_plan_with_a_trained_model_uses_it_and_says_so() -> None:
    inp = inputs(1500, seed=6)
    prior = plan_day(inp, StrategyConfig("optimized"))
    trained = plan_day(inp, StrategyConfig("optimized", {"outcomes": _outcomes(20_000, 3)}))
    assert prior.stats["model"] == "prior" and trained.stats["model"] == "trained"
    # The history says calls pay half what the prior thinks: the trained plan calls no more than the prior's.
    calls = [int((r.plan["action"] == "call").sum()) for r in (prior, trained)]
    assert calls[1] <= calls[0]
    assert replace(inp) == inp
