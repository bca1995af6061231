"""The simulated world's use of the REAL compliance gate: the day's `allowed` frame, and each contact's
check at the instant it is made.

Allowed hours. For every kind of debtor (zone, address region, channel, dispute and designated-time facts)
the gate is asked about the first and the last minute of each local hour of the day, with no history: an
hour is in the mask when both are allowed (so a contact made anywhere in the hour is inside the window).
Then each case's own call request, with its own history, is asked about the first hour of that mask: if it
is refused, the mask keeps only the hours from the gate's `next_allowed_at` on (none if that is not
today), and `rule` names the first rule that refused it. History-dependent blocks (call caps, the 7-day
rules) only lift at a local midnight, so one probe per case settles the day.

Other channels take their kind's mask: the rules that read a debtor's history are call rules in every
pack (the gate itself skips them for other channels), so a case's own history cannot narrow them. With
`probe_all = True` every channel of every case is asked all the same (exact whatever a pack holds, and
several times slower). Either way every contact is checked again, by the gate, at the instant it is made:
a refusal there means the contact is not made, and the result counts it (`refused_by_gate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import polars as pl

from huikuan.compliance import Decision, HistoryEvent, Pack, Request, decide_many
from huikuan.compliance.model import Address, Debt, DebtorFacts, Flags, InconvenientTime, Party, Purpose, Role
from huikuan.domain.enums import Channel
from huikuan.simulate.population import Population
from huikuan.strategy.api import ALLOWED_SCHEMA
from huikuan.strategy.frames import schema
from huikuan.strategy.timegrid import local_hour_starts

CHANNEL = {
    "call": Channel.CALL,
    "sms": Channel.SMS,
    "email": Channel.EMAIL,
    "wechat": Channel.WECHAT,
    "letter": Channel.LETTER,
    "visit": Channel.VISIT,
}
WORK_DAY = (InconvenientTime(time(9, 0), time(17, 0)),)
# Events older than this cannot matter to any rule of the packs at hand: the gate reads 7-day windows plus
# two days of slack (compliance/context.py); consents and validation notices, which it reads further
# back, never occur in the simulation.
LOOKBACK = timedelta(days=10)


class Gatekeeper:
    def __init__(self, pack: Pack, pop: Population, probe_all: bool = False) -> None:
        self.pack = pack
        self.probe_all = probe_all
        self.pop = pop
        self.parties = [Party(id=f"P{c}", role=Role.DEBTOR) for c in pop.case_id]
        self.debts = [Debt(id=f"A{c}", validation_sent=True) for c in pop.case_id]
        self._facts: dict[tuple[int, bool], DebtorFacts] = {}
        self.history: dict[str, list[HistoryEvent]] = {}
        self.decisions = 0

    def facts(self, i: int, disputed: bool) -> DebtorFacts:
        key = (i, disputed)
        got = self._facts.get(key)
        if got is None:
            pop = self.pop
            got = self._facts[key] = DebtorFacts(
                address=Address(pop.country, pop.region[i]),
                time_zone=pop.zones[pop.zone[i]],
                inconvenient_times=WORK_DAY if pop.inconvenient[i] else (),
                flags=Flags(disputed=disputed),
            )
        return got

    def _template(self, i: int, action: str, disputed: bool, starts: np.ndarray) -> tuple[int, str | None]:
        """Mask of the hours wholly allowed for this kind of debtor with no history, and a rule if none."""
        probe = Party(id="template", role=Role.DEBTOR)
        facts = self.facts(i, disputed)
        channel = CHANNEL[action]
        debt = Debt(id="template", validation_sent=True)
        at = [datetime.fromtimestamp(int(s) + off, UTC) for s in starts for off in (0, 3599)]
        reqs = [Request(t, channel, Purpose.COLLECT, probe, facts, debt) for t in at]
        got = decide_many(reqs, {}, self.pack)
        self.decisions += len(reqs)
        mask = 0
        rule: str | None = None
        for h in range(24):
            a, b = got[2 * h], got[2 * h + 1]
            if a.allowed and b.allowed:
                mask |= 1 << h
            elif rule is None:
                refused = a if not a.allowed else b
                rule = refused.violations[0].rule if refused.violations else None
        return mask, rule

    def allowed(
        self,
        day: date,
        rows: np.ndarray,
        actions: Sequence[str],
        means: dict[str, np.ndarray],
        disputed: np.ndarray,
    ) -> pl.DataFrame:
        pop = self.pop
        starts = {z: local_hour_starts(z, day) for z in pop.zones}
        # The kind of each case: what the template requests are made of.
        kinds: dict[tuple[object, ...], int] = {}
        first_row: list[int] = []
        kind = np.empty(len(rows), dtype=np.int64)
        for k, i in enumerate(rows):
            i = int(i)
            key = (
                int(pop.zone[i]),
                pop.region[i] if pop.country == "US" else pop.region[i] == "XJ",
                bool(pop.inconvenient[i]),
                bool(disputed[i]),
            )
            got = kinds.get(key)
            if got is None:
                got = kinds[key] = len(first_row)
                first_row.append(i)
            kind[k] = got
        frames: list[pl.DataFrame] = []
        for action in actions:
            templates = [
                self._template(i, action, bool(disputed[i]), starts[pop.zones[pop.zone[i]]])
                for i in first_row
            ]
            t_mask = np.array([m for m, _ in templates], dtype=np.int64)
            t_rule = [r for _, r in templates]
            has = means[action][rows]
            sel_rows = rows[has]
            mask = t_mask[kind[has]]
            rule = [t_rule[k] for k in kind[has]]
            if action == "call" or self.probe_all:
                # A case with no recorded events asks exactly its kind's request (ids only serve to match
                # history), so only cases with a history are asked again.
                history = self.history
                probe = np.array(
                    [p for p in np.nonzero(mask != 0)[0] if self.parties[int(sel_rows[p])].id in history],
                    dtype=np.int64,
                )
                reqs: list[Request] = []
                firsts: list[int] = []
                channel = CHANNEL[action]
                for p in probe:
                    i = int(sel_rows[p])
                    m = int(mask[p])
                    h = (m & -m).bit_length() - 1
                    zname = pop.zones[pop.zone[i]]
                    at = datetime.fromtimestamp(int(starts[zname][h]), UTC)
                    reqs.append(
                        Request(
                            at,
                            channel,
                            Purpose.COLLECT,
                            self.parties[i],
                            self.facts(i, bool(disputed[i])),
                            self.debts[i],
                        )
                    )
                    firsts.append(h)
                decisions = decide_many(reqs, self.history, self.pack) if reqs else []
                self.decisions += len(reqs)
                for p, d in zip(probe, decisions, strict=True):
                    if d.allowed:
                        continue
                    i = int(sel_rows[p])
                    nxt = d.next_allowed_at
                    keep = 0
                    if nxt is not None:
                        hours = starts[pop.zones[pop.zone[i]]]
                        later = int(nxt.timestamp())
                        m = int(mask[p])
                        keep = sum(1 << h for h in range(24) if m >> h & 1 and int(hours[h]) >= later)
                    mask[p] = keep
                    rule[p] = (d.violations[0].rule if d.violations else None) if keep == 0 else None
            rule = [r if m == 0 else None for r, m in zip(rule, mask, strict=True)]
            frames.append(
                pl.DataFrame(
                    {
                        "case_id": pop.case_id[sel_rows],
                        "action": [action] * len(sel_rows),
                        "hour_mask": mask,
                        "rule": pl.Series(rule, dtype=pl.Utf8),
                    },
                    schema=schema(ALLOWED_SCHEMA),
                )
            )
        if not frames:
            return pl.DataFrame(schema=schema(ALLOWED_SCHEMA))
        return pl.concat(frames)

    def check(
        self, rows: Sequence[int], actions: Sequence[str], at: Sequence[datetime], disputed: np.ndarray
    ) -> list[Decision]:
        """The gate's decision on each contact at the instant it would be made."""
        reqs = [
            Request(
                t,
                CHANNEL[a],
                Purpose.COLLECT,
                self.parties[i],
                self.facts(i, bool(disputed[i])),
                self.debts[i],
            )
            for i, a, t in zip(rows, actions, at, strict=True)
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
