"""Champion against challenger (domain/comparison.py): Wilson's and Newcombe's intervals against the
published examples of Newcombe (1998), Welch's difference of means against a hand computation, and the
comparison's rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from huikuan.domain.comparison import Arm, champion_of, compare, newcombe, welch, wilson, z_value


def _arm(values: list[int], promised: int = 0) -> Arm:
    return Arm(
        len(values), sum(values), sum(v * v for v in values), promised, sum(1 for v in values if v > 0)
    )


def test_the_95_percent_normal_quantile_is_1_96() -> None:
    assert round(z_value(), 6) == 1.959964


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilsons_interval_matches_newcombes_examples(successes: int, n: int, low: float, high: float) -> None:
    found = wilson(successes, n)
    assert (round(found[0], 4), round(found[1], 4)) == (low, high)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090), (6, 7, 2, 7, 0.0582, 0.8062)],
)
def test_newcombes_hybrid_interval_matches_his_examples(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    d, lo, hi = newcombe(x1, n1, x2, n2)
    assert round(d, 4) == round(x1 / n1 - x2 / n2, 4)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_welchs_difference_of_means_matches_a_hand_computation() -> None:
    # challenger 100, 200, 300 (mean 200, variance 10000); champion 0, 0, 100, 100 (mean 50, variance
    # 10000/3): standard error sqrt(10000/3 + 10000/12) = 64.5497, half-width 1.959964 x 64.5497 = 126.5150
    found = welch(_arm([100, 200, 300]), _arm([0, 0, 100, 100]))
    assert found is not None
    d, low, high = found
    assert d == 150
    assert round(low, 2) == Decimal("23.48") and round(high, 2) == Decimal("276.52")


def test_welch_needs_two_cases_in_each_arm() -> None:
    assert welch(_arm([100]), _arm([0, 0, 100])) is None


def test_the_champion_is_the_arm_with_most_cases_and_comes_first() -> None:
    arms = {"aggressive": _arm([100, 200, 300], promised=2), "baseline": _arm([0, 0, 100, 100], promised=1)}
    assert champion_of(arms) == "baseline"
    champion, challenger = compare(arms)
    assert champion["strategy"] == "baseline" and champion["champion"] is True
    assert champion["difference"] is None and champion["promise_rate_difference"] is None
    assert champion["collected_per_case"] == 50 and champion["promise_rate"] == "0.2500"
    assert challenger["strategy"] == "aggressive" and challenger["champion"] is False
    interval = (challenger["difference"], challenger["interval_low"], challenger["interval_high"])
    assert interval == (150, 23, 277)
    assert challenger["significant"] is True
    assert challenger["paid_rate"] == "1.0000"
    promise = challenger["promise_rate_difference"]
    assert promise["difference"] == "0.4167" and promise["significant"] is False  # 2/3 - 1/4, few cases


def test_a_difference_whose_interval_holds_zero_is_not_yet_significant() -> None:
    rows = compare({"a": _arm([100, 0, 50, 0]), "b": _arm([90, 10, 40, 0, 20])})
    challenger = rows[1]
    assert challenger["interval_low"] < 0 < challenger["interval_high"]
    assert challenger["significant"] is False


def test_a_named_champion_is_kept_and_an_arm_without_cases_left_out() -> None:
    rows = compare({"a": _arm([1, 2, 3]), "b": _arm([5, 5]), "c": Arm(0, 0, 0, 0, 0)}, champion="b")
    assert [r["strategy"] for r in rows] == ["b", "a"]
