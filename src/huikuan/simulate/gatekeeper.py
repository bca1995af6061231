"""The simulated world's use of the REAL compliance gate, through the production code: the day's
`allowed` frame from strategy/gating.py's `allowed_frame` (the daily plan's own steps: the cases grouped,
triaged and asked about hour by hour), and each contact's check at the instant it is made, with the
planner's request (strategy/gate_facts.py's `contact_request`).

The world is read as the database would be (simulate/gate_inputs.py): the open cases as the plan's
Portfolio, the debtors as stored rows, the contacts made as the gate's history. A contact the gate refuses
at its instant is not made, and the result counts it (`refused_by_gate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from huikuan.compliance import Decision, HistoryEvent, decide_many
from huikuan.domain.enums import Channel
from huikuan.simulate.gate_inputs import WorldFacts, WorldReader, portfolio
from huikuan.simulate.population import Population
from huikuan.strategy.gate_facts import contact_request, creditor_pack, debts_from_rows
from huikuan.strategy.gating import allowed_frame
from huikuan.strategy.hour_masks import ACTION_CHANNELS

CHANNEL: dict[str, Channel] = dict(ACTION_CHANNELS)
# Events older than this cannot matter to any rule of the packs at hand: the gate reads 7-day windows plus
# two days of slack (compliance/context.py); consents and validation notices, which it reads further
# back, never occur in the simulation.
LOOKBACK = timedelta(days=10)


class Gatekeeper:
    """The gate of the simulated floor: one creditor's pack (a named pack and its overrides), the history
    of the contacts made, and the count of the gate's decisions."""

    def __init__(self, pack: str, overrides: Mapping[str, Any], pop: Population, placed: date) -> None:
        self.pack = creditor_pack(pack, dict(overrides))
        self.world = WorldFacts(pop, pack, overrides, placed)
        self.pop = pop
        self.history: dict[str, list[HistoryEvent]] = {}
        self.decisions = 0

    def allowed(
        self,
        day: date,
        now: datetime,
        rows: np.ndarray,
        actions: Sequence[str],
        means: dict[str, np.ndarray],
        disputed: np.ndarray,
    ) -> pl.DataFrame:
        """The production ALLOWED frame for the open cases (population rows `rows`), kept to the actions
        of the strategy and, for each action, to the cases its means can reach."""
        cases = portfolio(self.world, rows, disputed, self.history, day, now)
        frame = allowed_frame(cases, WorldReader(self.world, disputed, self.history))
        reach = [
            pl.col("case_id").is_in(self.pop.case_id[rows[means[a][rows]]].tolist()) & (pl.col("action") == a)
            for a in actions
        ]
        if not reach:
            return frame.clear()
        return frame.filter(pl.any_horizontal(reach)).sort("action", "case_id")

    def check(
        self, rows: Sequence[int], actions: Sequence[str], at: Sequence[datetime], disputed: np.ndarray
    ) -> list[Decision]:
        """The gate's decision on each contact at the instant it would be made."""
        world = self.world
        cases = [int(self.pop.case_id[i]) for i in rows]
        debts = debts_from_rows([world.account(c) for c in set(cases)], at[0].date()) if cases else {}
        reqs = [
            contact_request(c, world.facts(i, bool(disputed[i])), CHANNEL[a], t, c, debt=debts[c])
            for c, i, a, t in zip(cases, rows, actions, at, strict=True)
        ]
        self.decisions += len(reqs)
        return decide_many(reqs, self.history, self.pack) if reqs else []

    def record(self, events: Sequence[HistoryEvent]) -> None:
        for e in events:
            self.history.setdefault(e.party_id, []).append(e)

    def trim(self, now: datetime) -> None:
        """Forget events no rule can still count (keeps each decision's history short)."""
        since = now - LOOKBACK
        for party in list(self.history):
            kept = [e for e in self.history[party] if e.at >= since]
            if kept:
                self.history[party] = kept
            else:
                del self.history[party]
