"""Times a month-end statement for a creditor with 1,000,000 payments, on SQLite and on PostgreSQL.

    python bench/statements_bench.py [--payments 1000000] [--accounts 100000] [--db sqlite|postgresql|both]
                                     [--pg-url URL] [--keep]

For each database: a fresh one (bench/import_bench.py's), `huikuan init`, `huikuan creditor add BENCH`
(region CN), a placement of `--accounts` accounts through `huikuan import accounts` (the journal opened
as in production), terms of 10% commission into the trust account with net remittance, then the
payments written in bulk straight into payments, payment_allocations, ledger_entries and ledger_lines
the way services/payments.post_payment writes them (80% into the trust account, 10% into the creditor's
own account, 10% direct; spread over November 2026; the accounts' balances lowered in step, so that
`huikuan ledger check` holds). Then, in a child process timed with its peak resident memory (wait4),
`huikuan statements run --creditor BENCH --month 2026-11 --out DIR --json` (issuing: coverage, totals,
remittance entry, PDF, CSV, XLSX, invoice, the files kept in the document store), and the same again
(the frozen statement's files written again).
Targets: <= 60 s and <= 2 GB peak.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from import_bench import (  # bench/ is on the path when this script runs
    DEFAULT_PG,
    HUIKUAN,
    OUT,
    drop_database,
    fresh_database,
    placement_file,
    run_child,
)
from sqlalchemy import create_engine, select

from huikuan.domain.ledger import Book, EntryKind
from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, insert_frame, read_frame, update_frame

TARGET_S = 60
MEMORY_LIMIT_MB = 2048
NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)  # a little after midnight in Beijing is still November
RATE_BP = 1000


def write_payments(url: str, payments: int) -> float:
    """Writes `payments` payments of the BENCH creditor in bulk; the seconds it took."""
    started = time.perf_counter()
    engine = create_engine(url)
    with engine.begin() as conn:
        creditor_id = conn.execute(select(t.creditors.c.id).where(t.creditors.c.code == "BENCH")).scalar_one()
        a = t.accounts.c
        accounts = read_frame(
            conn,
            select(a.id, a.case_id, a.balance, a.currency).where(
                a.creditor_id == creditor_id, a.balance >= 20
            ),
            {"account_id": pl.Int64, "case_id": pl.Int64, "balance": pl.Int64, "currency": pl.Utf8},
        )
        per_account = -(-payments // accounts.height)
        frame = (
            accounts.with_columns(pl.lit(list(range(per_account))).alias("k"))
            .explode("k")
            .head(payments)
            .with_row_index("n")
            .with_columns(
                # Each of an account's payments takes 1/(2 × per_account) of its balance: never overpaid.
                (pl.col("balance") // (2 * per_account)).clip(1).alias("amount"),
                (pl.lit(NOVEMBER) + pl.duration(seconds=(pl.col("n") * 2_500_000 // payments))).alias(
                    "paid_at"
                ),
                pl.when(pl.col("n") % 10 == 8)
                .then(pl.lit("creditor"))
                .when(pl.col("n") % 10 == 9)
                .then(pl.lit("direct"))
                .otherwise(pl.lit("trust"))
                .alias("kind"),
            )
        )
        frame = frame.with_columns(
            ((pl.col("amount") * RATE_BP + 5000) // 10000).alias("commission"),
            pl.when(pl.col("kind") == "direct")
            .then(pl.lit("direct"))
            .otherwise(pl.lit("agency"))
            .alias("source"),
            pl.when(pl.col("kind") == "trust")
            .then(pl.lit("trust"))
            .otherwise(pl.lit("creditor"))
            .alias("route"),
            ("B-" + pl.col("n").cast(pl.Utf8)).alias("external_ref"),
        )
        frame = frame.with_columns(allocate_ids(conn, t.payments, frame.height).alias("id"))
        insert_frame(
            conn,
            t.payments,
            frame.select(
                "id",
                pl.lit(creditor_id).alias("creditor_id"),
                "external_ref",
                "account_id",
                "case_id",
                "amount",
                "currency",
                "paid_at",
                pl.lit("bank_transfer").alias("method"),
                "source",
                "route",
                pl.lit("posted").alias("status"),
                "commission",
                pl.col("paid_at").alias("posted_at"),
            ),
        )
        insert_frame(
            conn,
            t.payment_allocations,
            frame.select(
                pl.col("id").alias("payment_id"),
                "account_id",
                "amount",
                pl.col("amount").alias("principal"),
                "commission",
            ),
        )
        frame = frame.with_columns(allocate_ids(conn, t.ledger_entries, frame.height).alias("entry_id"))
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
                ("bank_transfer " + pl.col("external_ref")).alias("reason"),
            ),
        )

        def lines(
            rows: pl.DataFrame,
            debit: Book,
            debit_ref: pl.Expr,
            credit: Book,
            credit_ref: pl.Expr,
            amount: str,
        ) -> pl.DataFrame:
            return rows.select(
                "entry_id",
                "currency",
                pl.lit(debit.value).alias("debit_book"),
                debit_ref.cast(pl.Int64).alias("debit_ref"),
                pl.lit(credit.value).alias("credit_book"),
                credit_ref.cast(pl.Int64).alias("credit_ref"),
                pl.col(amount).alias("amount"),
            )

        me = pl.lit(creditor_id)
        trust = frame.filter(pl.col("kind") == "trust")
        others = frame.filter(pl.col("kind") != "trust")
        all_lines = pl.concat(
            [
                lines(frame, Book.PORTFOLIO, me, Book.RECEIVABLE, pl.col("account_id"), "amount"),
                lines(trust, Book.TRUST, me, Book.PAYABLE, me, "amount"),
                lines(trust, Book.PAYABLE, me, Book.INCOME, me, "commission"),
                lines(others, Book.COMMISSION_DUE, me, Book.INCOME, me, "commission"),
            ]
        ).sort("entry_id")
        insert_frame(
            conn, t.ledger_lines, all_lines.with_columns(allocate_ids(conn, t.ledger_lines, all_lines.height))
        )
        paid = frame.group_by("account_id").agg(
            pl.col("balance").first(), pl.col("amount").sum().alias("paid")
        )
        update_frame(
            conn,
            t.accounts,
            paid.select(
                pl.col("account_id").alias("id"), (pl.col("balance") - pl.col("paid")).alias("balance")
            ),
        )
    engine.dispose()
    return time.perf_counter() - started


def bench(kind: str, payments: int, accounts: int, pg_url: str, keep: bool) -> list[dict[str, object]]:
    url = fresh_database(kind, payments, pg_url)
    docs = OUT / f"statement-documents-{kind}"
    env = {**os.environ, "HUIKUAN_DATABASE_URL": url, "HUIKUAN_DOCUMENTS_DIR": str(docs), "LANG": "C.UTF-8"}
    results: list[dict[str, object]] = []
    try:
        run_child([str(HUIKUAN), "init"], env)
        run_child([str(HUIKUAN), "creditor", "add", "BENCH", "--name", "基准测试银行信用卡中心"], env)
        run_child(
            [
                str(HUIKUAN),
                "import",
                "accounts",
                str(placement_file(accounts, 1, "gbk")),
                "--creditor",
                "BENCH",
                "--json",
            ],
            env,
        )
        terms = OUT / "statement-terms.json"
        terms.write_text(
            json.dumps(
                {
                    "starts_on": "2026-01-01",
                    "route": "trust",
                    "remittance": "net",
                    "tiers": [{"rate_bp": RATE_BP}],
                }
            )
        )
        run_child([str(HUIKUAN), "terms", "set", "BENCH", "--file", str(terms)], env)
        took = write_payments(url, payments)
        print(f"{kind:10} wrote {payments:,} payments in bulk in {took:.1f} s", flush=True)
        out = OUT / f"statements-{kind}"
        command = [
            str(HUIKUAN),
            "statements",
            "run",
            "--creditor",
            "BENCH",
            "--month",
            "2026-11",
            "--out",
            str(out),
            "--json",
            "--now",
            "2026-12-02T00:00:00Z",
        ]
        for label in ("issue", "files again (frozen)"):
            seconds, peak, cpu, stdout = run_child(command, env)
            report = json.loads(stdout.strip().splitlines()[-1])
            sizes = {
                k: round(Path(v).stat().st_size / 1e6, 1)
                for k, v in report["files"].items()
                if isinstance(v, str)
            }
            row = {
                "database": kind,
                "run": label,
                "payments": payments,
                "seconds": round(seconds, 1),
                "peak_mb": round(peak),
                "cpu_s": round(cpu, 1),
                "rows": report["files"]["rows"],
                "sheets": report["files"]["sheets"],
                "collected": report["collected"],
                "remittance": report["remittance"],
                "file_mb": sizes,
            }
            flags = [
                f
                for f, bad in (("over 60 s", seconds > TARGET_S), ("over 2 GB", peak > MEMORY_LIMIT_MB))
                if bad
            ]
            print(
                json.dumps(row, ensure_ascii=False) + (f"  <-- {'; '.join(flags)}" if flags else ""),
                flush=True,
            )
            results.append(row)
        _, _, _, check = run_child([str(HUIKUAN), "ledger", "check", "--json"], env)
        print(f"{kind:10} ledger check: {check.strip().splitlines()[-1][:200]}", flush=True)
    finally:
        if not keep:
            drop_database(kind, url)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = [r for kind in kinds for r in bench(kind, args.payments, args.accounts, args.pg_url, args.keep)]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (OUT / f"statements-bench-{stamp}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
