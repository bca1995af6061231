"""What a simulation run reports: totals, calibration checks and an optional per-day series, as JSON.

Money is reported in major units of the scenario's currency (and `recovered_minor` in minor units).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from huikuan.simulate.scenario import Scenario


@dataclass
class Totals:
    initial_balance: int
    recovered: int = 0
    cost: int = 0
    contacts: int = 0
    calls: int = 0
    visits: int = 0
    messages: int = 0
    right_party_contacts: int = 0
    promises: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    plans: int = 0
    payments: int = 0
    closed: int = 0
    disputes: int = 0
    complaints: int = 0
    violations: int = 0
    audited: int = 0
    refused: int = 0
    not_reached: int = 0
    plan_outside_allowed: int = 0
    daily_recovered: list[int] = field(default_factory=list)
    calls_by_stage: list[int] = field(default_factory=lambda: [0, 0, 0])
    rpc_by_stage: list[int] = field(default_factory=lambda: [0, 0, 0])


@dataclass(frozen=True)
class RunFacts:
    """What the report reads of the simulated floor at the end of a run."""

    totals: Totals
    scenario: Scenario
    debtors: int
    gate_decisions: int
    visits_found: int  # conversations at the door: right-party contacts that are not call answers
    # What the plans expected to recover against what was then paid, per segment and action
    # (simulate/expectations.py).
    expectations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    data: dict[str, Any]

    @classmethod
    def build(
        cls,
        floor: RunFacts,
        strategy: str,
        days: int,
        seed: int,
        series: list[dict[str, Any]],
        seconds: float,
    ) -> Result:
        t = floor.totals
        sc = floor.scenario
        data: dict[str, Any] = {
            "scenario": sc.s("scenario.name"),
            "strategy": strategy,
            "days": days,
            "seed": seed,
            "debtors": floor.debtors,
            "currency": sc.s("scenario.currency"),
            "pack": sc.s("scenario.pack"),
            **_counts(t),
            "calibration": _calibration(floor, days),
            "seconds": round(seconds, 2),
            "gate_decisions": floor.gate_decisions,
            "expectations": floor.expectations,
            "series": {
                "recovered": [round(x / 100, 2) for x in t.daily_recovered],
                "planned": [s["planned"] for s in series],
                "made": [s["made"] for s in series],
                "bound_gap": [s["bound_gap"] for s in series],
                "seconds": [{k: round(v, 3) for k, v in s["seconds"].items()} for s in series],
            },
        }
        return cls(data)


def _major(x: int) -> float:
    return round(x / 100, 2)


def _share(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _counts(t: Totals) -> dict[str, Any]:
    """The run's money (in major units), contacts and their outcomes, and the gate's counts."""
    return {
        "recovered": _major(t.recovered),
        "recovered_minor": t.recovered,
        "cost": _major(t.cost),
        "net": _major(t.recovered - t.cost),
        "contacts": t.contacts,
        "calls": t.calls,
        "visits": t.visits,
        "messages": t.messages,
        "right_party_contacts": t.right_party_contacts,
        "promises": t.promises,
        "promises_kept": t.promises_kept,
        "promises_broken": t.promises_broken,
        "hardship_plans": t.plans,
        "payments": t.payments,
        "paid_off": t.closed,
        "disputes": t.disputes,
        "complaints": t.complaints,
        "violations": t.violations,
        "audited_contacts": t.audited,
        "refused_by_gate": t.refused,
        "not_reached": t.not_reached,
        "plan_outside_allowed": t.plan_outside_allowed,
    }


def _calibration(floor: RunFacts, days: int) -> dict[str, Any]:
    """The rates calibration.md compares with the industry's."""
    t = floor.totals
    collectors = max(floor.scenario.i("team.collectors"), 1)
    return {
        "rpc_per_call_attempt": _share(t.right_party_contacts - floor.visits_found, t.calls),
        "rpc_per_call_attempt_by_stage": {
            name: _share(t.rpc_by_stage[k], t.calls_by_stage[k])
            for k, name in enumerate(("early", "mid", "late"))
        },
        "promise_per_rpc": _share(t.promises, t.right_party_contacts),
        "kept_per_promise_due": _share(t.promises_kept, t.promises_kept + t.promises_broken),
        "calls_per_collector_day": round(t.calls / collectors / max(days, 1), 1),
        "liquidation": _share(t.recovered, t.initial_balance),
        "recovered_per_collector_year": _major(round(t.recovered / collectors * 365 / max(days, 1))),
    }
