"""Imported payments split by part and their commission, for a whole file at once.

The rules are domain.ledger.allocate (each part in the creditor's order, never beyond what is left of it)
and domain.commission.commission (the first matching tier, half up, the flat fee, the account's cap).
When every payment of the file falls under one version of the terms (the usual case) they are applied as
Polars expressions over the frame: a payment's share of a part is what its running total covers of that
part's slice of the account. Otherwise each payment is allocated in turn with the domain's own functions.

The input frame, sorted by `paid_at`, has per payment: `account_id`, `amount`, `day` (the creditor's local
day paid) and, per account (repeated), `balance`, `fees_left`, `interest_left` (the parts not paid by
earlier payments, before this file), `product`, `age_base` (the day placed, or null), `placed_balance`
and `earned` (commission the account earned before this file). The output adds `fees`, `interest`,
`principal`, `allocated` and `commission`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from huikuan.domain.commission import Earning, Terms, commission
from huikuan.domain.ledger import Debt, Part, allocate

SOURCE = "direct"  # a payment the creditor reports was made to it


def split_and_earn(frame: pl.DataFrame, versions: Sequence[Terms], fallback: Terms) -> pl.DataFrame:
    """Adds the parts and the commission of each payment (see the module docstring)."""
    frame = frame.with_columns(
        pl.col("fees_left").clip(0).clip(upper_bound=pl.col("balance")).alias("fees_left"),
    ).with_columns(
        pl.col("interest_left").clip(0).clip(upper_bound=pl.col("balance") - pl.col("fees_left")),
    )
    in_force = {_terms_on(versions, fallback, d) for d in frame["day"].unique().to_list()}
    if len(in_force) == 1:
        terms = in_force.pop()
        return _earn(_split(frame, terms.order), terms)
    return _one_by_one(frame, versions, fallback)


def _terms_on(versions: Sequence[Terms], fallback: Terms, day: date) -> Terms:
    found = [v for v in versions if v.starts_on <= day]
    return max(found, key=lambda v: v.starts_on) if found else fallback


def _split(frame: pl.DataFrame, order: Sequence[Part]) -> pl.DataFrame:
    size = {
        Part.FEES: pl.col("fees_left"),
        Part.INTEREST: pl.col("interest_left"),
        Part.PRINCIPAL: pl.col("balance") - pl.col("fees_left") - pl.col("interest_left"),
    }
    cum = pl.col("amount").cum_sum().over("account_id")
    before = cum - pl.col("amount")
    shares, start = [], pl.lit(0, dtype=pl.Int64)
    for part in order:
        end = start + size[part]
        shares.append(
            (pl.min_horizontal(cum, end) - pl.max_horizontal(before, start)).clip(0).alias(part.value)
        )
        start = end
    return frame.with_columns(shares).with_columns(
        (pl.col("fees") + pl.col("interest") + pl.col("principal")).alias("allocated")
    )


def _earn(frame: pl.DataFrame, terms: Terms) -> pl.DataFrame:
    if not terms.direct_commission or (not terms.tiers and not terms.flat_fee):
        return frame.with_columns(pl.lit(0, dtype=pl.Int64).alias("commission"))
    age = (pl.col("day") - pl.coalesce(pl.col("age_base"), pl.col("day"))).dt.total_days()
    rate: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for tier in reversed(terms.tiers):  # built inside out, so the first tier that matches wins
        matches = pl.lit(tier.source in (None, SOURCE))
        if tier.product is not None:
            matches &= pl.col("product") == tier.product
        matches &= age >= tier.min_age_days
        if tier.max_age_days is not None:
            matches &= age < tier.max_age_days
        matches &= pl.col("placed_balance") >= tier.min_balance
        if tier.max_balance is not None:
            matches &= pl.col("placed_balance") < tier.max_balance
        rate = pl.when(matches).then(pl.lit(tier.rate_bp, dtype=pl.Int64)).otherwise(rate)
    raw = (
        pl.when(pl.col("allocated") > 0)
        .then((pl.col("allocated") * rate + 5000) // 10000 + terms.flat_fee)
        .otherwise(0)
    )
    frame = frame.with_columns(raw.alias("commission"))
    if terms.cap_per_account is None:
        return frame
    # Capped running totals: each payment earns what lifts its account's total towards the cap.
    cap = terms.cap_per_account
    base = pl.min_horizontal(pl.col("earned"), pl.lit(cap))
    upto = pl.min_horizontal(
        pl.col("earned") + pl.col("commission").cum_sum().over("account_id"), pl.lit(cap)
    )
    upto_before = pl.min_horizontal(
        pl.col("earned") + (pl.col("commission").cum_sum() - pl.col("commission")).over("account_id"),
        pl.lit(cap),
    )
    return frame.with_columns(
        (pl.max_horizontal(upto, base) - pl.max_horizontal(upto_before, base)).alias("commission")
    )


def _one_by_one(frame: pl.DataFrame, versions: Sequence[Terms], fallback: Terms) -> pl.DataFrame:
    """Each payment in turn with the domain's functions: for a file that spans versions of the terms."""
    left: dict[int, list[int]] = {}
    earned: dict[int, int] = {}
    out: dict[str, list[int]] = {k: [] for k in ("fees", "interest", "principal", "allocated", "commission")}
    for r in frame.iter_rows(named=True):
        account = int(r["account_id"])
        parts = left.setdefault(
            account,
            [r["fees_left"], r["interest_left"], r["balance"] - r["fees_left"] - r["interest_left"]],
        )
        terms = _terms_on(versions, fallback, r["day"])
        got = allocate(int(r["amount"]), [Debt(account, parts[0], parts[1], parts[2])], order=terms.order)
        share = got.allocations[0] if got.allocations else None
        taken = (share.fees, share.interest, share.principal) if share else (0, 0, 0)
        left[account] = [p - x for p, x in zip(parts, taken, strict=True)]
        before = earned.setdefault(account, int(r["earned"]))
        age = (r["day"] - (r["age_base"] or r["day"])).days
        (earns,) = commission(
            terms,
            [Earning(sum(taken), SOURCE, str(r["product"]), age, int(r["placed_balance"]), before)],
        )
        earned[account] = before + earns
        for name, value in zip(out, (*taken, sum(taken), earns), strict=True):
            out[name].append(value)
    return frame.with_columns(pl.Series(k, v, dtype=pl.Int64) for k, v in out.items())
