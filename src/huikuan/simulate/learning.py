"""What the optimized strategy learns in the simulator: a log of its plans and, every few days, a payment
model refitted on the plans whose 30-day outcome is known."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from huikuan.simulate.state import State
from huikuan.strategy.payment import PaymentModel


@dataclass
class Learner:
    """The plan log and the model fitted on it, for a learning run (scenario.learn, an optimized strategy).

    `rng` is the world's random stream: the log's sampling draws from it in the day's order."""

    active: bool
    rng: np.random.Generator
    seed: int
    state: State
    model: PaymentModel | None = None
    log: list[pl.DataFrame] = field(default_factory=list)

    def record(self, d: int, plan: pl.DataFrame) -> None:
        """Keeps the day's plan (its actions, and a tenth of its idle cases) for the next refit."""
        if not self.active:
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

    def refit(self, d: int, paid_days: list[np.ndarray]) -> None:
        """Refit the payment model on the plans of days whose 30-day outcome is known."""
        ready = [f for f in self.log if int(f["day"][0]) + 30 <= d + 1] if self.log else []
        if not ready:
            return
        data = pl.concat(ready)
        n = self.state.n
        label = np.zeros(len(data), dtype=bool)
        days = data["day"].to_numpy()
        rows = data["case_id"].to_numpy() - 1
        paid_by_day = np.zeros((len(paid_days), n), dtype=np.int32)
        for k, p in enumerate(paid_days):
            paid_by_day[k, p] = 1
        cum = np.cumsum(paid_by_day, axis=0, dtype=np.int32)
        end = np.minimum(days + 29, len(paid_days) - 1)
        before = np.where(days > 0, cum[np.maximum(days - 1, 0), rows], 0)
        label = (cum[end, rows] - before) > 0
        outcomes = data.with_columns(pl.Series("paid_30d", label))
        self.model = PaymentModel.fit(outcomes, min_examples=2000, seed=self.seed) or self.model
