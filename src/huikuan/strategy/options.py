"""The day's options per case as an allocation Problem: calls by UTC hour column, then visit and channels.

An option exists only where the gate's mask allows it (a call's local hour must be a set bit of its
mask and lie in a column some collector works; a message or visit takes the allowed hour in which the
person most likely answers), where the case has the means (a mobile for calls and SMS, an address for
letters and visits...) and where the day has capacity. Its value is the expected recovery it adds over
doing nothing, minus its cost.

Call resources follow Hall's condition for matching calls to collectors by language: for every set S of
languages and every hour, the calls in languages of S cannot exceed the calls that collectors speaking
any language of S can place in that hour. With two languages that is three constraints per hour, and
an allocation that meets them can always be assigned to collectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from huikuan.strategy.api import Capacity
from huikuan.strategy.capacity_problem import Problem
from huikuan.strategy.frames import F64, I64, Allowed, Cases
from huikuan.strategy.payment import PaymentModel, Scores
from huikuan.strategy.segments import SEGMENTS, Segments
from huikuan.strategy.timegrid import Grid, mask_bit

CHANNELS = ("visit", "sms", "email", "wechat", "letter")
RESOURCE_OF = {"visit": "visits", "sms": "sms", "email": "email", "wechat": "wechat", "letter": "letters"}

# Minor units per action when PlanInputs.costs has no figure. CNY: a 4-minute call at 1.80 CNY per
# collector-minute (0.25 USD, calibration.md, at 7.2 CNY/USD), SMS 0.04 CNY (0.006 USD), letter 5 CNY
# (0.70 USD), field visit 216 CNY (30 USD, unsourced default); email and WeChat messages are near free.
DEFAULT_COSTS: dict[str, dict[str, int]] = {
    "CNY": {"call": 720, "sms": 4, "email": 1, "wechat": 2, "letter": 500, "visit": 21600, "none": 0},
    "USD": {"call": 100, "sms": 1, "email": 1, "wechat": 1, "letter": 70, "visit": 3000, "none": 0},
}
MEANS = {
    "call": "has_mobile",
    "sms": "has_mobile",
    "email": "has_email",
    "wechat": "has_wechat",
    "letter": "has_address",
    "visit": "has_address",
}


@dataclass(frozen=True)
class Options:
    problem: Problem
    kinds: list[str]  # action of each column
    n_calls: int  # the first n_calls columns are calls, in grid.columns order
    channel_hour: dict[str, I64]  # per case, the local hour a visit or message would go out (-1: none)
    p_none: F64
    amount: F64
    cost: dict[str, F64]  # per case, by action
    group_languages: list[str]  # language of each call group; the last group has no calls
    removed: dict[str, pl.Series]  # why an action is not an option for a case (null: it is one)
    scores: Scores
    model: PaymentModel | None
    dpd: I64
    segment_names: np.ndarray

    def probabilities(self, action: str, p_answer: F64, rows: I64) -> F64:
        """P(pay within 30 days) of `action` for the given cases (the prior, or the trained model)."""
        return _probabilities(self.scores, self.model, self.dpd, self.segment_names, action, p_answer, rows)

    def prior(self, action: str, p_answer: F64, rows: I64) -> F64:
        return _prior(self.scores, action, p_answer, rows)


def _prior(scores: Scores, action: str, p_answer: F64, rows: I64) -> F64:
    p0 = scores.p_none[rows]
    if action == "call":
        return np.clip(p0 + p_answer * scores.call_gain[rows], 0.0, 1.0)
    if action == "visit":
        return np.clip(p0 + p_answer * scores.visit_gain[rows], 0.0, 1.0)
    if action in scores.message:
        return scores.message[action][rows]
    return p0


def _probabilities(
    scores: Scores,
    model: PaymentModel | None,
    dpd: I64,
    segs: np.ndarray,
    action: str,
    p_answer: F64,
    rows: I64,
) -> F64:
    prior = _prior(scores, action, p_answer, rows)
    if model is None:
        return prior
    return model.predict(action, prior, dpd[rows], segs[rows])


def _costs(cases: Cases, costs: dict[str, dict[str, int]]) -> dict[str, F64]:
    out: dict[str, F64] = {}
    for action in ("call", *CHANNELS, "none"):
        table = np.zeros(len(cases.currencies) + 1)
        for i, cur in enumerate([*cases.currencies, "USD"]):
            given = costs.get(cur, {})
            default = DEFAULT_COSTS.get(cur, DEFAULT_COSTS["USD"])
            table[i] = float(given.get(action, default.get(action, 0)))
        out[action] = table[np.where(cases.currency >= 0, cases.currency, len(cases.currencies))]
    return out


def _hours_of(mask: int) -> I64:
    return np.array([h for h in range(24) if mask >> h & 1], dtype=np.int64)


def best_hour(p_answer: NDArray[np.floating[Any]], masks: I64, first: bool = False) -> I64:
    """Per case, the hour of its mask in which it most likely answers (or the mask's first hour); -1 for
    an empty mask. Cases are grouped by mask: a portfolio has few distinct ones."""
    out = np.full(len(masks), -1, dtype=np.int64)
    if len(masks) == 0:
        return out
    uniq, inverse = np.unique(masks, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(inverse, minlength=len(uniq)))]
    for k, m in enumerate(uniq):
        if m == 0:
            continue
        rows = order[bounds[k] : bounds[k + 1]]
        hours = _hours_of(int(m))
        if first or len(hours) == 1:
            out[rows] = hours[0]
        else:
            out[rows] = hours[np.argmax(p_answer[rows][:, hours], axis=1)]
    return out


def _zone_mask(ok: np.ndarray) -> I64:
    """(zones, 24) booleans as one 24-bit mask per zone."""
    return np.asarray((ok.astype(np.int64) << np.arange(24)[None, :]).sum(axis=1), dtype=np.int64)


def _utc_label(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%MZ")


def _removed(
    action: str,
    mask: I64,
    rules: pl.Series,
    has_means: np.ndarray,
    live: np.ndarray,
    disputed: np.ndarray,
    available: np.ndarray,
    cap_zero: bool,
    policy: np.ndarray,
) -> pl.Series:
    frame = pl.DataFrame(
        {
            "mask": mask,
            "rule": rules,
            "means": has_means,
            "live": live,
            "disputed": disputed,
            "available": available,
            "policy": policy,
        }
    )
    expr = (
        pl.when(pl.col("available"))
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("mask") == 0)
        .then(pl.col("rule").fill_null("not-allowed-today"))
        .when(~pl.col("means"))
        .then(pl.lit(f"no-{MEANS[action][4:]}"))
        .when(pl.col("disputed"))
        .then(pl.lit("disputed"))
        .when(~pl.col("live"))
        .then(pl.lit("no-balance"))
        .when(pl.lit(cap_zero))
        .then(pl.lit("no-capacity"))
        .when(pl.col("policy"))
        .then(pl.lit("contact-policy"))
        .otherwise(pl.lit("outside-working-hours"))
    )
    return frame.select(expr.alias(action))[action]


def build(
    cases: Cases,
    seg: Segments,
    scores: Scores,
    p_answer: NDArray[np.floating[Any]],
    grid: Grid,
    allowed: Allowed,
    capacity: Capacity,
    costs: dict[str, dict[str, int]],
    actions: tuple[str, ...],
    model: PaymentModel | None = None,
    contact_policy: tuple[int, int] | None = None,
) -> Options:
    """The options of each case. With contact_policy = (messages, calls), a case contacted `messages`
    times in the last 7 days is offered no message, letter or visit, and one contacted `calls` times no
    call either, unless a promise is about to fall due: a contact-frequency policy of the planner's own on
    top of the gate (over-contact brings complaints, and cheap messages would otherwise use up each
    case's tolerance for contact before a call could)."""
    # Long because it builds one Problem's arrays in order (call groups, values, policy, resources,
    # removals) over a dozen shared per-case arrays; split, each step would take most of them.
    n = cases.n
    zr = grid.zone_row
    cost = _costs(cases, costs)
    means = {a: getattr(cases, MEANS[a]) for a in MEANS}
    seg_names = np.asarray(SEGMENTS, dtype=object)[seg.segment]
    dpd = cases.dpd.astype(np.int64)

    # Call groups: the cases' languages that some collector with call capacity speaks.
    col = grid.collectors
    working = grid.call_cap.sum(axis=1) > 0 if grid.n_columns else np.zeros(len(col.user_id), dtype=bool)
    spoken = {lang for j, langs in enumerate(col.languages) if working[j] for lang in langs}
    group_languages = [lang for lang in cases.languages if lang in spoken]
    lang_to_group = {lang: g for g, lang in enumerate(group_languages)}
    none_group = len(group_languages)
    code_to_group = np.array([lang_to_group.get(lang, none_group) for lang in cases.languages] + [none_group])
    group = code_to_group[np.where(cases.language >= 0, cases.language, len(cases.languages))].astype(
        np.int64
    )
    n_groups = none_group + 1

    n_calls = grid.n_columns if ("call" in actions and grid.n_columns > 0 and group_languages) else 0
    channels = [c for c in CHANNELS if c in actions]
    kinds = ["call"] * n_calls + channels
    value = np.full((n, len(kinds)), -np.inf)

    def probs(action: str, pa: F64, rows: I64) -> F64:
        return _probabilities(scores, model, dpd, seg_names, action, pa, rows)

    all_rows = np.arange(n)
    p_none = probs("none", np.zeros(n), all_rows)
    amount = scores.amount
    live = (cases.balance > 0) & ~cases.disputed
    zero = np.zeros(n, dtype=np.int64)

    if n_calls:
        call_mask = allowed.masks.get("call", zero)
        eligible = means["call"] & live & (group < none_group)
        for c in range(n_calls):
            hours = grid.hour_of_col[zr, c]  # local hour of the column for each case, -1 if none
            rows = np.nonzero(eligible & mask_bit(call_mask, hours))[0]
            pa = p_answer[rows, hours[rows]].astype(np.float64)
            p = probs("call", pa, rows)
            value[rows, c] = (p - p_none[rows]) * amount[rows] - cost["call"][rows]
    channel_hour: dict[str, I64] = {}
    now_mask = _zone_mask(grid.starts >= grid.now)[zr]
    visit_mask = _zone_mask(grid.visit_ok)[zr]
    for j, action in enumerate(channels):
        mask = allowed.masks.get(action, zero)
        if action == "letter":
            hour = best_hour(p_answer, mask, first=True)
        else:
            hour = best_hour(p_answer, mask & (visit_mask if action == "visit" else now_mask))
        channel_hour[action] = hour
        rows = np.nonzero((hour >= 0) & means[action] & live)[0]
        pa = (
            np.full(len(rows), scores.visit_found)
            if action == "visit"
            else p_answer[rows, hour[rows]].astype(np.float64)
        )
        p = probs(action, pa, rows)
        value[rows, n_calls + j] = (p - p_none[rows]) * amount[rows] - cost[action][rows]

    policy = np.zeros(n, dtype=bool)
    call_policy = np.zeros(n, dtype=bool)
    if contact_policy is not None:
        known = ~np.isnan(cases.contacts_7d) & ~scores.reminder_due
        policy = known & (cases.contacts_7d >= contact_policy[0])
        call_policy = known & (cases.contacts_7d >= contact_policy[1])
        value[np.ix_(policy, np.arange(n_calls, len(kinds)))] = -np.inf
        value[np.ix_(call_policy, np.arange(n_calls))] = -np.inf

    resources: list[str] = []
    caps: list[float] = []
    usage_cols: list[F64] = []  # one (G, K) array per resource
    if n_calls:
        langs = group_languages
        if len(langs) <= 4:
            subsets = [frozenset(c) for r in range(1, len(langs) + 1) for c in combinations(langs, r)]
        else:  # Hall's condition in part only: the assignment drops what does not fit
            subsets = [frozenset([lang]) for lang in langs] + [frozenset(langs)]
        for subset in subsets:
            who = np.array([bool(langs_j & subset) for langs_j in col.languages], dtype=bool)
            per_col = grid.call_cap[who].sum(axis=0) if who.any() else np.zeros(n_calls)
            label = "+".join(sorted(subset))
            for c in range(n_calls):
                u = np.zeros((n_groups, len(kinds)))
                for g, lang in enumerate(langs):
                    if lang in subset:
                        u[g, c] = 1.0
                resources.append(f"calls:{label}@{_utc_label(int(grid.columns[c]))}")
                caps.append(float(per_col[c]))
                usage_cols.append(u)
    limits = {
        "visit": capacity.visits if any("field" in s for s in col.skills) else 0,
        "sms": capacity.sms,
        "email": capacity.email,
        "wechat": capacity.wechat,
        "letter": capacity.letters,
    }
    for j, action in enumerate(channels):
        u = np.zeros((n_groups, len(kinds)))
        u[:, n_calls + j] = 1.0
        resources.append(RESOURCE_OF[action])
        caps.append(float(max(limits[action], 0)))
        usage_cols.append(u)
    usage = np.stack(usage_cols, axis=2) if usage_cols else np.zeros((n_groups, len(kinds), 0))

    removed: dict[str, pl.Series] = {}
    for action in MEANS:
        if action not in actions:
            continue
        if action == "call":
            available = np.isfinite(value[:, :n_calls]).any(axis=1) if n_calls else np.zeros(n, dtype=bool)
            cap_zero = n_calls == 0
        else:
            available = np.isfinite(value[:, n_calls + channels.index(action)])
            cap_zero = limits[action] <= 0
        removed[action] = _removed(
            action,
            allowed.masks.get(action, zero),
            allowed.rules.get(action, pl.Series([None] * n, dtype=pl.Utf8)),
            means[action],
            live,
            cases.disputed,
            available,
            cap_zero,
            policy if action != "call" else call_policy,
        )

    return Options(
        problem=Problem(value, group, usage, np.asarray(caps, dtype=np.float64), resources),
        kinds=kinds,
        n_calls=n_calls,
        channel_hour=channel_hour,
        p_none=p_none,
        amount=amount,
        cost=cost,
        group_languages=group_languages,
        removed=removed,
        scores=scores,
        model=model,
        dpd=dpd,
        segment_names=seg_names,
    )
