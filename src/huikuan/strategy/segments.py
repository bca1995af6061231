"""Ability and willingness to pay, the four segments, and each segment's default treatment path.

A collector's assessment (cases.ability / cases.willingness, 0..1) is used as entered. Without one, both
are estimated from what the case shows: the product, payments and promises kept or broken, disputes,
hardship, how late the debt is and whether the person ever answers. The estimates are deliberately
plain (documented weights, no fitted model): they only order cases and pick a path, and a collector's
first conversation replaces them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from huikuan.strategy.frames import F64, I8, Cases

SEGMENTS = ("able_willing", "able_unwilling", "unable_willing", "unable_unwilling")
ABLE_WILLING, ABLE_UNWILLING, UNABLE_WILLING, UNABLE_UNWILLING = range(4)

# The default treatment path of each segment, and the collector skill it calls for (if any).
PATHS = {
    "able_willing": ("remind", None),  # a message first; a call to agree a date if it is not enough
    "able_unwilling": ("persuade", "senior"),  # calls by a senior collector, a letter, a visit if large
    "unable_willing": ("hardship_plan", "hardship"),  # an affordable instalment plan
    "unable_unwilling": ("low_touch", None),  # letters and messages; a call only where the value is high
}

# Prior ability by product (share of debtors who could pay in full within weeks): not sourced figures,
# an ordering from unsecured micro-lending (least) to property fees and trade debts (most).
PRODUCT_ABILITY = {
    "credit_card": 0.50,
    "consumer_loan": 0.50,
    "microloan": 0.40,
    "property_fee": 0.60,
    "private_loan": 0.45,
    "trade_contract": 0.55,
    "other": 0.45,
}
THRESHOLD = 0.5


def stage(dpd: np.ndarray) -> I8:
    """0 early (1-30 days past due), 1 middle (31-90), 2 late (over 90)."""
    return np.where(dpd <= 30, 0, np.where(dpd <= 90, 1, 2)).astype(np.int8)


@dataclass(frozen=True)
class Segments:
    ability: F64
    willingness: F64
    assessed: np.ndarray  # bool: both came from a collector
    segment: I8  # index into SEGMENTS

    def names(self) -> list[str]:
        return [SEGMENTS[i] for i in self.segment]


def estimate(cases: Cases) -> Segments:
    st = stage(cases.dpd)
    prior = np.array([PRODUCT_ABILITY.get(p, 0.45) for p in cases.product] or [0.45])
    base = np.where(cases.product_code >= 0, prior[np.clip(cases.product_code, 0, None)], 0.45)
    made = cases.promises_made
    ability = (
        base
        + 0.25 * (cases.paid_90d > 0)
        + 0.10 * (cases.promises_kept > 0)
        - 0.25 * cases.hardship
        - 0.10 * (st == 2)
    )
    kept_share = (cases.promises_kept - cases.promises_broken) / (made + 1.0)
    silent = (cases.attempts_30d >= 6) & (cases.rpc_30d == 0)
    willingness = (
        0.50
        + 0.30 * kept_share
        + 0.05 * (cases.rpc_30d > 0)
        + 0.10 * (cases.payments_90d > 0)
        - 0.10 * (st == 2)
        - 0.10 * silent
        - 0.30 * cases.disputed
    )
    a = np.where(np.isnan(cases.ability), np.clip(ability, 0.05, 0.95), cases.ability)
    w = np.where(np.isnan(cases.willingness), np.clip(willingness, 0.05, 0.95), cases.willingness)
    assessed = ~np.isnan(cases.ability) & ~np.isnan(cases.willingness)
    seg = np.where(a >= THRESHOLD, np.where(w >= THRESHOLD, 0, 1), np.where(w >= THRESHOLD, 2, 3)).astype(
        np.int8
    )
    return Segments(a, w, assessed, seg)
