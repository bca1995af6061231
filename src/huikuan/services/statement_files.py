"""A statement's files: its PDF, its detail as CSV and XLSX, the commission invoice; and their copies in
the document store (kind "statement").

The detail has one row per payment and per reversal the statement covers (a reversal's amounts
negative), read from the database a chunk at a time and written to the CSV and the XLSX in the same
pass, so that a million rows keep memory flat: the XLSX is streamed by huikuan.xlsx_stream (the
usual writer library took minutes for a million rows) and goes on to a new sheet past `SHEET_ROWS`
data rows (Excel's 1,048,576 rows, less the header). Text cells go through huikuan.spreadsheet (no
formula ever runs). Amounts are exact decimals in major units of the row's currency: text in the
CSV, numbers in the XLSX.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from huikuan.domain.money import exponent
from huikuan.i18n import gettext
from huikuan.services.creditor_files import NewDocument, write_document
from huikuan.services.statement_pdf import render_invoice, render_statement
from huikuan.spreadsheet import csv_rows, safe_text
from huikuan.storage import statements as store
from huikuan.storage import tables as t
from huikuan.storage.document_store import store_for, store_named
from huikuan.storage.uow import UnitOfWork
from huikuan.xlsx_stream import EXCEL_DATA_ROWS, XlsxStream

SHEET_ROWS = EXCEL_DATA_ROWS  # data rows per sheet: Excel's limit less the header row
COLUMNS = (
    ("date", "Date"),
    ("kind", "Kind"),
    ("reference", "Payment reference"),
    ("account_ref", "Account"),
    ("debtor", "Debtor"),
    ("currency", "Currency"),
    ("amount", "Amount"),
    ("fees", "Fees"),
    ("interest", "Interest"),
    ("principal", "Principal"),
    ("commission", "Commission"),
    ("source", "Source"),
    ("route", "Route"),
)
MONEY = ("amount", "fees", "interest", "principal", "commission")
TYPES = {
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class StatementFiles:
    pdf: Path
    csv: Path
    xlsx: Path
    invoice: Path | None
    rows: int
    sheets: int

    def paths(self) -> list[Path]:
        return [p for p in (self.pdf, self.csv, self.xlsx, self.invoice) if p is not None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "pdf": str(self.pdf),
            "csv": str(self.csv),
            "xlsx": str(self.xlsx),
            "invoice": None if self.invoice is None else str(self.invoice),
            "rows": self.rows,
            "sheets": self.sheets,
        }


def write_files(
    conn: Connection, statement: dict[str, Any], out_dir: Path, locale: str, *, split_rows: int | None = None
) -> StatementFiles:
    """Writes the statement's files into `out_dir` (made if missing); `statement` is its row with the
    creditor's code, name and zone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{statement['creditor_code']}-{statement['period']}"
    csv_path, xlsx_path = out_dir / f"statement-{stem}-detail.csv", out_dir / f"statement-{stem}-detail.xlsx"
    rows, sheets = write_detail(
        conn, statement["id"], statement["time_zone"], csv_path, xlsx_path, locale, split_rows or SHEET_ROWS
    )
    pdf_path = out_dir / f"statement-{stem}.pdf"
    pdf_path.write_bytes(render_statement(statement, locale))
    invoice_path = None
    if any(got.get("invoice", 0) > 0 for got in statement["totals"].values()):
        invoice_path = out_dir / f"invoice-{stem}.pdf"
        invoice_path.write_bytes(render_invoice(statement, locale))
    return StatementFiles(pdf_path, csv_path, xlsx_path, invoice_path, rows, sheets)


def detail_frame(chunk: pl.DataFrame, tz: str) -> pl.DataFrame:
    """A chunk of the detail as the files show it: local dates, signed amounts, masked debtors, text
    made safe. Money columns stay in minor units here."""
    sign = pl.when(pl.col("kind") == "reversal").then(-1).otherwise(1)
    return chunk.select(
        pl.col("at").dt.convert_time_zone(tz).dt.strftime("%Y-%m-%d").alias("date"),
        "kind",
        "reference",
        "account_ref",
        (pl.col("debtor_name").str.slice(0, 1) + pl.lit("**")).alias("debtor"),
        "currency",
        *((pl.col(name) * sign).alias(name) for name in MONEY),
        pl.when(pl.col("source") == "direct")
        .then(pl.lit("direct"))
        .otherwise(pl.lit("agency"))
        .alias("source"),
        "route",
    ).with_columns(safe_text("reference"), safe_text("account_ref"), safe_text("debtor"))


def _digits(frame: pl.DataFrame) -> pl.Expr:
    """Each row's currency's minor-unit exponent."""
    known = {c: exponent(c) for c in frame["currency"].unique().to_list()}
    return pl.col("currency").replace_strict(known, return_dtype=pl.Int64)


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Minor units as exact decimal text of each row's currency (CSV)."""
    digits = _digits(frame)
    scale = pl.lit(10).pow(digits)

    def text(name: str) -> pl.Expr:
        whole = (pl.col(name).abs() // scale).cast(pl.Utf8)
        part = (pl.col(name).abs() % scale).cast(pl.Utf8).str.zfill(digits)
        sign = pl.when(pl.col(name) < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        body = pl.when(digits > 0).then(whole + pl.lit(".") + part).otherwise(whole)
        return (sign + body).alias(name)

    return frame.with_columns(text(name) for name in MONEY)


def write_detail(
    conn: Connection,
    statement_id: int,
    tz: str,
    csv_path: Path,
    xlsx_path: Path,
    locale: str,
    split_rows: int,
) -> tuple[int, int]:
    """Streams the detail into the CSV and the XLSX; (rows, sheets)."""
    headers = [gettext(label, locale) for _, label in COLUMNS]
    money = frozenset(i for i, (name, _) in enumerate(COLUMNS) if name in MONEY)
    sheet = gettext("Detail", locale)
    with (
        XlsxStream(xlsx_path, sheet, headers, numbers=money, split_rows=split_rows) as book,
        csv_path.open("wb") as fh,
    ):
        fh.write(("\ufeff" + ",".join(headers) + "\r\n").encode())
        for chunk in store.detail_chunks(conn, statement_id):
            frame = _as_text(detail_frame(chunk, tz))
            csv_rows(frame, fh)
            book.append(frame)
    return book.rows, book.sheets


def keep_files(
    uow: UnitOfWork, user_id: int | None, statement_id: int, files: StatementFiles, at: datetime
) -> dict[str, int]:
    """Keeps the files in the document store under the statement, replacing the copies of an earlier
    run of the same names, and commits; the document id of each file name. The replaced copies' bytes
    are deleted only once their rows are gone for good."""
    d = t.documents.c
    kept: dict[str, int] = {}
    stale: list[tuple[str, str]] = []
    uow.begin_write()
    chosen = store_for()
    for path in files.paths():
        old = uow.session.execute(
            select(d.id, d.store, d.stored_key).where(
                d.entity == "statement", d.entity_id == statement_id, d.filename == path.name
            )
        ).all()
        for row in old:
            uow.session.execute(delete(t.documents).where(d.id == row.id))
            stale.append((row.store, row.stored_key))
        new = NewDocument(
            kind="statement",
            filename=path.name,
            content_type=TYPES[path.suffix],
            data=path.read_bytes(),
            entity="statement",
            entity_id=statement_id,
            at=at,
            by=user_id,
        )
        kept[path.name] = write_document(uow, chosen, new)
    uow.commit()
    for store_name, key in stale:
        store_named(store_name).delete(key)
    return kept
