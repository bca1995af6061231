"""Sifting: the LP of the cases in doubt, grown until every other case agrees with its prices."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from huikuan.strategy.capacity_problem import used_by
from huikuan.strategy.exact import random_problem, solve_exact
from huikuan.strategy.primal import fill
from huikuan.strategy.sifting import sift


def _nothing(n: int) -> np.ndarray:
    return np.full(n, -1, dtype=np.int64)


def test_from_prices_of_zero_the_core_grows_until_the_choice_is_the_lp_optimum() -> None:
    p = random_problem(800, 3, languages=2)
    start = fill(p, _nothing(p.n))
    got = sift(p, np.zeros(len(p.capacity)), start, share=0.01, rounds=20)
    assert got.exact
    assert got.rounds > 1  # the first core, a hundredth of the cases, was not enough
    lp = solve_exact(p).value
    assert abs(got.value - lp) <= 1e-6 * abs(lp)
    assert np.all(used_by(p, got.choice) <= p.capacity + 1e-9)


def test_out_of_rounds_the_choice_still_keeps_every_capacity_and_is_no_worse_than_the_one_given() -> None:
    p = random_problem(800, 4, languages=3, tight=0.1)
    start = fill(p, _nothing(p.n))
    got = sift(p, np.zeros(len(p.capacity)), start, share=0.01, rounds=1)
    assert not got.exact
    assert np.all(used_by(p, got.choice) <= p.capacity + 1e-9)
    assert got.value >= float(p.value[np.nonzero(start >= 0)[0], start[start >= 0]].sum())


def test_no_case_joins_a_core_that_would_pass_its_limit_and_the_choice_stays_feasible() -> None:
    p = random_problem(800, 5, languages=2)
    start = fill(p, _nothing(p.n))
    free = sift(p, np.zeros(len(p.capacity)), start, share=0.01)
    capped = sift(p, np.zeros(len(p.capacity)), start, share=0.01, max_core=1)
    assert free.exact and not capped.exact
    assert capped.core < free.core  # the first core only
    assert np.all(used_by(p, capped.choice) <= p.capacity + 1e-9)
    assert capped.value >= float(p.value[np.nonzero(start >= 0)[0], start[start >= 0]].sum())


def test_a_case_without_any_option_is_left_alone() -> None:
    p = random_problem(50, 6)
    p.value[:] = -np.inf
    got = sift(p, np.zeros(len(p.capacity)), _nothing(p.n))
    assert got.exact
    assert np.all(got.choice == -1)


def test_solving_writes_nothing_on_standard_output() -> None:
    # A plan's --json goes to standard output; HiGHS must not print its banner into it.
    code = (
        "from huikuan.strategy.allocate import solve\n"
        "from huikuan.strategy.exact import random_problem, solve_exact\n"
        "p = random_problem(300, 1)\n"
        "solve(p)\n"
        "solve_exact(p)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == ""
