"""Champion against challenger (docs/reports.md, "Champion and challenger"), with no storage: each
strategy's cases, what they paid and how many promised or paid, and the difference of each challenger to
the champion with a confidence interval.

The mean collected per case is compared by the normal approximation with Welch's standard error (each arm
keeps its own variance); rates (the share of cases that promised, that paid) by Newcombe's hybrid score
interval, built from each arm's Wilson interval (Newcombe 1998, method 10). A difference whose interval
contains 0 is not yet significant. Money stays in integer minor units: the mean and its interval are
worked in Decimal and rounded half-even to whole minor units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from math import sqrt
from statistics import NormalDist
from typing import Any

LEVEL = 0.95
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Arm:
    """One strategy's cases over a period, in one currency: sums over its cases (minor units)."""

    cases: int
    collected: int  # the sum over its cases of what each paid
    collected_squares: int  # the sum over its cases of the square of what each paid
    promised: int  # cases with a promise made
    paid: int  # cases with a payment


def z_value(level: float = LEVEL) -> float:
    """The two-sided normal quantile of a confidence level (1.959964 at 95%)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson's score interval of a proportion successes / n (0..1 when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    z = z_value(level)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(x1: int, n1: int, x2: int, n2: int, level: float = LEVEL) -> tuple[float, float, float]:
    """The difference p1 - p2 of two independent proportions and its hybrid score interval."""
    p1 = x1 / n1 if n1 else 0.0
    p2 = x2 / n2 if n2 else 0.0
    l1, u1 = wilson(x1, n1, level)
    l2, u2 = wilson(x2, n2, level)
    d = p1 - p2
    low = d - sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def _mean_and_variance(arm: Arm) -> tuple[Decimal, Decimal]:
    n = Decimal(arm.cases)
    mean = Decimal(arm.collected) / n
    if arm.cases < 2:
        return mean, Decimal(0)
    variance = (Decimal(arm.collected_squares) - n * mean * mean) / (n - 1)
    return mean, max(variance, Decimal(0))


def welch(challenger: Arm, champion: Arm, level: float = LEVEL) -> tuple[Decimal, Decimal, Decimal] | None:
    """The difference of mean collected per case (challenger - champion, minor units) and its interval
    by the normal approximation with Welch's standard error; None when an arm has fewer than 2 cases."""
    if challenger.cases < 2 or champion.cases < 2:
        return None
    m1, v1 = _mean_and_variance(challenger)
    m2, v2 = _mean_and_variance(champion)
    error = (v1 / challenger.cases + v2 / champion.cases).sqrt()
    half = Decimal(repr(z_value(level))) * error
    d = m1 - m2
    return d, d - half, d + half


def _minor(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_EVEN))


def _rate(value: float) -> str:
    return str(Decimal(repr(value)).quantize(RATE_PLACES, ROUND_HALF_EVEN))


def _significant(low: float | Decimal, high: float | Decimal) -> bool:
    return low > 0 or high < 0


def _rate_difference(x1: int, n1: int, x2: int, n2: int, level: float) -> dict[str, Any]:
    d, low, high = newcombe(x1, n1, x2, n2, level)
    return {
        "difference": _rate(d),
        "interval_low": _rate(low),
        "interval_high": _rate(high),
        "significant": _significant(low, high),
    }


def champion_of(arms: Mapping[str, Arm]) -> str | None:
    """The champion: the strategy with the most cases (it plans the larger share); ties by name."""
    if not arms:
        return None
    return min(arms, key=lambda name: (-arms[name].cases, name))


def compare(
    arms: Mapping[str, Arm], champion: str | None = None, level: float = LEVEL
) -> list[dict[str, Any]]:
    """Each strategy's figures, and each challenger's difference to the champion with its interval: the
    champion first, then the challengers by name. Strategies with no case are left out."""
    arms = {name: arm for name, arm in arms.items() if arm.cases > 0}
    champion = champion if champion in arms else champion_of(arms)
    out: list[dict[str, Any]] = []
    for name in sorted(arms, key=lambda n: (n != champion, n)):
        arm = arms[name]
        row: dict[str, Any] = {
            "strategy": name,
            "champion": name == champion,
            "cases": arm.cases,
            "collected": arm.collected,
            "collected_per_case": _minor(Decimal(arm.collected) / arm.cases),
            "promise_rate": _rate(arm.promised / arm.cases),
            "paid_rate": _rate(arm.paid / arm.cases),
            "difference": None,
            "interval_low": None,
            "interval_high": None,
            "significant": None,
            "promise_rate_difference": None,
            "paid_rate_difference": None,
        }
        if name != champion and champion is not None:
            base = arms[champion]
            welched = welch(arm, base, level)
            if welched is not None:
                d, low, high = welched
                row.update(
                    difference=_minor(d),
                    interval_low=_minor(low),
                    interval_high=_minor(high),
                    significant=_significant(low, high),
                )
            row["promise_rate_difference"] = _rate_difference(
                arm.promised, arm.cases, base.promised, base.cases, level
            )
            row["paid_rate_difference"] = _rate_difference(arm.paid, arm.cases, base.paid, base.cases, level)
        out.append(row)
    return out
