"""Honest expectations: what each day's plan expected to recover, set against what the simulated world
then paid.

Every plan row says what its action is expected to bring in within 30 days (`expected_value` + `cost`:
the expected recovery). For each plan day from LEARNING_DAYS on whose 30 days lie inside the run, the
table sums, per segment and action, what the plan expected of its cases and what those cases paid in the
30 days from that day. A case planned on many days counts on each, on both sides alike, so paid over
expected is the plan's calibration in money: 1.0 when its expectations were right on average. Beside it,
the plan's mean P(payment within 30 days) against the share of its cases that did pay in their window:
the calibration of the probability alone, which is what the learning strategy refits.

A plan day is settled as soon as its window has passed, so at most WINDOW days of plans are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

LEARNING_DAYS = 30  # a learning strategy is judged once it has had time to learn
WINDOW = 30  # days over which a plan row's expected recovery is due
KEYS = ("segment", "action")


@dataclass
class Expectations:
    n: int  # cases (case_id 1..n)
    open_days: dict[int, pl.DataFrame] = field(default_factory=dict)  # plans whose window is still open
    payments: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)  # day, rows, amounts
    settled: list[pl.DataFrame] = field(default_factory=list)  # per settled day: sums per segment, action

    def record_plan(self, d: int, plan: pl.DataFrame) -> None:
        """Keeps what the day's plan expects of each case (from LEARNING_DAYS on)."""
        if d >= LEARNING_DAYS:
            self.open_days[d] = plan.select(
                pl.col("case_id"),
                *KEYS,
                pl.col("p_pay"),
                (pl.col("expected_value") + pl.col("cost")).alias("expected"),
            )

    def record_payments(self, d: int, rows: np.ndarray, amounts: np.ndarray) -> None:
        """Day d's payments: which cases (rows, 0-based) paid how much (minor units); settles the plan of
        the day whose window ends today."""
        self.payments.append((d, rows, amounts))
        first = d - WINDOW + 1
        plan = self.open_days.pop(first, None)
        if plan is not None:
            paid = np.zeros(self.n, dtype=np.int64)
            for day, r, a in self.payments:
                if day >= first:
                    np.add.at(paid, r, a)
            window = pl.Series("paid", paid[plan["case_id"].to_numpy() - 1], dtype=pl.Int64)
            self.settled.append(
                plan.with_columns(window)
                .group_by(*KEYS)
                .agg(
                    pl.len().alias("plans"),
                    pl.col("p_pay").sum(),
                    (pl.col("paid") > 0).sum().alias("payers"),
                    pl.col("expected").sum(),
                    pl.col("paid").sum(),
                )
            )
        self.payments = [p for p in self.payments if p[0] > first]

    def table(self) -> list[dict[str, Any]]:
        """Per segment and action: plan rows; the mean P(pay) planned and the share that paid; the expected
        recovery and what was paid (minor units), and paid / expected."""
        if not self.settled:
            return []
        summed = (
            pl.concat(self.settled)
            .group_by(*KEYS)
            .agg(pl.col("plans", "p_pay", "payers", "expected", "paid").sum())
            .sort(*KEYS)
        )
        return [
            {
                "segment": row["segment"],
                "action": row["action"],
                "plans": row["plans"],
                "p_pay": round(row["p_pay"] / row["plans"], 4),
                "paid_share": round(row["payers"] / row["plans"], 4),
                "expected": row["expected"],
                "paid": row["paid"],
                "ratio": round(row["paid"] / row["expected"], 3) if row["expected"] > 0 else None,
            }
            for row in summed.iter_rows(named=True)
        ]
