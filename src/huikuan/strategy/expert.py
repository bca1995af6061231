"""The `expert` baseline: what a skilled supervisor would configure without an optimiser, written to be
hard to beat rather than easy (the rule-of-thumb baselines of strategies.py sort by one key and only
call). Its rules, each one a floor's common practice:

- **Leave a promise alone until it falls due; remind it then.** A case with an open promise due within
  `reminder_days` (tuned: on the day) gets an SMS reminder (a call where it has no mobile or no SMS is
  left); a case with an open promise further off is not contacted.
- **SMS first in early stage.** A case under `early_dpd` days past due gets an SMS, unless it had a message
  in the last `sms_gap_days` days; then a call.
- **Write to the unreachable.** A case with `unreachable_attempts` or more call attempts in 30 days and
  no right-party contact, or with no phone to call, gets a letter (at most one every `letter_gap_days`
  days of messages); otherwise it is called.
- **Everyone else is called, in their own best hour.** Each case is called in the hour it has answered
  best so far (its answer curve, from its own history where it has one), or the next best hour that still
  has room; the collectors who place the calls are chosen as for every strategy (language, own collector,
  then skill: hardship cases go to hardship-skilled collectors, strategy/schedule.py).
- **Priority** when capacity runs short: reminders first, then balance × a simple propensity: the share
  of its promises the debtor kept (Laplace: (kept + 1) / (made + 2)), times `fruitless_factor` for a case
  attempted three times in 30 days without reaching the right party, `paying_factor` for one that paid in
  90 days.

The settings (`Settings`, given as `params["expert"]`) were tuned on a grid of their own in the simulator
(bench/expert_grid.py, docs/benchmarks-strategy.md) before the planner was compared with them.

It plans within the same capacities (calls per collector-hour, the day's SMS and letters) and the same
gate (an action the gate refuses at every hour is not offered), and never uses the planner's model of
what a contact is worth: only the case's facts and its answer history.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from huikuan.strategy.api import PlanInputs, PlanResult
from huikuan.strategy.frames import F64, I64, Cases
from huikuan.strategy.options import Options
from huikuan.strategy.pipeline import finish, prepare
from huikuan.strategy.timegrid import Grid

ACTIONS = ("call", "sms", "letter")


@dataclass(frozen=True)
class Settings:
    early_dpd: int = 60  # under this many days past due: SMS first
    sms_gap_days: int = 3  # no early SMS within this many days of the last message
    unreachable_attempts: int = 5  # this many attempts in 30 days without reaching the debtor: a letter
    letter_gap_days: int = 14  # at most one letter in this many days of messages
    reminder_days: int = 0  # a promise due within this many days (0: today) is reminded
    fruitless_factor: float = 0.25  # priority of a case attempted 3 times in 30 days without a conversation
    paying_factor: float = 1.5  # priority of a case that paid in 90 days

    @classmethod
    def of(cls, params: dict[str, Any]) -> Settings:
        """The defaults, with what `params["expert"]` sets; an unknown setting is an error."""
        given = dict(params.get("expert") or {})
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"expert: unknown setting {sorted(unknown)[0]!r}")
        return replace(cls(), **given)


def wanted(cases: Cases, settings: Settings | None = None) -> tuple[list[str], F64]:
    """Each case's action by the rules ("none": leave it alone) and its priority (higher: sooner)."""
    st = settings or Settings()
    n = cases.n
    due = cases.promise_due_days
    reminder = cases.open_promise & ~np.isnan(due) & (due >= 0) & (due <= st.reminder_days)
    waiting = cases.open_promise & ~reminder
    since_message = np.where(np.isnan(cases.days_since_message), np.inf, cases.days_since_message)
    unreached = (cases.attempts_30d >= st.unreachable_attempts) & (cases.rpc_30d == 0)
    no_phone = ~cases.has_mobile
    out: list[str] = []
    for i in range(n):
        if reminder[i]:
            out.append("sms" if cases.has_mobile[i] else "call")
        elif waiting[i]:
            out.append("none")
        elif unreached[i] or no_phone[i]:
            out.append(
                "letter" if cases.has_address[i] and since_message[i] >= st.letter_gap_days else "call"
            )
        elif cases.dpd[i] < st.early_dpd and cases.has_mobile[i] and since_message[i] >= st.sms_gap_days:
            out.append("sms")
        else:
            out.append("call")
    kept = (cases.promises_kept + 1.0) / (cases.promises_made + 2.0)
    tried = np.where((cases.attempts_30d >= 3) & (cases.rpc_30d == 0), st.fruitless_factor, 1.0)
    paying = np.where(cases.payments_90d > 0, st.paying_factor, 1.0)
    priority = np.maximum(cases.balance, 0.0) * kept * tried * paying
    priority = np.where(reminder, np.inf, priority)
    return out, priority


def choose(
    opts: Options,
    cases: Cases,
    p_answer: NDArray[np.floating[Any]],
    grid: Grid,
    settings: Settings | None = None,
) -> I64:
    """Each case's column of the problem (-1: none), cases in priority order, each taking its wanted
    action where the gate allows it and capacity is left (a call: its best answered hour with room)."""
    p = opts.problem
    n_calls = opts.n_calls
    column = {kind: n_calls + j for j, kind in enumerate(opts.kinds[n_calls:])}
    want, priority = wanted(cases, settings)
    order = np.lexsort((cases.case_id, -priority))
    left = p.capacity.astype(np.float64).copy()
    hours = grid.hour_of_col[grid.zone_row] if n_calls else np.zeros((cases.n, 0), dtype=np.int64)
    choice = np.full(cases.n, -1, dtype=np.int64)
    for i in order:
        action = want[i]
        if action == "none":
            continue
        candidates: list[int] = []
        if action == "call":
            allowed = np.nonzero(np.isfinite(p.value[i, :n_calls]))[0]
            if len(allowed):
                answered = p_answer[i, hours[i, allowed]]
                candidates = [int(c) for c in allowed[np.argsort(-answered, kind="stable")]]
        elif action in column and np.isfinite(p.value[i, column[action]]):
            candidates = [column[action]]
        for k in candidates:
            use = p.usage[p.group[i], k]
            if np.all(use <= left + 1e-9):
                choice[i] = k
                left -= use
                break
    return choice


def plan(inputs: PlanInputs, params: dict[str, Any]) -> PlanResult:
    day = prepare(inputs, params)
    opts = day.options(ACTIONS)
    t0 = time.perf_counter()
    choice = choose(opts, day.cases, day.curves.today, day.grid, Settings.of(params))
    day.timings["allocate"] = time.perf_counter() - t0
    prices = np.zeros(len(opts.problem.resources))
    return finish(day, opts, choice, prices, "expert", None, {"resources": len(opts.problem.resources)})
