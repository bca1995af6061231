"""The pure parts of quality review (domain/call_review.py): the score of a review, ISO weeks, the
default checklist per pack, and the weekly draw: risk by weight, the rest at random, everything for a
collector with few calls, the same draw for the same seed."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from huikuan.domain.call_review import (
    DEFAULT_ITEMS,
    LONG_CALL_SECONDS,
    ChecklistItem,
    SampleCall,
    default_checklist,
    pick_for_collector,
    pick_week,
    previous_week,
    score,
    signals_of,
    week_monday,
    week_of,
    weeks_back,
)

ITEMS = (ChecklistItem("a", "甲", "A", 1), ChecklistItem("b", "乙", "B", 3))


def test_a_score_is_the_weight_answered_yes_over_the_weight_answered_at_all() -> None:
    assert score(ITEMS, {"a": "yes", "b": "yes"}) == 100
    assert score(ITEMS, {"a": "yes", "b": "no"}) == 25
    assert score(ITEMS, {"a": "na", "b": "no"}) == 0
    assert score(ITEMS, {"a": "no", "b": "na"}) == 0
    assert score(ITEMS, {"a": "na", "b": "na"}) is None


def test_the_default_checklist_asks_for_the_recording_announced_only_in_us_reg_f() -> None:
    codes = [i.code for i in default_checklist("cn")]
    assert codes == ["identified", "right_party", "no_threats", "offered_plan", "respected_stop"]
    assert [i.code for i in default_checklist("us-reg-f")] == [*codes, "announced_recording"]
    assert all(i.zh and i.en and i.weight >= 1 for i in default_checklist("us-reg-f"))
    assert DEFAULT_ITEMS[1].text("zh_CN") == "披露债务前核实了对方是本人"


def test_weeks_are_iso_weeks() -> None:
    assert week_of(date(2026, 11, 20)) == "2026-W47"
    assert week_of(date(2027, 1, 1)) == "2026-W53"  # a Friday: the week of 2026's last Thursday
    assert week_monday("2026-W47") == date(2026, 11, 16)
    assert previous_week(date(2026, 11, 23)) == "2026-W47"
    assert weeks_back("2026-W02", 3) == ["2025-W52", "2026-W01", "2026-W02"]
    for bad in ("2026-47", "2026-W7", "2026-W54", "W47-2026", ""):
        with pytest.raises(ValueError):
            week_monday(bad)


def test_a_long_call_and_what_followed_it_are_its_signals() -> None:
    assert signals_of(LONG_CALL_SECONDS, ["complaint", "unknown"]) == {"complaint", "long_call"}
    assert signals_of(LONG_CALL_SECONDS - 1, []) == frozenset()


def _calls(plain: int, risky: dict[int, frozenset[str]] | None = None, user: int = 7) -> list[SampleCall]:
    risky = risky or {}
    return [SampleCall(k, user, 60, risky.get(k, frozenset())) for k in range(1, plain + 1)]


def test_two_risky_calls_by_weight_and_two_at_random() -> None:
    calls = _calls(20, {3: frozenset({"complaint"}), 9: frozenset({"long_call"}), 15: frozenset({"dispute"})})
    picks = pick_for_collector(calls, "2026-W47", random_n=2, risk_m=2, seed="s")
    assert Counter(p.reason for p in picks) == {"risk": 2, "random": 2}
    assert {p.call_id for p in picks if p.reason == "risk"} <= {3, 9, 15}
    assert len({p.call_id for p in picks}) == 4


def test_the_heavier_risk_is_drawn_more_often() -> None:
    calls = _calls(10, {1: frozenset({"complaint"}), 2: frozenset({"long_call"})})
    drawn = Counter(
        next(p.call_id for p in pick_for_collector(calls, "2026-W47", random_n=0, risk_m=1, seed=str(k)))
        for k in range(400)
    )
    assert drawn[1] > drawn[2] > 0  # weights 5 and 2: about 5 in 7 against 2 in 7
    assert set(drawn) == {1, 2}


def test_a_collector_with_fewer_calls_than_the_sample_gets_them_all() -> None:
    calls = _calls(3, {2: frozenset({"refusal"})})
    picks = pick_for_collector(calls, "2026-W47", random_n=2, risk_m=2, seed="")
    assert [(p.call_id, p.reason) for p in picks] == [(1, "random"), (2, "risk"), (3, "random")]


def test_the_draw_is_the_same_for_the_same_seed_and_week_and_differs_for_another_seed() -> None:
    calls = _calls(50, {k: frozenset({"long_call"}) for k in range(1, 50, 5)})
    first = pick_week(reversed(calls), "2026-W47", seed="floor")
    assert first == pick_week(calls, "2026-W47", seed="floor")
    others = {tuple(p.call_id for p in pick_week(calls, "2026-W47", seed=str(k))) for k in range(10)}
    assert len(others) > 1


def test_each_collector_is_drawn_on_its_own() -> None:
    calls = [*_calls(6, user=1), *_calls(1, user=2)]
    calls = [SampleCall(c.call_id + 100 * c.user_id, c.user_id, 60) for c in calls]
    picks = pick_week(calls, "2026-W47")
    assert Counter(p.user_id for p in picks) == {1: 4, 2: 1}
