"""Quality review of calls, pure: the checklist a call is scored against, the score of a review, the ISO
week a sample belongs to, and the weekly sample itself (which of a collector's answered calls are
reviewed, and why).

The sample (docs/quality-review.md): per collector per ISO week, `risk` calls drawn by weight among the
calls with a risk signal (a complaint or a dispute on the case after the call, a refusal or an opt-out
after it, a long call), then `random` calls drawn evenly among the rest; a risk slot no risky call fills
goes to a random call, so a collector with fewer calls than both counts gets every one of them. The draw
is a pure function of the calls, the counts and the seed: the same week sampled twice picks the same calls.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

ANSWERS = ("yes", "no", "na")  # each item: done, not done, not applicable to this call
REASONS = ("random", "risk")

# What makes a call worth a reviewer's ear, and how much more likely it is drawn (a call's weight is the
# sum of its signals'). A complaint weighs most: it is the debtor saying the call went wrong.
RISK_WEIGHTS: Mapping[str, int] = {
    "complaint": 5,  # a complaint on the case received after the call
    "dispute": 4,  # a dispute on the case opened after the call
    "opt_out": 3,  # a request to stop (a cease hold) or an opt-out recorded after the call
    "refusal": 3,  # the call's own outcome: the debtor refused to pay, or disputed the debt
    "long_call": 2,  # talk time of LONG_CALL_SECONDS or more
}
LONG_CALL_SECONDS = 15 * 60
RANDOM_PER_WEEK = 2
RISK_PER_WEEK = 2


@dataclass(frozen=True)
class ChecklistItem:
    """One question of a checklist: its code, its text in Chinese and English, its weight in the score."""

    code: str
    zh: str
    en: str
    weight: int = 1

    def text(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "zh": self.zh, "en": self.en, "weight": self.weight}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> ChecklistItem:
        weight = raw.get("weight", 1)
        return cls(
            str(raw["code"]), str(raw["zh"]), str(raw["en"]), int(weight) if isinstance(weight, int) else 1
        )


DEFAULT_ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem("identified", "表明了本人身份和所属机构", "Identified self and agency", 2),
    ChecklistItem(
        "right_party", "披露债务前核实了对方是本人", "Verified the right party before disclosing", 3
    ),
    ChecklistItem(
        "no_threats", "没有威胁，没有虚假或误导性陈述", "No threats, no false or misleading statements", 3
    ),
    ChecklistItem("offered_plan", "对无力还款者提出了还款方案", "Offered a plan to those unable to pay", 1),
    ChecklistItem(
        "respected_stop",
        "尊重了停止联系或改用其他方式联系的要求",
        "Respected a request to stop or to be contacted otherwise",
        3,
    ),
)
# Several US states require every party's consent to a recording: us-reg-f announces it on every call.
RECORDING_ITEM = ChecklistItem("announced_recording", "通话开始时告知了录音", "Announced the recording", 2)
PACKS_ANNOUNCING = frozenset({"us-reg-f"})


def default_checklist(pack: str) -> tuple[ChecklistItem, ...]:
    """The checklist of a creditor and pack that has none of its own."""
    return (*DEFAULT_ITEMS, RECORDING_ITEM) if pack in PACKS_ANNOUNCING else DEFAULT_ITEMS


def score(items: Sequence[ChecklistItem], answers: Mapping[str, str]) -> int | None:
    """The review's score out of 100: the weight answered yes over the weight answered yes or no, rounded
    down (an item not applicable counts for nothing). None when every item is not applicable."""
    done = asked = 0
    for item in items:
        answer = answers.get(item.code)
        if answer == "yes":
            done += item.weight
        if answer in ("yes", "no"):
            asked += item.weight
    return None if asked == 0 else done * 100 // asked


# --- weeks -------------------------------------------------------------------------------------------


def week_of(day: date) -> str:
    """The ISO week a day belongs to, as 2026-W49."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    """The Monday of an ISO week written 2026-W49; ValueError for anything else."""
    year, _sep, number = week.partition("-W")
    if len(year) != 4 or len(number) != 2 or not year.isdigit() or not number.isdigit():
        raise ValueError(week)
    return date.fromisocalendar(int(year), int(number), 1)


def previous_week(day: date) -> str:
    """The last whole ISO week before the day's."""
    return week_of(day - timedelta(days=7))


def weeks_back(week: str, count: int) -> list[str]:
    """`count` ISO weeks ending with `week`, oldest first."""
    monday = week_monday(week)
    return [week_of(monday - timedelta(days=7 * k)) for k in range(count - 1, -1, -1)]


# --- the sample --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleCall:
    """An answered call of the week, as the sample sees it."""

    call_id: int
    user_id: int
    talk_seconds: int
    signals: frozenset[str] = frozenset()  # keys of RISK_WEIGHTS

    @property
    def weight(self) -> int:
        return sum(RISK_WEIGHTS.get(s, 0) for s in self.signals)


@dataclass(frozen=True)
class Pick:
    call_id: int
    user_id: int
    reason: str  # "random" or "risk"
    risk_reasons: tuple[str, ...]  # the call's signals, sorted (a random pick may have some too)


def signals_of(talk_seconds: int, after: Iterable[str]) -> frozenset[str]:
    """A call's risk signals: what happened after it (complaint, dispute, opt_out, refusal) and its length."""
    found = {s for s in after if s in RISK_WEIGHTS}
    if talk_seconds >= LONG_CALL_SECONDS:
        found.add("long_call")
    return frozenset(found)


def pick_for_collector(
    calls: Sequence[SampleCall], week: str, *, random_n: int, risk_m: int, seed: str
) -> list[Pick]:
    """One collector's picks of the week: up to `risk_m` risky calls drawn by weight (without replacement:
    each call's key is u ** (1 / weight), the largest keys win), then `random_n` plus the risk slots left
    over drawn evenly from the rest. Deterministic in (calls, week, counts, seed)."""
    if not calls:
        return []
    ordered = sorted(calls, key=lambda c: c.call_id)
    rng = random.Random(f"{seed}|{week}|{ordered[0].user_id}")
    risky = [c for c in ordered if c.weight > 0]
    keyed = sorted(((math.log(rng.random() or 1e-300) / c.weight, c.call_id) for c in risky), reverse=True)
    by_id = {c.call_id: c for c in ordered}
    chosen_risk = [by_id[call_id] for _key, call_id in keyed[: max(risk_m, 0)]]
    taken = {c.call_id for c in chosen_risk}
    rest = [c for c in ordered if c.call_id not in taken]
    wanted = max(random_n, 0) + max(risk_m, 0) - len(chosen_risk)
    chosen_random = rng.sample(rest, min(wanted, len(rest)))
    picks = [Pick(c.call_id, c.user_id, "risk", tuple(sorted(c.signals))) for c in chosen_risk]
    picks += [Pick(c.call_id, c.user_id, "random", tuple(sorted(c.signals))) for c in chosen_random]
    return sorted(picks, key=lambda p: p.call_id)


def pick_week(
    calls: Iterable[SampleCall],
    week: str,
    *,
    random_n: int = RANDOM_PER_WEEK,
    risk_m: int = RISK_PER_WEEK,
    seed: str = "",
) -> list[Pick]:
    """Every collector's picks of the week (see `pick_for_collector`)."""
    by_user: dict[int, list[SampleCall]] = {}
    for call in calls:
        by_user.setdefault(call.user_id, []).append(call)
    picks: list[Pick] = []
    for user_id in sorted(by_user):
        picks += pick_for_collector(by_user[user_id], week, random_n=random_n, risk_m=risk_m, seed=seed)
    return picks
