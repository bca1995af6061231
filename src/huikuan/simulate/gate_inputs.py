"""The simulated world read the way the production gate reads the database: each debtor as a stored row
(read into the gate's facts by strategy/gate_facts.py's `facts_from_row`), each case's account as a stored
account (`debts_from_rows`), the open cases as the daily plan's Portfolio (domain/portfolio.py), and the
GateReader that strategy/gating.py's `allowed_frame` asks for the cases it asks about one by one.

One case per debtor: a case's debtor id and account id are its case id, so its party is "D<case id>" and
its debt "A<case id>" (strategy/gate_facts.py's `party_id`, `debt_id`). The simulated creditor is
creditor 1; every validation notice is sent at placement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl

from huikuan.compliance import HistoryEvent
from huikuan.compliance.model import DebtorFacts, EventOutcome
from huikuan.domain.enums import Direction, Outcome
from huikuan.domain.portfolio import CHANNEL_CODES, FLAG_BITS, OUTCOME_CODES, QUARTER, Portfolio
from huikuan.simulate.population import Population
from huikuan.strategy.gate_facts import collectible_account, debts_from_rows, facts_from_row
from huikuan.strategy.gating import AllowedPlan, CaseInputs

CREDITOR = 1
# Designated as inconvenient by a debtor who did (Population.inconvenient): the working day, stored as
# the database stores designated times (JSON text).
WORK_DAY = '[{"start": "09:00", "end": "17:00"}]'
# The gate's conversation is stored as one of the conversation outcomes (domain.enums.CONVERSATION_OUTCOMES).
_STORED_OUTCOME = {EventOutcome.CONVERSATION.value: Outcome.CALLBACK.value}


@dataclass(frozen=True)
class DebtorRow:
    """A simulated debtor as storage/gate_inputs.py's DebtorRow holds one (what facts_from_row reads)."""

    id: int
    address_country: str
    address_region: str
    time_zone: str
    inconvenient_times: str
    disputed: bool
    phones: tuple[str, ...] = ()
    inconvenient_places: tuple[str, ...] = ()
    opt_out_channels: tuple[str, ...] = ()
    holds: tuple[tuple[str, datetime | None], ...] = ()
    cease: bool = False
    attorney: bool = False
    deceased: bool = False
    employer_prohibits: bool = False
    bankruptcy: bool = False


@dataclass(frozen=True)
class AccountRow:
    """A simulated case's account as storage/gate_inputs.py's AccountRow holds one."""

    id: int
    creditor_id: int
    pack: str
    pack_overrides: Mapping[str, Any]
    validation_mailed_on: date | None
    limitation_date: date | None = None


@dataclass
class WorldFacts:
    """The gate's facts of the simulated debtors, read once per (debtor, disputed) from their rows."""

    pop: Population
    pack: str
    overrides: Mapping[str, Any]
    placed: date
    _facts: dict[tuple[int, bool], DebtorFacts] = field(default_factory=dict)

    def facts(self, i: int, disputed: bool) -> DebtorFacts:
        """The facts of the debtor of population row i."""
        key = (i, disputed)
        got = self._facts.get(key)
        if got is None:
            got = self._facts[key] = facts_from_row(self.row(i, disputed))
        return got

    def row(self, i: int, disputed: bool) -> DebtorRow:
        pop = self.pop
        return DebtorRow(
            id=int(pop.case_id[i]),
            address_country=pop.country,
            address_region=pop.region[i],
            time_zone=pop.zones[pop.zone[i]],
            inconvenient_times=WORK_DAY if pop.inconvenient[i] else "[]",
            disputed=disputed,
        )

    def creditors(self) -> dict[int, dict[str, Any]]:
        return {CREDITOR: {"pack": self.pack, "pack_overrides": dict(self.overrides)}}

    def account(self, case_id: int) -> AccountRow:
        return AccountRow(case_id, CREDITOR, self.pack, self.overrides, self.placed)


def portfolio(
    world: WorldFacts,
    rows: np.ndarray,
    disputed: np.ndarray,
    history: Mapping[str, Sequence[HistoryEvent]],
    day: date,
    now: datetime,
) -> Portfolio:
    """The open cases (population rows `rows`) as the daily plan's Portfolio, with their recent history."""
    pop = world.pop
    ids = pop.case_id[rows]
    zones = [pop.zones[z] for z in pop.zone[rows]]
    flags = np.where(disputed[rows], FLAG_BITS["disputed"], 0) | np.where(
        pop.inconvenient[rows], FLAG_BITS["inconvenient"], 0
    )
    cases = pl.DataFrame(
        {
            "case_id": ids,
            "debtor_id": ids,
            "creditor_id": np.full(len(rows), CREDITOR),
            "first_account": ids,
            "debtor_zone": zones,
            "time_zone": zones,
            "address_country": [pop.country] * len(rows),
            "address_region": [pop.region[int(i)] for i in rows],
            "flags": flags.astype(np.int64),
        },
        schema={
            "case_id": pl.Int64,
            "debtor_id": pl.Int64,
            "creditor_id": pl.Int64,
            "first_account": pl.Int64,
            "debtor_zone": pl.Utf8,
            "time_zone": pl.Utf8,
            "address_country": pl.Utf8,
            "address_region": pl.Utf8,
            "flags": pl.Int64,
        },
    )
    phones = pl.DataFrame(schema={"debtor_id": pl.Int64, "value": pl.Utf8})
    return Portfolio(day, now, cases, _events(history, now), phones, world.creditors())


def _events(history: Mapping[str, Sequence[HistoryEvent]], now: datetime) -> pl.DataFrame:
    """The gate's history as the Portfolio's events frame (coded channel and outcome, age in quarters)."""
    cols: dict[str, list[Any]] = {k: [] for k in ("case_id", "age", "channel", "outcome", "outbound")}
    for party, events in history.items():
        case_id = int(party[1:])
        for e in events:
            if e.at > now:
                continue
            cols["case_id"].append(case_id)
            cols["age"].append(int((now - e.at).total_seconds()) // QUARTER)
            cols["channel"].append(CHANNEL_CODES[e.channel.value])
            cols["outcome"].append(OUTCOME_CODES[_STORED_OUTCOME.get(e.outcome.value, e.outcome.value)])
            cols["outbound"].append(e.direction is Direction.OUTBOUND)
    frame = pl.DataFrame(
        cols,
        schema={
            "case_id": pl.Int64,
            "age": pl.Int32,
            "channel": pl.UInt8,
            "outcome": pl.UInt8,
            "outbound": pl.Boolean,
        },
    )
    return frame.with_columns(pl.lit(True).alias("debtor"))


class WorldReader:
    """The GateReader of the simulated world (strategy.gating.allowed_frame): no validation notice is
    awaited; the cases asked about one by one get their debtors' facts and the world's recent history."""

    def __init__(
        self, world: WorldFacts, disputed: np.ndarray, history: Mapping[str, list[HistoryEvent]]
    ) -> None:
        self.world = world
        self.disputed = disputed
        self.history = history

    def awaiting_validation(self, plan: AllowedPlan) -> set[int]:  # noqa: ARG002 - sent at placement
        return set()

    def case_inputs(self, plan: AllowedPlan, special: pl.DataFrame) -> CaseInputs:
        ids = special.get_column("case_id").to_list()
        facts = {c: self.world.facts(c - 1, bool(self.disputed[c - 1])) for c in ids}
        debts = debts_from_rows([self.world.account(c) for c in ids], plan.portfolio.day)
        return CaseInputs(
            facts=facts,
            history=dict(self.history),
            debts={c: [debts[c]] for c in ids},
            accounts_of={c: collectible_account([c], frozenset()) for c in ids},
        )


__all__ = ["CREDITOR", "AccountRow", "DebtorRow", "WorldFacts", "WorldReader", "portfolio"]
