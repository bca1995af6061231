"""Assignment: language first, the case's own collector where capacity allows, skills, balanced load."""

from __future__ import annotations

import numpy as np

from huikuan.strategy.schedule import assign_calls, assign_visits
from huikuan.strategy.timegrid import Collectors

LANGS = ["en", "zh"]
SKILLS = ["hardship", "senior"]


def _team(langs: list[set[str]], skills: list[set[str]] | None = None) -> Collectors:
    n = len(langs)
    return Collectors(
        user_id=np.arange(100, 100 + n, dtype=np.int64),
        languages=[frozenset(x) for x in langs],
        skills=[frozenset(x) for x in (skills or [set()] * n)],
        minutes=np.full(n, 400.0),
        shift_start=np.zeros(n, dtype=np.int64),
        shift_end=np.full(n, 8 * 3600, dtype=np.int64),
    )


def _assign(
    team: Collectors,
    cap: np.ndarray,
    lang: list[str],
    assigned: list[int] | None = None,
    skill: list[int] | None = None,
    col: list[int] | None = None,
) -> np.ndarray:
    m = len(lang)
    return assign_calls(
        np.asarray(col if col is not None else [0] * m, dtype=np.int64),
        np.array([LANGS.index(x) for x in lang], dtype=np.int64),
        LANGS,
        np.asarray(assigned if assigned is not None else [-1] * m, dtype=np.int64),
        np.asarray(skill if skill is not None else [-1] * m, dtype=np.int64),
        SKILLS,
        np.linspace(1, 0, m),
        team,
        cap,
    )


def test_every_call_goes_to_a_collector_who_speaks_its_language() -> None:
    team = _team([{"zh"}, {"zh"}, {"en"}, {"en", "zh"}])
    cap = np.full((4, 1), 10)
    lang = ["zh"] * 20 + ["en"] * 15
    who = _assign(team, cap, lang)
    for j, language in zip(who, lang, strict=True):
        assert j >= 0 and language in team.languages[j]
    assert np.all(np.bincount(who, minlength=4) <= 10)


def test_bilingual_collectors_are_kept_for_the_language_only_they_cover() -> None:
    # 10 English calls need the bilingual collector's slots as well as the English one's.
    team = _team([{"zh"}, {"en"}, {"en", "zh"}])
    cap = np.array([[10], [5], [5]])
    lang = ["zh"] * 10 + ["en"] * 10
    who = _assign(team, cap, lang)
    assert np.all(who >= 0)


def test_a_case_keeps_its_own_collector_where_that_collector_has_room() -> None:
    team = _team([{"zh"}, {"zh"}, {"zh"}])
    cap = np.full((3, 1), 4)
    assigned = [101] * 6 + [-1] * 4
    who = _assign(team, cap, ["zh"] * 10, assigned)
    own = team.user_id[who[:6]] == 101
    assert own.sum() == 4  # the collector's four slots go to their own cases, the most valuable first
    assert list(own[:4]) == [True] * 4


def test_a_case_whose_collector_does_not_speak_its_language_goes_to_one_who_does() -> None:
    team = _team([{"zh"}, {"en"}])
    who = _assign(team, np.full((2, 1), 5), ["en"], [100])
    assert team.user_id[who[0]] == 101


def test_the_load_is_balanced_across_collectors_over_the_day() -> None:
    team = _team([{"zh"}] * 4)
    cap = np.full((4, 3), 10)
    col = [0] * 12 + [1] * 12 + [2] * 12
    who = _assign(team, cap, ["zh"] * 36, col=col)
    load = np.bincount(who, minlength=4)
    assert load.max() - load.min() <= 1


def test_hardship_plans_go_to_hardship_skilled_collectors() -> None:
    team = _team([{"zh"}] * 4, [set(), {"hardship"}, set(), {"senior"}])
    skill = [0, 0, 0, -1, -1, -1, 1, 1]
    who = _assign(team, np.full((4, 1), 3), ["zh"] * 8, skill=skill)
    assert all(team.user_id[j] == 101 for j in who[:3])
    assert all(team.user_id[j] == 103 for j in who[6:])


def test_calls_beyond_every_collectors_capacity_are_left_unassigned() -> None:
    team = _team([{"zh"}])
    who = _assign(team, np.array([[2]]), ["zh"] * 3)
    assert list(who) == [0, 0, -1]


def test_visits_go_to_field_collectors_in_equal_runs_of_districts() -> None:
    team = _team([{"zh"}, {"zh"}, {"zh"}], [{"field"}, set(), {"field"}])
    districts = ["B", "A", "B", "A", "C", "C"]
    who = assign_visits(districts, np.ones(6), team)
    assert set(who) == {0, 2}
    assert np.bincount(who)[0] == np.bincount(who)[2] == 3
    by_district = {d: {j for j, x in zip(who, districts, strict=True) if x == d} for d in set(districts)}
    assert by_district["A"] == {0}
