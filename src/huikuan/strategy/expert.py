"""The `expert` baseline: what a skilled supervisor would configure without an optimiser, written to be
hard to beat rather than easy (the rule-of-thumb baselines of strategies.py sort by one key and only
call). Its rules, each one a floor's common practice:

- **Leave a promise alone until it falls due; remind the day before.** A case with an open promise due
  today or tomorrow gets an SMS reminder (a call where it has no mobile or no SMS is left); a case with an
  open promise further off is not contacted.
- **SMS first in early stage.** A case under EARLY_DPD days past due gets an SMS, unless it had a message
  in the last SMS_GAP_DAYS days; then a call.
- **Write to the unreachable.** A case with UNREACHABLE_ATTEMPTS or more call attempts in 30 days and
  no right-party contact, or with no phone to call, gets a letter (at most one every LETTER_GAP_DAYS days
  of messages); otherwise it is called.
- **Everyone else is called, in their own best hour.** Each case is called in the hour it has answered
  best so far (its answer curve, from its own history where it has one), or the next best hour that still
  has room; the collectors who place the calls are chosen as for every strategy (language, own collector,
  then skill: hardship cases go to hardship-skilled collectors, strategy/schedule.py).
- **Priority** when capacity runs short: reminders first, then balance × a simple propensity: the share
  of its promises the debtor kept (Laplace: (kept + 1) / (made + 2)), halved for a case attempted three
  times in 30 days without reaching the right party, half as much again for one that paid in 90 days.

It plans within the same capacities (calls per collector-hour, the day's SMS and letters) and the same
gate (an action the gate refuses at every hour is not offered), and never uses the planner's model of
what a contact is worth: only the case's facts and its answer history.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from huikuan.strategy.api import PlanInputs, PlanResult
from huikuan.strategy.frames import F64, I64, Cases
from huikuan.strategy.options import Options
from huikuan.strategy.pipeline import finish, prepare
from huikuan.strategy.timegrid import Grid

ACTIONS = ("call", "sms", "letter")
EARLY_DPD = 30
SMS_GAP_DAYS = 3
UNREACHABLE_ATTEMPTS = 5
LETTER_GAP_DAYS = 14
REMINDER_DAYS = 1  # a promise due within this many days (0: today) is reminded


def wanted(cases: Cases) -> tuple[list[str], F64]:
    """Each case's action by the rules ("none": leave it alone) and its priority (higher: sooner)."""
    n = cases.n
    due = cases.promise_due_days
    reminder = cases.open_promise & ~np.isnan(due) & (due >= 0) & (due <= REMINDER_DAYS)
    waiting = cases.open_promise & ~reminder
    since_message = np.where(np.isnan(cases.days_since_message), np.inf, cases.days_since_message)
    unreached = (cases.attempts_30d >= UNREACHABLE_ATTEMPTS) & (cases.rpc_30d == 0)
    no_phone = ~cases.has_mobile
    out: list[str] = []
    for i in range(n):
        if reminder[i]:
            out.append("sms" if cases.has_mobile[i] else "call")
        elif waiting[i]:
            out.append("none")
        elif unreached[i] or no_phone[i]:
            out.append("letter" if cases.has_address[i] and since_message[i] >= LETTER_GAP_DAYS else "call")
        elif cases.dpd[i] < EARLY_DPD and cases.has_mobile[i] and since_message[i] >= SMS_GAP_DAYS:
            out.append("sms")
        else:
            out.append("call")
    kept = (cases.promises_kept + 1.0) / (cases.promises_made + 2.0)
    tried = np.where((cases.attempts_30d >= 3) & (cases.rpc_30d == 0), 0.5, 1.0)
    paying = np.where(cases.payments_90d > 0, 1.5, 1.0)
    priority = np.maximum(cases.balance, 0.0) * kept * tried * paying
    priority = np.where(reminder, np.inf, priority)
    return out, priority


def choose(opts: Options, cases: Cases, p_answer: NDArray[np.floating[Any]], grid: Grid) -> I64:
    """Each case's column of the problem (-1: none), cases in priority order, each taking its wanted
    action where the gate allows it and capacity is left (a call: its best answered hour with room)."""
    p = opts.problem
    n_calls = opts.n_calls
    column = {kind: n_calls + j for j, kind in enumerate(opts.kinds[n_calls:])}
    want, priority = wanted(cases)
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
    choice = choose(opts, day.cases, day.curves.today, day.grid)
    day.timings["allocate"] = time.perf_counter() - t0
    prices = np.zeros(len(opts.problem.resources))
    return finish(day, opts, choice, prices, "expert", None, {"resources": len(opts.problem.resources)})
