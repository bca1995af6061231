"""The day loop: the world builds PlanInputs from its state, the strategy plans, the gate checks every
contact at the instant it is made, and the debtors respond.

A day, for day d:
  1. cases, answer history and capacity from the state; `allowed` from the real gate (gatekeeper.py);
  2. plan_day(inputs, strategy);
  3. execution: each collector dials their calls in slot order at `minutes_per_call` a call, within their
     shift and daily minutes (calls that do not fit are not made); field collectors visit in turn;
     messages go out in their slot's hour, letters in the first allowed hour. A planned action outside
     the `allowed` frame is not executed (and counted); every contact is asked of the gate at its
     instant, and a refusal means it is not made (a violation avoided);
  4. responses: answers, conversations, promises, disputes, complaints, reads; payments at day end
     (promises due, nudged and spontaneous payments);
  5. an audit: every contact made is judged again by the gate with the day's full history; a refusal
     there would be a violation made (the count must stay 0).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from huikuan.compliance import HistoryEvent
from huikuan.simulate.clock import local_hour, queue
from huikuan.simulate.debtors import MESSAGES, Debtors
from huikuan.simulate.expectations import Expectations
from huikuan.simulate.gatekeeper import CHANNEL, Gatekeeper
from huikuan.simulate.learning import Learner
from huikuan.simulate.population import Population, generate
from huikuan.simulate.result import Result, RunFacts, Totals
from huikuan.simulate.scenario import Scenario
from huikuan.simulate.state import State, answers_frame, cases_frame
from huikuan.simulate.team import Team, build_team
from huikuan.strategy import plan_day
from huikuan.strategy.api import Capacity, PlanInputs, StrategyConfig
from huikuan.strategy.frames import read_allowed
from huikuan.strategy.gate_facts import party_id
from huikuan.strategy.strategies import get as get_strategy
from huikuan.strategy.timegrid import local_hour_starts

AUDIT_SHARE = 0.1  # share of the contacts made that the audit judges again


@dataclass
class World:
    """One run's world: the population and its state, the gate, the team, and the debtors' behaviour
    (`Debtors`) and the strategy's learning (`Learner`), all drawing from one random stream in day order."""

    sc: Scenario
    strategy: str
    seed: int
    # The strategy's own settings, e.g. {"expert": {...}}.
    params: dict[str, Any] = field(default_factory=dict)
    pop: Population = field(init=False)
    state: State = field(init=False)
    gate: Gatekeeper = field(init=False)
    totals: Totals = field(init=False)
    expectations: Expectations = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([self.seed, 1])
        self.pop = generate(self.sc, self.seed)
        self.state = State.new(self.pop)
        self.start = self.sc.day("scenario.start")
        # The creditor's policy tightens the pack as a creditor's overrides do (strategy.gate_facts).
        policy = self.sc.strings("scenario.policy")
        overrides = {"rules": {r: {"enabled": True} for r in policy}} if policy else {}
        self.gate = Gatekeeper(self.sc.s("scenario.pack"), overrides, self.pop, self.start)
        self.actions = get_strategy(self.strategy).actions
        self.totals = Totals(initial_balance=int(self.pop.balance.sum()))
        lang_order = sorted(self.sc.table("portfolio.languages").items(), key=lambda kv: -kv[1])
        self.languages = [k for k, _ in lang_order]
        self.currency = self.sc.s("scenario.currency")
        self.minutes_per_call = self.sc.f("team.minutes_per_call")
        self.costs = self._costs()
        self.learner = Learner(
            self.sc.b("scenario.learn") and self.strategy.startswith("optimized"),
            self.rng,
            self.seed,
            self.state,
        )
        self.debtors = Debtors(
            self.sc, self.pop, self.state, self.totals, self.rng, self.seed, self.start, self.costs
        )
        self.expectations = Expectations(self.pop.n)
        self._assign_collectors()

    @property
    def visits_found(self) -> int:
        """Visits that found the debtor at home (a conversation), over the run."""
        return self.debtors.visits_found

    def _costs(self) -> dict[str, int]:
        c = self.sc
        return {
            "call": round(c.f("team.minutes_per_call") * c.f("costs.call_minute") * 100),
            "sms": round(c.f("costs.sms") * 100),
            "email": round(c.f("costs.email") * 100),
            "wechat": round(c.f("costs.wechat") * 100),
            "letter": round(c.f("costs.letter") * 100),
            "visit": round(c.f("costs.visit") * 100),
            "none": 0,
        }

    def _assign_collectors(self) -> None:
        """At placement each case gets a phone collector who speaks its language, in turn."""
        team = build_team(self.sc, self.languages, self.start)
        phone = [j for j in range(len(team.user_id)) if team.minutes[j] > 0]
        for li, lang in enumerate(self.pop.languages):
            speakers = [team.user_id[j] for j in phone if lang in team.languages[j]]
            rows = np.nonzero(self.pop.language == li)[0]
            if speakers:
                self.state.assigned[rows] = np.asarray(speakers)[np.arange(len(rows)) % len(speakers)]

    # -- the day -------------------------------------------------------------------------------------

    def step(self, d: int) -> dict[str, Any]:
        """Day d: inputs from the state, the plan, its execution through the gate, the responses."""
        s, sc = self.state, self.sc
        day = self.start + timedelta(days=d)
        t_day = time.perf_counter()
        for ring in (s.attempts30, s.rpc30):
            ring[d % 30] = 0
        for ring7 in (s.contacts7, s.reads7):
            ring7[d % 7] = 0
        s.paid90[d % 90] = 0
        floor_hours = local_hour_starts(sc.s("scenario.floor_zone"), day)
        now = datetime.fromtimestamp(int(floor_hours[sc.i("scenario.plan_hour")]), UTC)
        open_rows = np.nonzero(s.balance > 0)[0]
        disputed = s.disputed_until > d
        team = build_team(sc, self.languages, day)

        t0 = time.perf_counter()
        allowed = self._allowed(day, now, open_rows, disputed)
        t_gate = time.perf_counter() - t0
        inputs = self._plan_inputs(d, day, now, open_rows, allowed, team)
        params: dict[str, Any] = {**self.params, "seed": self.seed}
        if self.learner.model is not None:
            params["payment_model"] = self.learner.model
        t0 = time.perf_counter()
        result = plan_day(inputs, StrategyConfig(self.strategy, params))
        t_plan = time.perf_counter() - t0
        plan = result.plan
        self.learner.record(d, plan)
        self.expectations.record_plan(d, plan)

        t0 = time.perf_counter()
        made = self._execute(d, day, plan, allowed, team, disputed)
        self._end_of_day(d)
        t_world = time.perf_counter() - t0
        if d % 3 == 2:
            self.gate.trim(now)
        return {
            "day": day.isoformat(),
            "planned": {k: int(v) for k, v in result.stats.get("actions", {}).items()},
            "made": made,
            "seconds": {"gate": t_gate, "plan": t_plan, "world": t_world, "day": time.perf_counter() - t_day},
            "bound_gap": result.bound_gap,
        }

    def _allowed(self, day: date, now: datetime, open_rows: np.ndarray, disputed: np.ndarray) -> pl.DataFrame:
        """The real gate's allowed frame for the open cases, by the means each debtor can be reached by."""
        pop = self.pop
        means = {
            "call": pop.has_mobile,
            "sms": pop.has_mobile,
            "email": pop.has_email,
            "wechat": pop.has_wechat,
            "letter": pop.has_address,
            "visit": pop.has_address,
        }
        return self.gate.allowed(day, now, open_rows, self.actions, means, disputed)

    def _plan_inputs(
        self, d: int, day: date, now: datetime, open_rows: np.ndarray, allowed: pl.DataFrame, team: Team
    ) -> PlanInputs:
        """What the planner is given on day d: the open cases, answer history, allowed frame, capacity."""
        sc = self.sc
        cap = Capacity(
            collectors=team.frame,
            visits=sc.i("team.field") * sc.i("team.visits_per_field_day"),
            sms=sc.i("team.sms"),
            email=sc.i("team.email"),
            wechat=sc.i("team.wechat"),
            letters=sc.i("team.letters"),
            minutes_per_call=self.minutes_per_call,
        )
        return PlanInputs(
            day=day,
            now=now,
            cases=cases_frame(self.state, self.pop, self.currency, d, day, open_rows),
            answers=answers_frame(self.state, self.pop),
            allowed=allowed,
            capacity=cap,
            costs={self.currency: self.costs},
        )

    def _end_of_day(self, d: int) -> None:
        """Payments, a day more past due for the open cases, and a refit when one is due."""
        s, sc = self.state, self.sc
        self.debtors.settle(d)
        self.expectations.record_payments(d, self.debtors.paid_days[-1], self.debtors.paid_today)
        s.dpd[s.balance > 0] += 1
        if (
            sc.b("scenario.learn")
            and self.strategy.startswith("optimized")
            and (d + 1) % sc.i("scenario.refit_every") == 0
        ):
            self.learner.refit(d, self.debtors.paid_days)

    # -- execution -----------------------------------------------------------------------------------

    def _execute(
        self, d: int, day: date, plan: pl.DataFrame, allowed: pl.DataFrame, team: Team, disputed: np.ndarray
    ) -> dict[str, int]:
        """The plan carried out: each action's instant, the gate asked at it, the responses, the audit."""
        pop, tot = self.pop, self.totals
        acts = plan.filter(pl.col("action") != "none")
        if acts.height == 0:
            return {}
        rows = acts["case_id"].to_numpy() - 1
        action = acts["action"].to_numpy().astype(str)
        slot = acts["slot_start"].dt.epoch("s").fill_null(-1).to_numpy()
        user = acts["user_id"].fill_null(-1).to_numpy()
        starts = {z: local_hour_starts(z, day) for z in pop.zones}
        # Each zone's local hours as instants (a daylight-saving day has 23 or 25 hours).
        table = np.stack([starts[z] for z in pop.zones])  # (zones, 24)
        zone_of = pop.zone[rows]
        inside, mask = self._inside_allowed(allowed, rows, action, slot, table, zone_of)
        at, col = self._instants(action, slot, user, inside, mask, team, table, zone_of)

        go = np.nonzero(at >= 0)[0]
        when = [datetime.fromtimestamp(int(t), UTC) for t in at[go]]
        decisions = self.gate.check([int(r) for r in rows[go]], list(action[go]), when, disputed)
        ok = np.array([dd.allowed for dd in decisions], dtype=bool)
        tot.refused += int((~ok).sum())
        go = go[ok]
        r, a, c, t = rows[go], action[go], col[go], at[go]
        made = {k: int((a == k).sum()) for k in ("call", "visit", *MESSAGES, "letter")}
        self.gate.record(self.debtors.respond(d, r, a, c, t, team, table, zone_of[go]))
        self._audit(r, a, [datetime.fromtimestamp(int(x), UTC) for x in t], disputed)
        return made

    def _inside_allowed(
        self,
        allowed: pl.DataFrame,
        rows: np.ndarray,
        action: np.ndarray,
        slot: np.ndarray,
        table: np.ndarray,
        zone_of: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which planned actions keep to the allowed frame (counted when not), and each one's hour mask."""
        hour = np.where(slot >= 0, local_hour(table, zone_of, slot), -1)
        # The plan must keep to the allowed frame: the slot's local hour must be in the action's mask.
        masks = read_allowed(allowed, rows.astype(np.int64) + 1)
        mask = np.zeros(len(rows), dtype=np.int64)
        for a in set(action):
            sel = action == a
            mask[sel] = masks.masks.get(a, np.zeros(len(rows), dtype=np.int64))[sel]
        inside = np.where(
            action == "letter",
            mask != 0,
            (hour >= 0) & (hour < 24) & ((mask >> np.clip(hour, 0, 23)) & 1 == 1),
        )
        self.totals.plan_outside_allowed += int((~inside).sum())
        return inside, mask

    def _instants(
        self,
        action: np.ndarray,
        slot: np.ndarray,
        user: np.ndarray,
        inside: np.ndarray,
        mask: np.ndarray,
        team: Team,
        table: np.ndarray,
        zone_of: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """When each action inside the frame is made (-1: not reached in the day) and its collector's
        index in the team (-1: none)."""
        sc, rng, tot = self.sc, self.rng, self.totals
        at = np.full(len(action), -1, dtype=np.int64)
        # Calls: each collector dials in slot order, a call every minutes_per_call, within shift and minutes.
        step = int(round(self.minutes_per_call * 60))
        j_of = {int(u): j for j, u in enumerate(team.user_id)}
        col = np.array([j_of.get(int(u), -1) for u in user], dtype=np.int64)
        is_call = (action == "call") & inside & (col >= 0)
        is_call &= np.array([team.minutes[j] > 0 if j >= 0 else False for j in col], dtype=bool)
        at[is_call] = queue(
            slot[is_call],
            col[is_call],
            team.shift_start,
            team.shift_end,
            np.floor(team.minutes / max(self.minutes_per_call, 1e-9)).astype(np.int64),
            step,
        )
        visits = (action == "visit") & inside & (col >= 0)
        per_field = max(sc.i("team.visits_per_field_day"), 1)
        visit_step = int(sc.i("team.shift_hours") * 3600 // per_field)
        at[visits] = queue(
            slot[visits],
            col[visits],
            team.shift_start,
            team.shift_end,
            np.full(len(team.user_id), per_field),
            visit_step,
            3600,
        )
        msg = np.isin(action, MESSAGES) & inside & (slot >= 0)
        at[msg] = slot[msg] + rng.integers(0, 50 * 60, int(msg.sum()))
        letters = (action == "letter") & inside
        if letters.any():
            lm = mask[letters]
            first = np.array([(int(x) & -int(x)).bit_length() - 1 for x in lm])
            ten = np.where((lm >> 10) & 1 == 1, 10, first)
            at[letters] = table[zone_of[letters], ten] + 1800
        tot.not_reached += int(((action == "call") & inside).sum() - (at[is_call] >= 0).sum())
        tot.not_reached += int(((action == "visit") & inside).sum() - (at[visits] >= 0).sum())
        return at, col

    def _audit(
        self, rows: np.ndarray, actions: np.ndarray, when: list[datetime], disputed: np.ndarray
    ) -> None:
        """A sample of the contacts made, judged again by the gate against everything recorded before them
        (the day's other events included, the contact's own left out): a refusal is a violation made."""
        if len(rows) == 0:
            return
        pick = np.nonzero(self.rng.random(len(rows)) < AUDIT_SHARE)[0]
        if len(pick) == 0:
            return
        history: dict[str, list[HistoryEvent]] = {}
        for k in pick:
            party = party_id(int(self.pop.case_id[rows[k]]))
            channel = CHANNEL[str(actions[k])]
            history[party] = [
                e for e in self.gate.history.get(party, []) if not (e.at == when[k] and e.channel is channel)
            ]
        reqs = [int(rows[k]) for k in pick]
        saved = self.gate.history
        self.gate.history = history
        try:
            again = self.gate.check(reqs, [str(actions[k]) for k in pick], [when[k] for k in pick], disputed)
        finally:
            self.gate.history = saved
        self.totals.audited += len(pick)
        self.totals.violations += sum(1 for dd in again if not dd.allowed)


def run(
    sc: Scenario,
    strategy: str,
    days: int,
    seed: int,
    progress: Callable[[int, dict[str, Any]], None] | None = None,
    params: dict[str, Any] | None = None,
) -> Result:
    """`days` days of `strategy` over the scenario's portfolio from `seed`; `progress` hears of each day;
    `params`: the strategy's own settings."""
    t0 = time.perf_counter()
    world = World(sc, strategy, seed, dict(params or {}))
    series: list[dict[str, Any]] = []
    for d in range(days):
        info = world.step(d)
        series.append(info)
        if progress is not None:
            progress(d, info)
    facts = RunFacts(
        world.totals,
        world.sc,
        world.pop.n,
        world.gate.decisions,
        world.visits_found,
        world.expectations.table(),
    )
    return Result.build(facts, strategy, days, seed, series, time.perf_counter() - t0)
