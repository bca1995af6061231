"""P(payment within 30 days | action): a documented prior, recalibrated on stored outcomes when enough.

The prior composes the public figures of docs/design/calibration.md with the case's scores:

    no action       p0   = 1 - (1 - self_pay[stage]) ** m,   m = clip(4 * ability * willingness, 0.1, 3)
                           (an open promise adds its chance of being kept)
    call at hour h  p0 + (1 - p0) * p_answer(h) * promise[segment] * kept[segment] * recency
    visit           the same with P(found at home) for p_answer and a higher promise rate
    message         p0 + (1 - p0) * read[ch] * nudge[ch] * min(4 * ability * willingness, 1) * response[stage]
                    (halved when a message went out in the last 7 days)
    letter          p0 + (1 - p0) * read * nudge * ability * (0.5 + willingness) * 2 * response[stage]
    reminder        with a promise due within 2 days, any contact that reaches the person adds
                    `reminder` to its chance of being kept; no new promise is sought meanwhile

With a history of outcomes (OUTCOMES_SCHEMA: what was done, the prior's probability, whether the case
paid within 30 days) of at least `min_examples` rows, a logistic model per action on the prior's logit,
the stage and the segment (Platt-calibrated on held-out outcomes) replaces the prior's probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from huikuan.strategy.api import ACTIONS
from huikuan.strategy.frames import F64, I8, Cases
from huikuan.strategy.segments import SEGMENTS, Segments, stage

OUTCOMES_SCHEMA = {
    "case_id": pl.Int64,
    "action": pl.Utf8,
    "p_prior": pl.Float64,  # the prior's P(pay within 30 days | action) when the action was planned
    "dpd": pl.Int32,
    "segment": pl.Utf8,
    "paid_30d": pl.Boolean,  # any payment within 30 days after the plan's day
}


@dataclass(frozen=True)
class PaymentPrior:
    # 30-day self-payment of an average debtor with no contact, by stage: early-stage self-cure is 40-60%
    # over months (calibration.md, consultancy figure); lifetime recovery once charged off is 7-12%.
    self_pay: tuple[float, float, float] = (0.10, 0.03, 0.01)
    # P(promise | right-party contact) by segment; portfolio mean about 0.35 (calibration.md default).
    promise: tuple[float, float, float, float] = (0.50, 0.25, 0.40, 0.15)
    # P(promise kept) by segment; portfolio mean about 0.6 (calibration.md: 0.5-0.7 commonly quoted).
    kept: tuple[float, float, float, float] = (0.75, 0.55, 0.55, 0.35)
    # A right-party contact within 7 days that produced no promise: a new call rarely changes the answer.
    recent_contact: float = 0.35
    # A reminder shortly before a promise is due (no sourced figure: an assumption).
    reminder: float = 0.10
    read: dict[str, float] = field(
        default_factory=lambda: {"sms": 0.55, "wechat": 0.65, "email": 0.25, "letter": 0.70}
    )
    # Payment given read, for an able and willing debtor in the early stage; the letter figure follows
    # the early-delinquency A/B test in calibration.md (26% -> 41% paid), discounted for later stages.
    nudge: dict[str, float] = field(
        default_factory=lambda: {"sms": 0.10, "wechat": 0.12, "email": 0.06, "letter": 0.15}
    )
    response: tuple[float, float, float] = (1.0, 0.6, 0.3)  # by stage
    repeat_message: float = 0.5
    visit_found: float = 0.45  # no sourced figure
    visit_promise: float = 1.3
    # Share of the balance paid when a payment comes: partial for those unable to pay in full.
    amount_base: float = 0.25
    amount_slope: float = 0.70


@dataclass(frozen=True)
class Scores:
    """What the options are built from: per case, the no-action probability and each action's terms."""

    stage: I8
    p_none: F64
    amount: F64  # expected amount of a payment when one comes (minor units)
    call_gain: F64  # p_call(h) = p_none + reach(h) * call_gain
    visit_gain: F64  # p_visit = p_none + visit_found * visit_gain
    message: dict[str, F64]  # p for sms, email, wechat, letter
    reminder_due: np.ndarray  # bool: a promise falls due within 2 days
    visit_found: float


def prior_scores(cases: Cases, seg: Segments, prior: PaymentPrior | None = None) -> Scores:
    pri = prior or PaymentPrior()
    st = stage(cases.dpd)
    a, w, s = seg.ability, seg.willingness, seg.segment
    m = np.clip(4.0 * a * w, 0.1, 3.0)
    p_self = 1.0 - (1.0 - np.asarray(pri.self_pay)[st]) ** m
    kept = np.asarray(pri.kept)[s]
    promise = np.asarray(pri.promise)[s]
    open_p = cases.open_promise
    due = cases.promise_due_days
    # A promise whose due date is unknown is taken to fall due within the 30 days.
    due_in_window = open_p & (np.isnan(due) | ((due >= 0) & (due <= 30)))
    p_none = np.where(due_in_window, 1.0 - (1.0 - p_self) * (1.0 - kept), p_self)
    reminder_due = open_p & ~np.isnan(due) & (due >= 0) & (due <= 2)

    recent = ~np.isnan(cases.days_since_contact) & (cases.days_since_contact <= 7)
    recency = np.where(recent, pri.recent_contact, 1.0)
    # A new promise is not sought while one is open; a reminder is worth reaching the person for.
    reminder_gain = np.where(reminder_due, pri.reminder, 0.0)
    call_gain = np.where(open_p, reminder_gain, (1.0 - p_none) * promise * kept * recency)
    visit_gain = np.where(
        open_p, reminder_gain, (1.0 - p_none) * np.minimum(promise * pri.visit_promise, 0.9) * kept * recency
    )
    response = np.asarray(pri.response)[st]
    recent_message = ~np.isnan(cases.days_since_message) & (cases.days_since_message <= 7)
    repeat = np.where(recent_message, pri.repeat_message, 1.0)
    message: dict[str, F64] = {}
    for ch in ("sms", "email", "wechat"):
        gain = pri.read[ch] * pri.nudge[ch] * np.clip(4.0 * a * w, 0.0, 1.0) * response * repeat
        message[ch] = np.where(
            open_p, p_none + pri.read[ch] * reminder_gain, p_none + (1.0 - p_none) * np.minimum(gain, 0.9)
        )
    letter_gain = pri.read["letter"] * pri.nudge["letter"] * np.clip(2.0 * a * (0.5 + w), 0, 1.5) * response
    message["letter"] = np.where(
        open_p, p_none, p_none + (1.0 - p_none) * np.minimum(letter_gain * repeat, 0.9)
    )
    amount_share = np.clip(pri.amount_base + pri.amount_slope * a, 0.05, 1.0)
    amount = np.where(
        open_p & ~np.isnan(cases.promise_amount),
        np.minimum(np.nan_to_num(cases.promise_amount), cases.balance),
        cases.balance * amount_share,
    )
    return Scores(st, p_none, amount, call_gain, visit_gain, message, reminder_due, pri.visit_found)


def _logit(p: F64) -> F64:
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(q / (1 - q))


def _features(action: np.ndarray, p_prior: F64, dpd: np.ndarray, segment: np.ndarray) -> F64:
    lg = _logit(p_prior)
    acts = np.stack([action == a for a in ACTIONS], axis=1).astype(np.float64)
    st = stage(dpd)
    stages = np.stack([st == i for i in range(3)], axis=1).astype(np.float64)
    segs = np.stack([segment == s for s in SEGMENTS], axis=1).astype(np.float64)
    return np.concatenate([lg[:, None], acts, acts * lg[:, None], stages, segs], axis=1)


class PaymentModel:
    """The trained path: P(pay within 30 days) from the prior's probability, the action, stage and segment.

    A logistic regression on 80% of the history, then Platt scaling (a one-variable logistic regression
    of the outcome on its score) on the other 20%: calibrated on data it was not fitted to. At most
    `max_rows` outcomes are used (a random sample), which keeps a refit well under a second.
    """

    def __init__(
        self, weights: F64, intercept: float, slope: float, offset: float, examples: int, positives: int
    ) -> None:
        self.weights = weights
        self.intercept = intercept
        self.slope = slope
        self.offset = offset
        self.examples = examples
        self.positives = positives

    @classmethod
    def fit(
        cls, outcomes: pl.DataFrame, min_examples: int = 2000, seed: int = 0, max_rows: int = 30_000
    ) -> PaymentModel | None:
        """A calibrated model, or None when the history is too small or has a single outcome."""
        from sklearn.linear_model import LogisticRegression

        data = outcomes.drop_nulls(["action", "p_prior", "paid_30d"])
        if data.height > max_rows:
            data = data.sample(max_rows, seed=seed)
        y = data["paid_30d"].cast(pl.Boolean).to_numpy().astype(np.int64)
        positives = int(y.sum())
        if data.height < min_examples or positives < 50 or data.height - positives < 50:
            return None
        x = _features(
            data["action"].to_numpy().astype(str),
            data["p_prior"].to_numpy().astype(np.float64),
            data["dpd"].fill_null(0).to_numpy(),
            data["segment"].fill_null("").to_numpy().astype(str),
        )
        rng = np.random.default_rng(seed)
        held = rng.random(len(y)) < 0.2
        if y[~held].min() == y[~held].max() or y[held].min() == y[held].max():
            return None
        base = LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=50)
        base.fit(x[~held], y[~held])
        weights = np.asarray(base.coef_[0], dtype=np.float64)
        intercept = float(base.intercept_[0])
        score = x[held] @ weights + intercept
        platt = LogisticRegression(C=1e6, max_iter=300)
        platt.fit(score[:, None], y[held])
        return cls(
            weights, intercept, float(platt.coef_[0][0]), float(platt.intercept_[0]), data.height, positives
        )

    def predict(self, action: str, p_prior: F64, dpd: np.ndarray, segment: np.ndarray) -> F64:
        if len(p_prior) == 0:
            return np.zeros(0)
        x = _features(np.full(len(p_prior), action), p_prior, dpd, segment)
        z = self.slope * (x @ self.weights + self.intercept) + self.offset
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)
