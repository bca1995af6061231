"""An import's progress bar shows the step it has reached: the shares of the steps before it."""

from __future__ import annotations

import pytest

from huikuan.services.import_progress import STEPS, percent, step_number


@pytest.mark.parametrize("kind", sorted(STEPS))
def test_each_kind_of_import_shares_the_whole_bar_among_its_steps(kind: str) -> None:
    assert sum(share for _, share in STEPS[kind]) == 100


def test_the_bar_stands_at_the_shares_of_the_steps_done() -> None:
    assert percent("accounts", "running", "parse") == 0
    assert percent("accounts", "running", "cases") == 32  # parse 15, check 2, people 15
    assert percent("payments", "running", "write") == 60
    assert percent("accounts", "done", None) == 100


def test_a_batch_not_yet_running_or_ended_without_success_stands_at_zero() -> None:
    assert percent("accounts", "queued", None) == 0
    assert percent("accounts", "running", None) == 0
    assert percent("accounts", "refused", "check") == 0
    assert percent("recalls", "failed", None) == 0


def test_the_step_is_numbered_from_one_among_its_kinds_steps() -> None:
    assert step_number("accounts", "contacts") == (6, 7)
    assert step_number("recalls", "parse") == (1, 3)
    assert step_number("payments", None) == (0, 3)
    assert step_number("payments", "people") == (0, 3)
