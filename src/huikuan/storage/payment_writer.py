"""Writes imported payments: each payment reference once, allocated to its account's balance by part in the
creditor's order, its commission computed where the creditor's terms say direct payments earn it, and
journalled as a direct payment (storage/payment_parts.py splits and earns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import Connection, func, select

from huikuan.domain.commission import Terms, TermsHistory
from huikuan.domain.ledger import Book, EntryKind
from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, insert_frame, read_frame, update_frame
from huikuan.storage.payment_parts import split_and_earn


@dataclass(frozen=True)
class Refused:
    """A payment row that cannot be taken: its row number, the column and value at fault, and why (a code
    of the import report's vocabulary, e.g. `unknown_account`), for the caller to explain."""

    row: int
    column: str
    value: str
    code: str


@dataclass
class PaymentOutcome:
    created: int = 0
    unchanged: int = 0
    errors: list[Refused] = field(default_factory=list)


@dataclass(frozen=True)
class CreditorTerms:
    """The creditor's versions of its money terms, and those it has without any (services pass them in)."""

    history: TermsHistory
    fallback: Terms


def write_payments(
    conn: Connection,
    creditor_id: int,
    rows: pl.DataFrame,
    *,
    tz: str,
    dry_run: bool,
    terms: CreditorTerms | None = None,
) -> PaymentOutcome:
    """Matches payments to accounts; with dry_run only reports the rows that cannot be taken.

    `tz` is the creditor's zone: an account's last payment date is the local date of the payment, and the
    terms in force are those of that day (none given: the default order and no commission).
    """
    frame = _with_accounts(conn, creditor_id, rows)
    outcome = PaymentOutcome()
    fresh = _check(frame, outcome)
    if dry_run or fresh.height == 0:
        return outcome

    ids = allocate_ids(conn, t.payments, fresh.height)
    fresh = fresh.sort("paid_at").with_columns(ids)
    allocated = _split_and_earn(conn, creditor_id, fresh, tz, terms)
    _insert_payments(conn, creditor_id, allocated)
    journal_direct_payments(conn, creditor_id, allocated)
    _lower_balances(conn, allocated, tz)
    return outcome


def _with_accounts(conn: Connection, creditor_id: int, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows with the creditor's account each names and the payment already known by its reference."""
    a, p = t.accounts.c, t.payments.c
    accounts = read_frame(
        conn,
        select(
            a.id, a.external_ref, a.currency, a.balance, a.case_id, a.fees, a.interest, a.product, a.placed_on
        ).where(a.creditor_id == creditor_id),
        {
            "account_id": pl.Int64,
            "external_ref": pl.Utf8,
            "account_currency": pl.Utf8,
            "balance": pl.Int64,
            "case_id": pl.Int64,
            "account_fees": pl.Int64,
            "account_interest": pl.Int64,
            "product": pl.Utf8,
            "age_base": pl.Date,
        },
    )
    known = read_frame(
        conn,
        select(p.external_ref, p.account_id, p.amount).where(p.creditor_id == creditor_id),
        {"payment_ref": pl.Utf8, "known_account_id": pl.Int64, "known_amount": pl.Int64},
    )
    return rows.join(accounts, on="external_ref", how="left").join(known, on="payment_ref", how="left")


def _check(frame: pl.DataFrame, outcome: PaymentOutcome) -> pl.DataFrame:
    """Counts the rows into `outcome`, refusing unknown accounts, other currencies and reused references;
    the rows to write."""
    for r in frame.filter(pl.col("account_id").is_null()).iter_rows(named=True):
        outcome.errors.append(Refused(r["row"], "external_ref", r["external_ref"], "unknown_account"))
    matched = frame.filter(pl.col("account_id").is_not_null())
    for r in matched.filter(pl.col("currency") != pl.col("account_currency")).iter_rows(named=True):
        outcome.errors.append(Refused(r["row"], "currency", r["currency"], "currency_mismatch"))
    seen = matched.filter(pl.col("known_amount").is_not_null())
    conflicting = seen.filter(
        (pl.col("known_amount") != pl.col("amount")) | (pl.col("known_account_id") != pl.col("account_id"))
    )
    for r in conflicting.iter_rows(named=True):
        outcome.errors.append(Refused(r["row"], "payment_ref", r["payment_ref"], "payment_ref_reused"))
    bad_rows = {e.row for e in outcome.errors}
    fresh = matched.filter(pl.col("known_amount").is_null() & ~pl.col("row").is_in(list(bad_rows)))
    outcome.unchanged = seen.height - conflicting.height
    outcome.created = fresh.height
    return fresh


def _insert_payments(conn: Connection, creditor_id: int, allocated: pl.DataFrame) -> None:
    """Inserts the payments and their allocations to the accounts."""
    insert_frame(
        conn,
        t.payments,
        allocated.select(
            "id",
            pl.lit(creditor_id).alias("creditor_id"),
            pl.col("payment_ref").alias("external_ref"),
            "account_id",
            "case_id",
            "amount",
            "currency",
            "paid_at",
            "method",
            pl.col("paid_at").alias("posted_at"),
            "commission",
            (pl.col("amount") - pl.col("allocated")).alias("held"),
        ),
    )
    insert_frame(
        conn,
        t.payment_allocations,
        allocated.filter(pl.col("allocated") > 0).select(
            pl.col("id").alias("payment_id"),
            "account_id",
            pl.col("allocated").alias("amount"),
            "fees",
            "interest",
            "principal",
            "commission",
        ),
    )


def _lower_balances(conn: Connection, allocated: pl.DataFrame, tz: str) -> None:
    """Lowers each account's balance by what was allocated to it, with its last payment; a balance paid
    off closes the account as paid."""
    per_account = allocated.group_by("account_id").agg(
        pl.col("balance").first(),
        pl.col("allocated").sum(),
        pl.col("paid_at").last().dt.convert_time_zone(tz).dt.date().alias("last_payment_date"),
        pl.col("amount").last().alias("last_payment_amount"),
    )
    update_frame(
        conn,
        t.accounts,
        per_account.select(
            pl.col("account_id").alias("id"),
            (pl.col("balance") - pl.col("allocated")).alias("balance"),
            "last_payment_date",
            "last_payment_amount",
            pl.when(pl.col("balance") == pl.col("allocated"))
            .then(pl.lit("paid"))
            .otherwise(pl.lit("open"))
            .alias("status"),
        ),
    )


def journal_direct_payments(conn: Connection, creditor_id: int, allocated: pl.DataFrame) -> None:
    """One journal entry per payment the creditor reports (money it received itself): portfolio <-
    receivable for what the account took, direct -> held for any amount over its balance, and the
    commission the creditor owes for it: commission_due -> income."""
    if allocated.height == 0:
        return
    entry_ids = allocate_ids(conn, t.ledger_entries, allocated.height).alias("entry_id")
    frame = allocated.with_columns(entry_ids)
    insert_frame(
        conn,
        t.ledger_entries,
        frame.select(
            pl.col("entry_id").alias("id"),
            pl.lit(EntryKind.PAYMENT.value).alias("kind"),
            pl.lit(creditor_id).alias("creditor_id"),
            "currency",
            pl.col("paid_at").alias("at"),
            pl.col("paid_at").alias("posted_at"),
            pl.col("id").alias("payment_id"),
            pl.lit("imported").alias("reason"),
        ),
    )
    paid = frame.filter(pl.col("allocated") > 0).select(
        "entry_id",
        "currency",
        pl.lit(Book.PORTFOLIO.value).alias("debit_book"),
        pl.lit(creditor_id).cast(pl.Int64).alias("debit_ref"),
        pl.lit(Book.RECEIVABLE.value).alias("credit_book"),
        pl.col("account_id").alias("credit_ref"),
        pl.col("allocated").alias("amount"),
    )
    held = frame.filter(pl.col("amount") > pl.col("allocated")).select(
        "entry_id",
        "currency",
        pl.lit(Book.DIRECT.value).alias("debit_book"),
        pl.lit(creditor_id).cast(pl.Int64).alias("debit_ref"),
        pl.lit(Book.HELD.value).alias("credit_book"),
        pl.col("account_id").alias("credit_ref"),
        (pl.col("amount") - pl.col("allocated")).alias("amount"),
    )
    earned = frame.filter(pl.col("commission") > 0).select(
        "entry_id",
        "currency",
        pl.lit(Book.COMMISSION_DUE.value).alias("debit_book"),
        pl.lit(creditor_id).cast(pl.Int64).alias("debit_ref"),
        pl.lit(Book.INCOME.value).alias("credit_book"),
        pl.lit(creditor_id).cast(pl.Int64).alias("credit_ref"),
        pl.col("commission").alias("amount"),
    )
    lines = pl.concat([paid, held, earned])
    insert_frame(conn, t.ledger_lines, lines.with_columns(allocate_ids(conn, t.ledger_lines, lines.height)))


def _split_and_earn(
    conn: Connection, creditor_id: int, fresh: pl.DataFrame, tz: str, terms: CreditorTerms | None
) -> pl.DataFrame:
    """The new payments (sorted by paid_at) with their parts, what their accounts took and earned."""
    pa, p = t.payment_allocations.c, t.payments.c
    before = read_frame(
        conn,
        select(
            pa.account_id,
            func.sum(pa.fees),
            func.sum(pa.interest),
            func.sum(pa.amount),
            func.sum(pa.commission),
        )
        .join(t.payments, p.id == pa.payment_id)
        .where(p.creditor_id == creditor_id, p.status == "posted")
        .group_by(pa.account_id),
        {
            "account_id": pl.Int64,
            "fees_paid": pl.Int64,
            "interest_paid": pl.Int64,
            "amount_paid": pl.Int64,
            "earned": pl.Int64,
        },
    )
    frame = (
        fresh.join(before, on="account_id", how="left")
        .with_columns(pl.col("fees_paid", "interest_paid", "amount_paid", "earned").fill_null(0))
        .with_columns(
            (pl.col("account_fees") - pl.col("fees_paid")).alias("fees_left"),
            (pl.col("account_interest") - pl.col("interest_paid")).alias("interest_left"),
            (pl.col("balance") + pl.col("amount_paid")).alias("placed_balance"),
            pl.col("paid_at").dt.convert_time_zone(tz).dt.date().alias("day"),
        )
        .sort("paid_at", "id")
    )
    if terms is None:
        terms = CreditorTerms(TermsHistory(), Terms(starts_on=date.min))
    return split_and_earn(frame, terms.history.versions, terms.fallback)
