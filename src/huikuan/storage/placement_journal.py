"""The journal's side of a placement file: new accounts opened and changed balances adjusted, as bulk
entries between the receivable and the creditor's portfolio (domain/ledger.py).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Connection

from huikuan.domain.ledger import Book, EntryKind
from huikuan.storage.ledger import write_bulk_entry


def journal_placement(
    conn: Connection, creditor_id: int, new: pl.DataFrame, changed: pl.DataFrame, *, at: datetime
) -> None:
    """The journal's side of a placement: new accounts opened (receivable <- portfolio) and changed
    balances adjusted, one entry per kind and currency. `changed` has the old and new currency and
    balance; an account whose currency changed is closed in the old and opened in the new."""
    opening = new.select(pl.col("account_id").alias("ref"), "currency", pl.col("balance").alias("delta"))
    same = changed.filter(pl.col("currency") == pl.col("old_currency")).select(
        pl.col("account_id").alias("ref"),
        "currency",
        (pl.col("balance") - pl.col("old_balance")).alias("delta"),
    )
    moved = changed.filter(pl.col("currency") != pl.col("old_currency"))
    adjustments = pl.concat(
        [
            same,
            moved.select(pl.col("account_id").alias("ref"), "currency", pl.col("balance").alias("delta")),
            moved.select(
                pl.col("account_id").alias("ref"),
                pl.col("old_currency").alias("currency"),
                (-pl.col("old_balance")).alias("delta"),
            ),
        ]
    )
    for kind, frame in ((EntryKind.PLACEMENT, opening), (EntryKind.ADJUSTMENT, adjustments)):
        for (currency,), part in frame.filter(pl.col("delta") != 0).group_by("currency"):
            write_bulk_entry(
                conn,
                kind=kind,
                creditor_id=creditor_id,
                currency=str(currency),
                at=at,
                reason="placement file"
                if kind is EntryKind.PLACEMENT
                else "balance changed by a placement file",
                lines=receivable_lines(part, creditor_id),
            )


def receivable_lines(frame: pl.DataFrame, creditor_id: int) -> pl.DataFrame:
    """Journal lines for signed changes of receivables (`ref` the account, `delta` the change): a rise
    is receivable <- portfolio, a fall portfolio <- receivable."""
    up = pl.col("delta") > 0
    return frame.select(
        pl.when(up)
        .then(pl.lit(Book.RECEIVABLE.value))
        .otherwise(pl.lit(Book.PORTFOLIO.value))
        .alias("debit_book"),
        pl.when(up).then(pl.col("ref")).otherwise(pl.lit(creditor_id)).cast(pl.Int64).alias("debit_ref"),
        pl.when(up)
        .then(pl.lit(Book.PORTFOLIO.value))
        .otherwise(pl.lit(Book.RECEIVABLE.value))
        .alias("credit_book"),
        pl.when(up).then(pl.lit(creditor_id)).otherwise(pl.col("ref")).cast(pl.Int64).alias("credit_ref"),
        pl.col("delta").abs().cast(pl.Int64).alias("amount"),
    )
