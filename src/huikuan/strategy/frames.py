"""The planner's inputs as aligned numpy arrays: one row per case, codes for the few categorical columns.

Every later step (scores, options, allocation, schedule) works on these arrays, never on a row at a time.
Optional columns beyond the contract (see OPTIONAL_CASE_COLUMNS) are read when present.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np
import polars as pl
from numpy.typing import NDArray

from huikuan.errors import InvalidInput
from huikuan.strategy.api import ACTIONS, ALLOWED_SCHEMA, CASES_SCHEMA

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]
B = NDArray[np.bool_]

# Read when the caller supplies them (the simulator does; the database side may): the due date and
# amount of the open promise, and the days since the last message or letter and since the last call.
OPTIONAL_CASE_COLUMNS = {
    "promise_due": pl.Date,
    "promise_amount": pl.Int64,
    "days_since_message": pl.Int32,
    "days_since_attempt": pl.Int32,
    "contacts_7d": pl.Int32,  # contacts made (any channel) in the last 7 days
}
# The actions that need a gate mask; "none" needs none.
CONTACT_ACTIONS = tuple(a for a in ACTIONS if a != "none")


@dataclass(frozen=True)
class Cases:
    n: int
    case_id: I64
    debtor_id: I64
    balance: F64  # minor units, as float for the arithmetic of expected values
    dpd: I32
    product: list[str]
    product_code: I8
    languages: list[str]
    language: I8  # index into languages; -1 when null
    zones: list[str]
    zone: I8  # index into zones; -1 when null
    currencies: list[str]
    currency: I8
    assigned: I64  # -1 when unassigned
    attempts_30d: F64
    rpc_30d: F64
    contacts_total: F64
    days_since_contact: F64  # nan: never
    promises_made: F64
    promises_kept: F64
    promises_broken: F64
    open_promise: B
    payments_90d: F64
    paid_90d: F64
    hardship: B
    disputed: B
    has_mobile: B
    has_email: B
    has_wechat: B
    has_address: B
    district: list[str | None]
    ability: F64  # nan: not assessed
    willingness: F64
    promise_due_days: F64  # days from the plan's day to the promise's due date; nan: unknown
    promise_amount: F64  # nan: unknown
    days_since_message: F64
    days_since_attempt: F64
    contacts_7d: F64  # nan: unknown


def schema(columns: Mapping[str, object]) -> pl.Schema:
    """A contract's column table (api.py) as a Polars schema, for casting frames to it."""
    return pl.Schema(cast("Mapping[str, pl.DataType]", columns))


def _codes(series: pl.Series) -> tuple[list[str], I8]:
    """Category codes for a small string column; -1 for nulls. Fails for more than 127 distinct values."""
    values = series.drop_nulls().unique().sort().to_list()
    if len(values) > 127:
        raise InvalidInput("cases.{column}: more than 127 distinct values", column=series.name)
    lookup = pl.DataFrame(
        {series.name: pl.Series(values, dtype=pl.Utf8), "code": np.arange(len(values), dtype=np.int8)}
    )
    codes = (
        pl.DataFrame({series.name: series})
        .join(lookup, on=series.name, how="left", maintain_order="left")["code"]
        .fill_null(-1)
        .to_numpy()
        .astype(np.int8)
    )
    return [str(v) for v in values], codes


def _f(frame: pl.DataFrame, name: str, fill: float = 0.0) -> F64:
    return frame[name].cast(pl.Float64).fill_null(fill).to_numpy().astype(np.float64)


def _nan(frame: pl.DataFrame, name: str) -> F64:
    if name not in frame.columns:
        return np.full(frame.height, np.nan)
    return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)


def _b(frame: pl.DataFrame, name: str) -> B:
    return frame[name].cast(pl.Boolean).fill_null(False).to_numpy().astype(np.bool_)


def read_cases(cases: pl.DataFrame, day: date) -> Cases:
    missing = [c for c in CASES_SCHEMA if c not in cases.columns]
    if missing:
        raise InvalidInput("cases: missing column {column}", column=missing[0])
    if cases["case_id"].null_count() or cases["case_id"].n_unique() != cases.height:
        raise InvalidInput("cases.case_id: must be unique and not null")
    n = cases.height
    products, product_code = _codes(cases["product"].cast(pl.Utf8))
    languages, language = _codes(cases["language"].cast(pl.Utf8))
    zones, zone = _codes(cases["time_zone"].cast(pl.Utf8))
    currencies, currency = _codes(cases["currency"].cast(pl.Utf8))
    if "promise_due" in cases.columns:
        epoch_day = (day - date(1970, 1, 1)).days
        due = cases["promise_due"].cast(pl.Date).cast(pl.Int32).cast(pl.Float64)
        promise_due_days = due.fill_null(np.nan).to_numpy().astype(np.float64) - epoch_day
    else:
        promise_due_days = np.full(n, np.nan)
    return Cases(
        n=n,
        case_id=cases["case_id"].cast(pl.Int64).to_numpy().astype(np.int64),
        debtor_id=cases["debtor_id"].cast(pl.Int64).fill_null(-1).to_numpy().astype(np.int64),
        balance=np.maximum(_f(cases, "balance"), 0.0),
        dpd=cases["dpd"].cast(pl.Int32).fill_null(0).to_numpy().astype(np.int32),
        product=products,
        product_code=product_code,
        languages=languages,
        language=language,
        zones=zones,
        zone=zone,
        currencies=currencies,
        currency=currency,
        assigned=cases["assigned_user_id"].cast(pl.Int64).fill_null(-1).to_numpy().astype(np.int64),
        attempts_30d=_f(cases, "attempts_30d"),
        rpc_30d=_f(cases, "rpc_30d"),
        contacts_total=_f(cases, "contacts_total"),
        days_since_contact=_nan(cases, "days_since_contact"),
        promises_made=_f(cases, "promises_made"),
        promises_kept=_f(cases, "promises_kept"),
        promises_broken=_f(cases, "promises_broken"),
        open_promise=_b(cases, "open_promise"),
        payments_90d=_f(cases, "payments_90d"),
        paid_90d=_f(cases, "paid_90d"),
        hardship=_b(cases, "hardship"),
        disputed=_b(cases, "disputed"),
        has_mobile=_b(cases, "has_mobile"),
        has_email=_b(cases, "has_email"),
        has_wechat=_b(cases, "has_wechat"),
        has_address=_b(cases, "has_address"),
        district=cases["district"].cast(pl.Utf8).to_list(),
        ability=np.clip(_nan(cases, "ability"), 0.0, 1.0),
        willingness=np.clip(_nan(cases, "willingness"), 0.0, 1.0),
        promise_due_days=np.asarray(promise_due_days, dtype=np.float64),
        promise_amount=_nan(cases, "promise_amount"),
        days_since_message=_nan(cases, "days_since_message"),
        days_since_attempt=_nan(cases, "days_since_attempt"),
        contacts_7d=_nan(cases, "contacts_7d"),
    )


@dataclass(frozen=True)
class Allowed:
    """Per contact action: the 24-bit local-hour mask of each case (0 = not today) and the blocking rule."""

    masks: dict[str, I64]
    rules: dict[str, pl.Series]  # Utf8, aligned with the cases; null where no rule was named


def read_allowed(allowed: pl.DataFrame, case_id: I64) -> Allowed:
    """Masks aligned with the cases. A case-action missing from the frame is not allowed (fail closed);
    several rows for one case-action allow only the hours every one of them allows."""
    missing = [c for c in ALLOWED_SCHEMA if c not in allowed.columns]
    if missing:
        raise InvalidInput("allowed: missing column {column}", column=missing[0])
    actions = allowed["action"].cast(pl.Utf8)
    code = actions.replace_strict(list(ACTIONS), list(range(len(ACTIONS))), default=-1, return_dtype=pl.Int8)
    code_np = code.to_numpy()
    if (code_np < 0).any():
        raise InvalidInput("allowed.action: unknown action {action!r}", action=actions.filter(code == -1)[0])
    n = len(case_id)
    order = np.argsort(case_id, kind="stable")
    sorted_ids = case_id[order]
    ids = allowed["case_id"].cast(pl.Int64).fill_null(-1).to_numpy()
    pos = np.clip(np.searchsorted(sorted_ids, ids), 0, max(n - 1, 0))
    known = (sorted_ids[pos] == ids) if n else np.zeros(len(ids), dtype=bool)
    row = order[pos] if n else pos
    hour_mask = allowed["hour_mask"].cast(pl.Int64).fill_null(0).to_numpy() & ((1 << 24) - 1)
    rule = allowed["rule"].cast(pl.Utf8)
    masks: dict[str, I64] = {}
    rules: dict[str, pl.Series] = {}
    for action in CONTACT_ACTIONS:
        sel = np.nonzero(known & (code_np == ACTIONS.index(action)))[0]
        acc = np.full(n, (1 << 24) - 1, dtype=np.int64)
        np.bitwise_and.at(acc, row[sel], hour_mask[sel])
        present = np.zeros(n, dtype=bool)
        present[row[sel]] = True
        masks[action] = np.where(present, acc, 0)
        named = sel[rule.gather(sel).is_not_null().to_numpy()] if len(sel) else sel
        col = pl.Series("rule", [None] * n, dtype=pl.Utf8)
        if len(named):
            col = col.scatter(row[named], rule.gather(named))
        rules[action] = col
    return Allowed(masks, rules)


def rank_within(keys: I64, priority: F64) -> I64:
    """Rank of each item within its key, lowest priority value first."""
    order = np.lexsort((priority, keys))
    sorted_keys = keys[order]
    start = np.r_[0, np.nonzero(np.diff(sorted_keys))[0] + 1]
    first = np.repeat(start, np.diff(np.r_[start, len(keys)]))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - first
    return rank
