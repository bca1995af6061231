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

from huikuan.compliance import HistoryEvent, load_pack
from huikuan.compliance.model import EventOutcome, Role
from huikuan.domain.enums import Channel, Direction
from huikuan.simulate import respond
from huikuan.simulate.gatekeeper import CHANNEL, Gatekeeper
from huikuan.simulate.population import Population, generate
from huikuan.simulate.result import Result, RunFacts, Totals
from huikuan.simulate.scenario import STAGES, Scenario
from huikuan.strategy import plan_day
from huikuan.strategy.api import (
    ANSWERS_SCHEMA,
    CASES_SCHEMA,
    COLLECTORS_SCHEMA,
    Capacity,
    PlanInputs,
    StrategyConfig,
)
from huikuan.strategy.frames import read_allowed, schema
from huikuan.strategy.payment import PaymentModel
from huikuan.strategy.strategies import get as get_strategy
from huikuan.strategy.timegrid import local_hour_starts

NEVER = -10_000
MESSAGES = ("sms", "email", "wechat")
AUDIT_SHARE = 0.1  # share of the contacts made that the audit judges again


@dataclass
class Team:
    frame: pl.DataFrame  # COLLECTORS_SCHEMA + shift_start / shift_end for the day
    user_id: np.ndarray
    languages: list[frozenset[str]]
    skills: list[frozenset[str]]
    minutes: np.ndarray
    shift_start: np.ndarray  # epoch seconds
    shift_end: np.ndarray


def _team(sc: Scenario, languages: list[str], day: date) -> Team:
    """Phone collectors in alternating early and late shifts, then field collectors."""
    zone = sc.s("scenario.floor_zone")
    hours = local_hour_starts(zone, day)
    n = sc.i("team.collectors")
    first, second = languages[0], (languages[1] if len(languages) > 1 else languages[0])
    bi, only2 = sc.i("team.bilingual"), sc.i("team.second_language_only")
    n_hard, n_senior = sc.i("team.hardship"), sc.i("team.senior")
    length = sc.i("team.shift_hours") * 3600
    rows: list[tuple[Any, ...]] = []
    for j in range(n):
        langs = [first, second] if j < bi else ([second] if j < bi + only2 else [first])
        skills: list[str] = []
        # Skills spread over both shifts: hardship on the first collectors after the language ones.
        k = (j - bi - only2) % max(n, 1)
        if k < n_hard:
            skills.append("hardship")
        elif k < n_hard + n_senior:
            skills.append("senior")
        start_hour = sc.i("team.early_shift") if j % 2 == 0 else sc.i("team.late_shift")
        start = int(hours[min(start_hour, 23)])
        rows.append((100 + j, sorted(set(langs)), skills, sc.i("team.minutes"), start, start + length))
    for j in range(sc.i("team.field")):
        start = int(hours[min(sc.i("team.early_shift"), 23)])
        rows.append((900 + j, [first], ["field"], 0, start, start + length))
    columns = pl.Schema({**schema(COLLECTORS_SCHEMA), "shift_start": pl.Int64(), "shift_end": pl.Int64()})
    frame = pl.DataFrame(rows, schema=columns, orient="row").with_columns(
        (pl.col("shift_start") * 1_000_000).cast(pl.Datetime("us", "UTC")),
        (pl.col("shift_end") * 1_000_000).cast(pl.Datetime("us", "UTC")),
    )
    return Team(
        frame=frame,
        user_id=np.array([r[0] for r in rows], dtype=np.int64),
        languages=[frozenset(r[1]) for r in rows],
        skills=[frozenset(r[2]) for r in rows],
        minutes=np.array([r[3] for r in rows], dtype=np.float64),
        shift_start=np.array([r[4] for r in rows], dtype=np.int64),
        shift_end=np.array([r[5] for r in rows], dtype=np.int64),
    )


@dataclass
class State:
    n: int
    balance: np.ndarray
    dpd: np.ndarray
    disputed_until: np.ndarray
    complaints: np.ndarray
    promise_open: np.ndarray
    promise_amount: np.ndarray
    promise_due: np.ndarray
    promise_keep: np.ndarray
    promise_plan_left: np.ndarray
    promise_reminded: np.ndarray
    promises_made: np.ndarray
    promises_kept: np.ndarray
    promises_broken: np.ndarray
    last_rpc: np.ndarray
    last_refusal: np.ndarray
    last_attempt: np.ndarray
    last_message: np.ndarray
    last_letter: np.ndarray
    contacts_total: np.ndarray
    attempts30: np.ndarray  # (30, n)
    rpc30: np.ndarray
    contacts7: np.ndarray  # (7, n)
    reads7: np.ndarray
    paid90: np.ndarray  # (90, n) amounts
    assessed_ability: np.ndarray
    assessed_willingness: np.ndarray
    hardship: np.ndarray
    scheduled_day: np.ndarray
    scheduled_amount: np.ndarray
    att_how: np.ndarray  # (n, 168)
    ans_how: np.ndarray
    assigned: np.ndarray

    @classmethod
    def new(cls, pop: Population) -> State:
        n = pop.n
        z = np.zeros(n, dtype=np.int64)
        return cls(
            n=n,
            balance=pop.balance.copy(),
            dpd=pop.dpd.copy(),
            disputed_until=np.full(n, NEVER),
            complaints=z.copy(),
            promise_open=np.zeros(n, dtype=bool),
            promise_amount=z.copy(),
            promise_due=np.full(n, NEVER),
            promise_keep=np.zeros(n),
            promise_plan_left=z.copy(),
            promise_reminded=np.zeros(n, dtype=bool),
            promises_made=z.copy(),
            promises_kept=z.copy(),
            promises_broken=z.copy(),
            last_rpc=np.full(n, NEVER),
            last_refusal=np.full(n, NEVER),
            last_attempt=np.full(n, NEVER),
            last_message=np.full(n, NEVER),
            last_letter=np.full(n, NEVER),
            contacts_total=z.copy(),
            attempts30=np.zeros((30, n), dtype=np.int16),
            rpc30=np.zeros((30, n), dtype=np.int16),
            contacts7=np.zeros((7, n), dtype=np.int16),
            reads7=np.zeros((7, n), dtype=np.int16),
            paid90=np.zeros((90, n), dtype=np.int64),
            assessed_ability=np.full(n, np.nan),
            assessed_willingness=np.full(n, np.nan),
            hardship=np.zeros(n, dtype=bool),
            scheduled_day=np.full(n, NEVER),
            scheduled_amount=z.copy(),
            att_how=np.zeros((n, 168), dtype=np.int32),
            ans_how=np.zeros((n, 168), dtype=np.int32),
            assigned=np.full(n, -1, dtype=np.int64),
        )


def _days_since(d: int, last: np.ndarray) -> pl.Series:
    out = d - last
    return pl.Series(np.where(last > NEVER, out, -1)).cast(pl.Int32).replace(-1, None)


@dataclass
class World:
    sc: Scenario
    strategy: str
    seed: int
    pop: Population = field(init=False)
    state: State = field(init=False)
    gate: Gatekeeper = field(init=False)
    totals: Totals = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([self.seed, 1])
        self.pop = generate(self.sc, self.seed)
        self.state = State.new(self.pop)
        pack = load_pack(self.sc.s("scenario.pack"))
        policy = self.sc.strings("scenario.policy")
        if policy:
            pack = pack.tightened({"rules": {r: {"enabled": True} for r in policy}})
        self.gate = Gatekeeper(pack, self.pop, self.sc.b("scenario.probe_all_channels"))
        self.actions = get_strategy(self.strategy).actions
        self.totals = Totals(initial_balance=int(self.pop.balance.sum()))
        self.start = self.sc.day("scenario.start")
        lang_order = sorted(self.sc.table("portfolio.languages").items(), key=lambda kv: -kv[1])
        self.languages = [k for k, _ in lang_order]
        self.currency = self.sc.s("scenario.currency")
        self.minutes_per_call = self.sc.f("team.minutes_per_call")
        self.costs = self._costs()
        self.model: PaymentModel | None = None
        self.log: list[pl.DataFrame] = []
        self.paid_days: list[np.ndarray] = []
        self.visits_found = 0
        self._assign_collectors()

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
        team = _team(self.sc, self.languages, self.start)
        phone = [j for j in range(len(team.user_id)) if team.minutes[j] > 0]
        for li, lang in enumerate(self.pop.languages):
            speakers = [team.user_id[j] for j in phone if lang in team.languages[j]]
            rows = np.nonzero(self.pop.language == li)[0]
            if speakers:
                self.state.assigned[rows] = np.asarray(speakers)[np.arange(len(rows)) % len(speakers)]

    # -- inputs --------------------------------------------------------------------------------------

    def _cases(self, d: int, day: date, rows: np.ndarray) -> pl.DataFrame:
        s, pop = self.state, self.pop
        attempts = s.attempts30.sum(axis=0)
        rpc = s.rpc30.sum(axis=0)
        paid = s.paid90.sum(axis=0)
        payments = (s.paid90 > 0).sum(axis=0)
        due = np.where(s.promise_open, s.promise_due - d, 0)
        frame = pl.DataFrame(
            {
                "case_id": pop.case_id[rows],
                "debtor_id": pop.case_id[rows],
                "creditor_id": np.ones(len(rows), dtype=np.int64),
                "currency": [self.currency] * len(rows),
                "balance": s.balance[rows],
                "dpd": s.dpd[rows],
                "product": np.asarray(pop.products)[pop.product[rows]],
                "language": np.asarray(pop.languages)[pop.language[rows]],
                "time_zone": np.asarray(pop.zones)[pop.zone[rows]],
                "assigned_user_id": pl.Series(s.assigned[rows]).replace(-1, None),
                "attempts_30d": attempts[rows],
                "rpc_30d": rpc[rows],
                "contacts_total": s.contacts_total[rows],
                "days_since_contact": _days_since(d, s.last_rpc[rows]),
                "promises_made": s.promises_made[rows],
                "promises_kept": s.promises_kept[rows],
                "promises_broken": s.promises_broken[rows],
                "open_promise": s.promise_open[rows],
                "payments_90d": payments[rows],
                "paid_90d": paid[rows],
                "hardship": s.hardship[rows],
                "disputed": s.disputed_until[rows] > d,
                "has_mobile": pop.has_mobile[rows],
                "has_email": pop.has_email[rows],
                "has_wechat": pop.has_wechat[rows],
                "has_address": pop.has_address[rows],
                "district": np.asarray(pop.district)[rows],
                "ability": pl.Series(s.assessed_ability[rows]).fill_nan(None),
                "willingness": pl.Series(s.assessed_willingness[rows]).fill_nan(None),
            }
        ).cast(schema(CASES_SCHEMA))
        extra = pl.DataFrame(
            {
                "promise_due": pl.Series([day + timedelta(days=int(x)) for x in due[rows]], dtype=pl.Date),
                "promise_amount": s.promise_amount[rows],
                "days_since_message": _days_since(d, np.maximum(s.last_message, s.last_letter)[rows]),
                "days_since_attempt": _days_since(d, s.last_attempt[rows]),
                "contacts_7d": s.contacts7.sum(axis=0)[rows].astype(np.int32),
            }
        ).with_columns(
            pl.when(pl.Series(s.promise_open[rows])).then(pl.col("promise_due")).otherwise(None),
            pl.when(pl.Series(s.promise_open[rows])).then(pl.col("promise_amount")).otherwise(None),
        )
        return pl.concat([frame, extra], how="horizontal")

    def _answers(self) -> pl.DataFrame:
        s = self.state
        i, h = np.nonzero(s.att_how)
        return pl.DataFrame(
            {
                "debtor_id": self.pop.case_id[i],
                "hour_of_week": h,
                "attempts": s.att_how[i, h],
                "answers": s.ans_how[i, h],
            }
        ).cast(schema(ANSWERS_SCHEMA))

    # -- the day -------------------------------------------------------------------------------------

    def step(self, d: int) -> dict[str, Any]:
        s, pop, sc = self.state, self.pop, self.sc
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
        team = _team(sc, self.languages, day)

        t0 = time.perf_counter()
        means = {
            "call": pop.has_mobile,
            "sms": pop.has_mobile,
            "email": pop.has_email,
            "wechat": pop.has_wechat,
            "letter": pop.has_address,
            "visit": pop.has_address,
        }
        allowed = self.gate.allowed(day, open_rows, self.actions, means, disputed)
        t_gate = time.perf_counter() - t0
        cap = Capacity(
            collectors=team.frame,
            visits=sc.i("team.field") * sc.i("team.visits_per_field_day"),
            sms=sc.i("team.sms"),
            email=sc.i("team.email"),
            wechat=sc.i("team.wechat"),
            letters=sc.i("team.letters"),
            minutes_per_call=self.minutes_per_call,
        )
        inputs = PlanInputs(
            day=day,
            now=now,
            cases=self._cases(d, day, open_rows),
            answers=self._answers(),
            allowed=allowed,
            capacity=cap,
            costs={self.currency: self.costs},
        )
        params: dict[str, Any] = {"seed": self.seed}
        if self.model is not None:
            params["payment_model"] = self.model
        t0 = time.perf_counter()
        result = plan_day(inputs, StrategyConfig(self.strategy, params))
        t_plan = time.perf_counter() - t0
        plan = result.plan
        self._log(d, plan)

        t0 = time.perf_counter()
        made = self._execute(d, day, plan, allowed, team, disputed)
        self._settle(d)
        s.dpd[s.balance > 0] += 1
        if (
            sc.b("scenario.learn")
            and self.strategy.startswith("optimized")
            and (d + 1) % sc.i("scenario.refit_every") == 0
        ):
            self._refit(d)
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

    # -- execution -----------------------------------------------------------------------------------

    def _execute(
        self, d: int, day: date, plan: pl.DataFrame, allowed: pl.DataFrame, team: Team, disputed: np.ndarray
    ) -> dict[str, int]:
        pop, sc, rng, tot = self.pop, self.sc, self.rng, self.totals
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
        hour = np.where(slot >= 0, _local_hour(table, zone_of, slot), -1)

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
        tot.plan_outside_allowed += int((~inside).sum())

        at = np.full(len(rows), -1, dtype=np.int64)
        # Calls: each collector dials in slot order, a call every minutes_per_call, within shift and minutes.
        step = int(round(self.minutes_per_call * 60))
        j_of = {int(u): j for j, u in enumerate(team.user_id)}
        col = np.array([j_of.get(int(u), -1) for u in user], dtype=np.int64)
        is_call = (action == "call") & inside & (col >= 0)
        is_call &= np.array([team.minutes[j] > 0 if j >= 0 else False for j in col], dtype=bool)
        at[is_call] = self._queue(
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
        at[visits] = self._queue(
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

        go = np.nonzero(at >= 0)[0]
        when = [datetime.fromtimestamp(int(t), UTC) for t in at[go]]
        decisions = self.gate.check([int(r) for r in rows[go]], list(action[go]), when, disputed)
        ok = np.array([dd.allowed for dd in decisions], dtype=bool)
        tot.refused += int((~ok).sum())
        go = go[ok]
        r, a, c, t = rows[go], action[go], col[go], at[go]
        made = {k: int((a == k).sum()) for k in ("call", "visit", *MESSAGES, "letter")}
        self._respond(d, r, a, c, t, team, table, zone_of[go])
        self._audit(r, a, [datetime.fromtimestamp(int(x), UTC) for x in t], disputed)
        return made

    @staticmethod
    def _queue(
        slot: np.ndarray,
        col: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        limit: np.ndarray,
        step: int,
        duration: int | None = None,
    ) -> np.ndarray:
        """When each job is done by its worker: in slot order, one every `step` seconds, from the later of
        its slot and the worker's last job; -1 where it would not end (`duration`) within the worker's
        shift, or beyond the worker's daily limit."""
        out = np.full(len(slot), -1, dtype=np.int64)
        if len(slot) == 0:
            return out
        order = np.lexsort((slot, col))
        c, s = col[order], slot[order]
        first = np.r_[0, np.nonzero(np.diff(c))[0] + 1]
        k = np.arange(len(c)) - np.repeat(first, np.diff(np.r_[first, len(c)]))
        base = int(start.min())
        s = np.maximum(s, start[c]) - base
        group = np.cumsum(np.r_[1, np.diff(c) != 0]) - 1
        big = 10**9
        adj = s - k * step + group * big
        t = np.maximum.accumulate(adj) - group * big + k * step + base
        fits = (t + (step if duration is None else duration) <= end[c]) & (k < limit[c])
        out[order[fits]] = t[fits]
        return out

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
            party = f"P{int(self.pop.case_id[rows[k]])}"
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

    # -- responses -----------------------------------------------------------------------------------

    def _respond(
        self,
        d: int,
        rows: np.ndarray,
        action: np.ndarray,
        col: np.ndarray,
        at: np.ndarray,
        team: Team,
        table: np.ndarray,
        zone_of: np.ndarray,
    ) -> None:
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        beh = sc.table
        stage = pop.stage()
        local_hour = np.clip(_local_hour(table, zone_of, at), 0, 23)
        weekday = (self.start + timedelta(days=d)).weekday()
        events: list[HistoryEvent] = []
        n_made = len(rows)
        tot.contacts += n_made
        tot.cost += int(sum(self.costs[a] for a in action))
        s.contacts_total[rows] += 1
        s.contacts7[d % 7, rows] += 1
        contacts7 = s.contacts7.sum(axis=0)
        recent3 = s.attempts30[[(d - k) % 30 for k in (1, 2, 3)]].sum(axis=0)

        # Calls.
        calls = action == "call"
        cr = rows[calls]
        tot.calls += len(cr)
        s.attempts30[d % 30, cr] += 1
        s.last_attempt[cr] = d
        p_ans = respond.answer_probability(
            pop.answer[cr],
            pop.hour_curve[cr, local_hour[calls]],
            np.full(len(cr), weekday),
            recent3[cr],
            sc.f("behaviour.answer_fatigue"),
        )
        answered = rng.random(len(cr)) < p_ans
        speaks = np.array(
            [
                pop.languages[pop.language[i]] in team.languages[j]
                for i, j in zip(cr, col[calls], strict=True)
            ],
            dtype=bool,
        )
        rpc_call = answered & speaks
        for k in range(3):
            at_stage = stage[cr] == k
            tot.calls_by_stage[k] += int(at_stage.sum())
            tot.rpc_by_stage[k] += int((rpc_call & at_stage).sum())
        how = weekday * 24 + local_hour[calls]
        np.add.at(s.att_how, (cr, how), 1)
        np.add.at(s.ans_how, (cr, how), answered.astype(np.int32))
        hardship_skill = np.array(["hardship" in team.skills[j] for j in col[calls]], dtype=bool)
        # Visits.
        visits = action == "visit"
        vr = rows[visits]
        tot.visits += len(vr)
        found = rng.random(len(vr)) < sc.f("behaviour.visit_found")
        self.visits_found += int(found.sum())
        # Conversations.
        conv_rows = np.concatenate([cr[rpc_call], vr[found]])
        conv_visit = np.concatenate(
            [np.zeros(int(rpc_call.sum()), dtype=bool), np.ones(int(found.sum()), dtype=bool)]
        )
        conv_hard = np.concatenate([hardship_skill[rpc_call], np.zeros(int(found.sum()), dtype=bool)])
        self._conversations(d, conv_rows, conv_visit, conv_hard, contacts7)
        for i, ans, t in zip(cr, answered, at[calls], strict=True):
            events.append(
                _event(
                    int(pop.case_id[i]),
                    Channel.CALL,
                    int(t),
                    EventOutcome.CONVERSATION if ans else EventOutcome.NO_ANSWER,
                )
            )
        for i, f_, t in zip(vr, found, at[visits], strict=True):
            events.append(
                _event(
                    int(pop.case_id[i]),
                    Channel.VISIT,
                    int(t),
                    EventOutcome.CONVERSATION if f_ else EventOutcome.NO_ANSWER,
                )
            )
        # Complaints from contacts that were not conversations.
        others = np.concatenate([cr[~rpc_call], vr[~found]])
        p_c = sc.f("behaviour.complaint_per_contact") * respond.overcontact(
            contacts7[others], sc.f("behaviour.overcontact")
        )
        self._complain(others[rng.random(len(others)) < p_c])

        # Messages and letters.
        nudge = beh("behaviour.nudge")
        resp = np.array([beh("behaviour.stage_response")[x] for x in STAGES])
        for ch in (*MESSAGES, "letter"):
            sel = action == ch
            mr = rows[sel]
            if len(mr) == 0:
                continue
            tot.messages += len(mr)
            for i, t in zip(mr, at[sel], strict=True):
                events.append(_event(int(pop.case_id[i]), CHANNEL[ch], int(t), EventOutcome.DELIVERED))
            read = rng.random(len(mr)) < pop.read[ch][mr]
            rr = mr[read]
            reminder = s.promise_open[rr] & (s.promise_due[rr] - d <= 2)
            s.promise_reminded[rr[reminder]] = True
            nr = rr[~reminder & ~s.promise_open[rr]]
            a_, w_ = pop.ability[nr], pop.willingness[nr]
            if ch == "letter":
                strength = np.clip(2 * a_ * (0.5 + w_), 0, 1.5)
                repeat = np.where(d - s.last_letter[nr] <= 30, 0.3, 1.0)
                delay = rng.integers(2, 11, len(nr))
            else:
                strength = np.clip(4 * a_ * w_, 0, 1)
                repeat = np.where(s.reads7.sum(axis=0)[nr] > 0, sc.f("behaviour.message_fatigue"), 1.0)
                delay = rng.integers(0, 4, len(nr))
            p = np.clip(nudge[ch] * strength * resp[stage[nr]] * repeat, 0, 0.95)
            pays = rng.random(len(nr)) < p
            self._schedule(d, nr[pays], delay[pays])
            s.reads7[d % 7, rr] += 1
            if ch == "letter":
                s.last_letter[mr] = d
            else:
                s.last_message[mr] = d
            p_c = sc.f("behaviour.complaint_per_contact") * respond.overcontact(
                contacts7[mr], sc.f("behaviour.overcontact")
            )
            self._complain(mr[rng.random(len(mr)) < p_c])
        self.gate.record(events)

    def _conversations(
        self,
        d: int,
        rows: np.ndarray,
        visit: np.ndarray,
        hardship_collector: np.ndarray,
        contacts7: np.ndarray,
    ) -> None:
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        n = len(rows)
        if n == 0:
            return
        tot.right_party_contacts += n
        s.rpc30[d % 30, rows] += 1
        s.last_rpc[rows] = d
        a, w = pop.ability[rows], pop.willingness[rows]
        noise = sc.f("behaviour.assess_noise")
        s.assessed_ability[rows] = np.clip(a + rng.normal(0, noise, n), 0, 1)
        s.assessed_willingness[rows] = np.clip(w + rng.normal(0, noise, n), 0, 1)
        s.hardship[rows] = s.assessed_ability[rows] < 0.3
        # Complaints and disputes.
        p_c = sc.f("behaviour.complaint_per_rpc") * respond.overcontact(
            contacts7[rows], sc.f("behaviour.overcontact")
        )
        p_c = np.where(visit, 2 * p_c, p_c)
        self._complain(rows[rng.random(n) < p_c])
        disputes = rng.random(n) < sc.f("behaviour.dispute_per_rpc") * (1.5 - w)
        dr = rows[disputes]
        tot.disputes += len(dr)
        s.disputed_until[dr] = d + sc.i("behaviour.dispute_days")
        s.promise_open[dr] = False
        # An open promise: the conversation is a reminder; no new promise is sought.
        rest = ~disputes
        has_open = s.promise_open[rows] & rest
        due_soon = has_open & (s.promise_due[rows] - d <= 2)
        s.promise_reminded[rows[due_soon]] = True
        ask = rest & ~has_open
        refused_lately = d - s.last_refusal[rows] <= 7
        p = (
            sc.f("behaviour.promise_given_rpc")
            * respond.willingness_factor(a, w)
            * np.where(refused_lately, sc.f("behaviour.repeat_refusal"), 1.0)
            * np.where(visit, sc.f("behaviour.visit_promise"), 1.0)
        )
        promised = ask & (rng.random(n) < np.clip(p, 0, 0.95))
        s.last_refusal[rows[ask & ~promised]] = d
        pr = rows[promised]
        tot.promises += len(pr)
        s.promises_made[pr] += 1
        a_p, w_p = a[promised], w[promised]
        bal = s.balance[pr]
        able = a_p >= 0.5
        plan = ~able & hardship_collector[promised]
        share = respond.promise_share(rng, able)
        instalments = sc.i("behaviour.instalments")
        amount = np.where(
            plan, np.maximum(bal // instalments, np.minimum(bal, 10_000)), np.round(bal * share)
        )
        keep = sc.f("behaviour.promise_kept") * respond.keep_factor(w_p)
        keep = np.where(
            plan,
            keep * sc.f("behaviour.hardship_kept"),
            np.where(able, keep, keep * sc.f("behaviour.overpromise_kept")),
        )
        s.promise_open[pr] = True
        s.promise_amount[pr] = np.minimum(amount.astype(np.int64), bal)
        s.promise_due[pr] = d + rng.integers(1, 8, len(pr))
        s.promise_keep[pr] = np.clip(keep, 0, 0.97)
        s.promise_plan_left[pr] = np.where(plan, instalments - 1, 0)
        s.promise_reminded[pr] = False
        tot.plans += int(plan.sum())

    def _complain(self, rows: np.ndarray) -> None:
        self.totals.complaints += len(rows)
        self.state.complaints[rows] += 1

    def _schedule(self, d: int, rows: np.ndarray, delay: np.ndarray) -> None:
        s = self.state
        free = s.scheduled_day[rows] < d
        r = rows[free]
        s.scheduled_day[r] = d + delay[free]
        s.scheduled_amount[r] = np.round(
            s.balance[r] * respond.payment_share(self.rng, self.pop.ability[r])
        ).astype(np.int64)

    # -- end of day ----------------------------------------------------------------------------------

    def _settle(self, d: int) -> None:
        s, pop, sc, rng, tot = self.state, self.pop, self.sc, self.rng, self.totals
        pay = np.zeros(s.n, dtype=np.int64)
        # Promises due today.
        due = np.nonzero(s.promise_open & (s.promise_due == d))[0]
        if len(due):
            p = np.clip(
                s.promise_keep[due] + np.where(s.promise_reminded[due], sc.f("behaviour.reminder_lift"), 0),
                0,
                0.99,
            )
            kept = rng.random(len(due)) < p
            k, b = due[kept], due[~kept]
            pay[k] += s.promise_amount[k]
            s.promises_kept[k] += 1
            tot.promises_kept += len(k)
            s.promises_broken[b] += 1
            tot.promises_broken += len(b)
            s.promise_open[b] = False
            more = k[s.promise_plan_left[k] > 0]
            s.promise_plan_left[more] -= 1
            s.promise_due[more] = d + 30
            s.promise_reminded[more] = False
            s.promise_open[k[s.promise_plan_left[k] == 0]] = False
            s.promise_open[more] = True
        # Payments after a nudge.
        sched = np.nonzero(s.scheduled_day == d)[0]
        pay[sched] += s.scheduled_amount[sched]
        s.scheduled_day[sched] = NEVER
        # Spontaneous payments (none while a promise is open: the promise is the plan).
        stage = pop.stage()
        base = np.array([sc.table("behaviour.self_pay_30d")[x] for x in STAGES])[stage]
        p_self = respond.daily_self_pay(base, pop.ability, pop.willingness)
        # Common random numbers: the same draws for every strategy on a seed and day, so that what the
        # portfolio pays by itself does not add noise to the comparison of strategies.
        own = np.random.default_rng([self.seed, 99, d])
        draw, share = own.random(s.n), respond.payment_share(own, pop.ability)
        spont = (s.balance > 0) & ~s.promise_open & (draw < p_self)
        sr = np.nonzero(spont)[0]
        pay[sr] += np.round(s.balance[sr] * share[sr]).astype(np.int64)
        pay = np.minimum(pay, s.balance)
        paid = np.nonzero(pay > 0)[0]
        s.balance[paid] -= pay[paid]
        s.paid90[d % 90, paid] += pay[paid]
        tot.recovered += int(pay.sum())
        tot.payments += len(paid)
        closed = paid[s.balance[paid] <= 0]
        s.promise_open[closed] = False
        tot.closed += len(closed)
        self.paid_days.append(paid)
        tot.daily_recovered.append(int(pay.sum()))

    # -- learning ------------------------------------------------------------------------------------

    def _log(self, d: int, plan: pl.DataFrame) -> None:
        if not (self.sc.b("scenario.learn") and self.strategy.startswith("optimized")):
            return
        frame = plan.select(
            pl.col("case_id"),
            pl.col("action"),
            pl.col("reason").str.json_path_match("$.scores.p_pay_prior").cast(pl.Float64).alias("p_prior"),
            pl.col("segment"),
        )
        keep = (frame["action"] != "none") | (pl.Series(self.rng.random(frame.height)) < 0.1)
        frame = frame.filter(keep).with_columns(
            pl.lit(d).alias("day"),
            pl.Series(self.state.dpd[frame.filter(keep)["case_id"].to_numpy() - 1])
            .cast(pl.Int32)
            .alias("dpd"),
        )
        self.log.append(frame)

    def _refit(self, d: int) -> None:
        """Refit the payment model on the plans of days whose 30-day outcome is known."""
        ready = [f for f in self.log if int(f["day"][0]) + 30 <= d + 1] if self.log else []
        if not ready:
            return
        data = pl.concat(ready)
        n = self.state.n
        label = np.zeros(len(data), dtype=bool)
        days = data["day"].to_numpy()
        rows = data["case_id"].to_numpy() - 1
        paid_by_day = np.zeros((len(self.paid_days), n), dtype=np.int32)
        for k, p in enumerate(self.paid_days):
            paid_by_day[k, p] = 1
        cum = np.cumsum(paid_by_day, axis=0, dtype=np.int32)
        end = np.minimum(days + 29, len(self.paid_days) - 1)
        before = np.where(days > 0, cum[np.maximum(days - 1, 0), rows], 0)
        label = (cum[end, rows] - before) > 0
        outcomes = data.with_columns(pl.Series("paid_30d", label))
        self.model = PaymentModel.fit(outcomes, min_examples=2000, seed=self.seed) or self.model


def _local_hour(table: np.ndarray, zone_of: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The local hour (0..23) of each instant in its zone's day; -1 before the day, 24 after it."""
    starts = table[zone_of]  # (m, 24)
    hour = (starts <= at[:, None]).sum(axis=1) - 1
    after = at >= starts[:, 23] + 3600
    return np.where(after, 24, hour).astype(np.int64)


def _event(case_id: int, channel: Channel, epoch: int, outcome: EventOutcome) -> HistoryEvent:
    return HistoryEvent(
        at=datetime.fromtimestamp(epoch, UTC),
        channel=channel,
        direction=Direction.OUTBOUND,
        party_id=f"P{case_id}",
        outcome=outcome,
        party_role=Role.DEBTOR,
        debt_ids=(f"A{case_id}",),
    )


def run(
    sc: Scenario,
    strategy: str,
    days: int,
    seed: int,
    progress: Callable[[int, dict[str, Any]], None] | None = None,
) -> Result:
    t0 = time.perf_counter()
    world = World(sc, strategy, seed)
    series: list[dict[str, Any]] = []
    for d in range(days):
        info = world.step(d)
        series.append(info)
        if progress is not None:
            progress(d, info)
    facts = RunFacts(world.totals, world.sc, world.pop.n, world.gate.decisions, world.visits_found)
    return Result.build(facts, strategy, days, seed, series, time.perf_counter() - t0)
