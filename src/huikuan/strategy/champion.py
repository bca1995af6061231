"""Champion and challenger: a stable split of cases between named strategies, and their results with
confidence intervals.

The split hashes each case id with a salt (splitmix64, the same on every machine and every run), so a
case stays in its arm from day to day and a new salt starts a new experiment. Each arm is planned with
its share of the day's capacity. Results are compared per case (recovered per case in the arm), with a
normal-approximation or bootstrap interval for each arm's mean and for the challenger's lift.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl

from huikuan.errors import InvalidInput
from huikuan.strategy.api import Capacity, PlanInputs, PlanResult, StrategyConfig
from huikuan.strategy.frames import F64, I64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _salt(salt: str) -> np.uint64:
    return np.uint64(int.from_bytes(hashlib.sha256(salt.encode("utf-8")).digest()[:8], "little"))


def unit_hash(case_ids: I64, salt: str = "") -> F64:
    """A uniform number in [0, 1) per case id: splitmix64 of the id mixed with the salt's digest."""
    x = case_ids.astype(np.uint64) ^ _salt(salt)
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return np.asarray((z >> np.uint64(11)).astype(np.float64) / float(1 << 53), dtype=np.float64)


def split(case_ids: I64, shares: Mapping[str, float], salt: str = "") -> np.ndarray:
    """The arm (strategy name) of each case, in proportion to `shares` (which must sum to 1)."""
    if not shares or any(v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1.0) > 1e-9:
        raise InvalidInput("shares: expected non-negative shares summing to 1")
    names = list(shares)
    edges = np.cumsum([shares[k] for k in names])
    edges[-1] = 1.0
    idx = np.searchsorted(edges, unit_hash(case_ids, salt), side="right")
    return np.asarray(names, dtype=object)[np.minimum(idx, len(names) - 1)]


def _share_capacity(cap: Capacity, share: float) -> Capacity:
    collectors = cap.collectors.with_columns(
        (pl.col("minutes").cast(pl.Float64) * share).floor().cast(pl.Int32).alias("minutes")
    )
    return replace(
        cap,
        collectors=collectors,
        visits=int(cap.visits * share),
        sms=int(cap.sms * share),
        email=int(cap.email * share),
        wechat=int(cap.wechat * share),
        letters=int(cap.letters * share),
    )


def plan_split(
    inputs: PlanInputs, arms: Mapping[str, StrategyConfig], shares: Mapping[str, float], salt: str = ""
) -> PlanResult:
    """Plan each arm's cases with its share of capacity; one plan with an extra `arm` column."""
    from huikuan.strategy.planner import plan_day

    if set(arms) != set(shares):
        raise InvalidInput("arms: every arm needs a share and a strategy")
    case_ids = inputs.cases["case_id"].to_numpy().astype(np.int64)
    arm = split(case_ids, shares, salt)
    plans: list[pl.DataFrame] = []
    stats: dict[str, Any] = {}
    prices: dict[str, float] = {}
    for name, config in arms.items():
        mine = pl.Series(arm == name)
        cases = inputs.cases.filter(mine)
        ids = cases["case_id"]
        part = replace(
            inputs,
            cases=cases,
            allowed=inputs.allowed.filter(pl.col("case_id").is_in(ids.implode())),
            capacity=_share_capacity(inputs.capacity, shares[name]),
        )
        result = plan_day(part, config)
        plans.append(result.plan.with_columns(pl.lit(name).alias("arm")))
        stats[name] = result.stats
        prices.update({f"{name}:{k}": v for k, v in result.prices.items()})
    return PlanResult(pl.concat(plans), prices, None, {"arms": stats, "salt": salt})


def report(results: pl.DataFrame, level: float = 0.95, method: str = "normal", seed: int = 0) -> pl.DataFrame:
    """Per arm: cases, total and mean recovered per case with its confidence interval.

    `results` has one row per case: `arm` and `recovered` (any number, e.g. minor units over the test).
    """
    from statistics import NormalDist

    if method not in ("normal", "bootstrap"):
        raise InvalidInput("method: expected normal or bootstrap")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    rng = np.random.default_rng(seed)
    rows = []
    for name in sorted(results["arm"].unique().to_list()):
        x = results.filter(pl.col("arm") == name)["recovered"].cast(pl.Float64).to_numpy()
        n = len(x)
        mean = float(x.mean()) if n else 0.0
        if method == "normal" or n < 2:
            half = z * float(x.std(ddof=1)) / np.sqrt(n) if n > 1 else float("inf")
            lo, hi = mean - half, mean + half
        else:
            means = x[rng.integers(0, n, (2000, n))].mean(axis=1)
            lo, hi = (float(v) for v in np.quantile(means, [(1 - level) / 2, (1 + level) / 2]))
        rows.append((name, n, float(x.sum()), mean, lo, hi))
    return pl.DataFrame(rows, schema=["arm", "cases", "recovered", "mean", "ci_low", "ci_high"], orient="row")


def lift(results: pl.DataFrame, champion: str, challenger: str, level: float = 0.95) -> dict[str, float]:
    """The challenger's mean per case over the champion's, as a ratio minus one, with a delta-method
    normal interval."""
    from statistics import NormalDist

    a = results.filter(pl.col("arm") == champion)["recovered"].cast(pl.Float64).to_numpy()
    b = results.filter(pl.col("arm") == challenger)["recovered"].cast(pl.Float64).to_numpy()
    if len(a) < 2 or len(b) < 2 or a.mean() == 0:
        raise InvalidInput("lift: each arm needs at least two cases and the champion a non-zero mean")
    ma, mb = a.mean(), b.mean()
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    ratio = mb / ma
    se = ratio * np.sqrt(va / ma**2 + vb / mb**2) if mb else np.sqrt(vb) / ma
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return {
        "lift": float(ratio - 1),
        "ci_low": float(ratio - 1 - z * se),
        "ci_high": float(ratio - 1 + z * se),
    }
