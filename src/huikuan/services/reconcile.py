"""Reconciliation: the creditor's own payment file matched, by payment reference, against the payments
recorded here (the agency's and the direct ones, reversed ones left out).

The file is read like a payments import (intake/payments.py, with the creditor's header mapping or a
mapping file), so whatever the import takes, reconciliation takes. Each reference falls in one of:

- matched: in both, for the same amount;
- amount_differs: in both, for different amounts (or currencies);
- missing_here: in the file, not recorded here (or reversed here);
- missing_there: recorded here, paid within the days the file spans, but not in the file.

A CSV lists every difference (all but the matched), formulas neutralised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from huikuan.domain.money import Money
from huikuan.errors import InvalidInput
from huikuan.intake import load_mapping, parse_payments
from huikuan.services.creditors import get_creditor
from huikuan.spreadsheet import csv_writer
from huikuan.storage.statements import recorded_payments
from huikuan.storage.uow import UnitOfWork

CATEGORIES = ("matched", "amount_differs", "missing_here", "missing_there")


@dataclass
class Reconciliation:
    creditor: str
    file: str
    counts: dict[str, int]
    rows_read: int
    rows_refused: int
    span: tuple[str, str] | None
    csv: Path
    differences: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "creditor": self.creditor,
            "file": self.file,
            **self.counts,
            "rows_read": self.rows_read,
            "rows_refused": self.rows_refused,
            "from": self.span[0] if self.span else None,
            "to": self.span[1] if self.span else None,
            "csv": str(self.csv),
        }


def reconcile(
    uow: UnitOfWork,
    creditor_code: str,
    path: Path,
    out_dir: Path,
    *,
    mapping_file: Path | None = None,
    now: datetime | None = None,
) -> Reconciliation:
    """Matches the file against the payments recorded here and writes the differences' CSV."""
    if not path.is_file():
        raise InvalidInput("file: {path} does not exist", path=str(path))
    creditor = get_creditor(uow, creditor_code)
    mapping = load_mapping(mapping_file) if mapping_file is not None else dict(creditor.header_mapping)
    parsed = parse_payments(
        path, region=creditor.region, currency=creditor.currency, tz=creditor.time_zone, mapping=mapping
    )
    there = parsed.rows.select(
        pl.col("payment_ref").alias("reference"),
        pl.col("external_ref").alias("there_account"),
        pl.col("amount").alias("there_amount"),
        pl.col("currency").alias("there_currency"),
        pl.col("paid_at").alias("there_paid_at"),
    )
    here = recorded_payments(uow.session.connection(), creditor.id or 0)
    span, in_span = _span(there, creditor.time_zone)
    both = _categorised(there.join(here, on="reference", how="full", coalesce=True), in_span)
    counts = {c: int((both["category"] == c).sum()) for c in CATEGORIES}
    differences = both.filter(pl.col("category") != "matched").sort("category", "reference").to_dicts()
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now().astimezone()).strftime("%Y%m%d-%H%M%S")
    csv_path = out_dir / f"reconcile-{creditor.code}-{stamp}.csv"
    _write_differences(csv_path, differences, creditor.time_zone)
    return Reconciliation(
        creditor=creditor.code,
        file=path.name,
        counts=counts,
        rows_read=parsed.rows_read,
        rows_refused=parsed.rejected_rows,
        span=span,
        csv=csv_path,
        differences=differences,
    )


def _span(there: pl.DataFrame, tz: str) -> tuple[tuple[str, str] | None, pl.Expr]:
    """The file's first and last local payment days, and whether a payment here falls between them."""
    if not there.height:
        return None, pl.lit(False)
    first = there["there_paid_at"].dt.convert_time_zone(tz).dt.date().min()
    last = there["there_paid_at"].dt.convert_time_zone(tz).dt.date().max()
    local = pl.col("here_paid_at").dt.convert_time_zone(tz).dt.date()
    return (str(first), str(last)), local.is_between(pl.lit(first), pl.lit(last))


def _categorised(both: pl.DataFrame, in_span: pl.Expr) -> pl.DataFrame:
    """Each reference's category; a payment here before or after the file's span is left out."""
    found_here, found_there = pl.col("here_amount").is_not_null(), pl.col("there_amount").is_not_null()
    same = (pl.col("here_amount") == pl.col("there_amount")) & (
        pl.col("here_currency") == pl.col("there_currency")
    )
    return both.with_columns(
        pl.when(found_here & found_there & same)
        .then(pl.lit("matched"))
        .when(found_here & found_there)
        .then(pl.lit("amount_differs"))
        .when(found_there)
        .then(pl.lit("missing_here"))
        .when(in_span)
        .then(pl.lit("missing_there"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
        .alias("category")
    ).filter(pl.col("category").is_not_null())


def _money(minor: int | None, currency: str | None) -> str:
    return "" if minor is None or currency is None else str(Money(int(minor), currency).amount)


def _day(at: datetime | None, tz: str) -> str:
    return "" if at is None else str(at.astimezone(ZoneInfo(tz)).date())


def _write_differences(path: Path, differences: list[dict[str, Any]], tz: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv_writer(fh)
        out.writerow(
            [
                "category",
                "reference",
                "account_there",
                "account_here",
                "amount_there",
                "amount_here",
                "currency_there",
                "currency_here",
                "paid_there",
                "paid_here",
                "source_here",
            ]
        )
        for d in differences:
            out.writerow(
                [
                    d["category"],
                    d["reference"],
                    d.get("there_account") or "",
                    d.get("here_account") or "",
                    _money(d.get("there_amount"), d.get("there_currency")),
                    _money(d.get("here_amount"), d.get("here_currency")),
                    d.get("there_currency") or "",
                    d.get("here_currency") or "",
                    _day(d.get("there_paid_at"), tz),
                    _day(d.get("here_paid_at"), tz),
                    d.get("here_source") or "",
                ]
            )
