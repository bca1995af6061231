"""Payment files: one row per payment received, read into a frame of good rows plus every problem."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from huikuan.intake.amounts import amounts
from huikuan.intake.common import ErrorSink, duplicate_errors, ignored_columns, prepare, rejected_cells
from huikuan.intake.dates import check_zone, datetimes
from huikuan.intake.headers import PAYMENT_FIELDS
from huikuan.intake.phones import check_region
from huikuan.intake.report import DUPLICATE_IN_FILE, RowError, SkippedRow
from huikuan.intake.values import (
    check_currency,
    clean,
    constant,
    currencies,
    precision,
    precisions,
    references,
    required,
    text,
)

PAYMENT_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "payment_ref": pl.String(),
    "external_ref": pl.String(),
    "amount": pl.Int64(),
    "currency": pl.String(),
    "paid_at": pl.Datetime("us", "UTC"),
    "method": pl.String(),
}


@dataclass
class ParsedPayments:
    """A payment file as read: where it came from, its good rows, and what was left out and why."""

    encoding: str
    delimiter: str | None
    header_row: int
    columns: dict[str, str]
    ignored_columns: list[str]
    rows_read: int
    rows: pl.DataFrame
    errors: list[RowError] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    rejected_rows: int = 0
    # The rejected rows' cells as written (`row`, then the source headers): for a rejects file.
    rejected: pl.DataFrame = field(default_factory=pl.DataFrame)


def _order(column: str) -> int:
    return PAYMENT_FIELDS.index(column) if column in PAYMENT_FIELDS else len(PAYMENT_FIELDS)


def parse_payments(
    path: Path,
    *,
    region: str,
    currency: str,
    tz: str,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> ParsedPayments:
    """Read a payment file into good rows, errors and skips.

    A date without a time is 00:00 in `tz` (the creditor's zone); every moment comes back in UTC.
    The same payment reference twice: the second is skipped (`duplicate_in_file`) if it says the
    same, else it is a `duplicate_payment_ref` error. Raises PlacementFileError when the file cannot
    be read as a whole.
    """
    check_region(region)
    currency = check_currency(currency)
    tz = check_zone(tz)
    prepared = prepare(Path(path), "payments", ("payment_ref", "external_ref"), mapping, sheet)
    frame = prepared.frame
    sources = prepared.resolution.sources
    height = frame.height
    rows = frame["row"]
    sink = ErrorSink(rows, _order)

    def raw(name: str) -> pl.Series:
        return frame[f"c{sources[name][0]}"]

    payment_ref = prepared.cleaned_keys["payment_ref"]
    external_ref = prepared.cleaned_keys["external_ref"]
    sink.add("payment_ref", raw("payment_ref"), required(payment_ref, references(payment_ref).error))
    sink.add("external_ref", raw("external_ref"), required(external_ref, references(external_ref).error))

    if "currency" in sources:
        checked_currency = currencies(clean(raw("currency")), currency)
        sink.add("currency", raw("currency"), checked_currency.error)
        row_currency = checked_currency.value
        digits: pl.Series | int = precisions(row_currency.fill_null(currency))
    else:
        row_currency = constant(currency, height, pl.String)
        digits = precision(currency)

    amount_text = clean(raw("amount"))
    amount = amounts(amount_text, digits, blank="required")
    zero = pl.select(
        pl.when(amount.error.is_null() & (amount.value == 0)).then(pl.lit("zero_amount"))
    ).to_series()
    sink.add("amount", raw("amount"), amount.error.fill_null(zero.cast(pl.String)))

    paid_text = clean(raw("paid_at"))
    paid = datetimes(paid_text, region, tz)
    sink.add("paid_at", raw("paid_at"), required(paid_text, paid.error))
    method = text(clean(raw("method"))) if "method" in sources else constant(None, height, pl.String)

    # A payment given twice: the same payment again is set aside, a different one is an error.
    def shown(value: pl.Series, fallback: pl.Series) -> pl.Expr:
        return pl.coalesce(pl.lit(value).cast(pl.String), pl.lit(fallback), pl.lit(""))

    signature = pl.select(
        pl.concat_str(
            [
                shown(external_ref, external_ref),
                shown(amount.value, amount_text),
                shown(row_currency, row_currency),
                shown(paid.value, paid_text),
                shown(method, method),
            ],
            separator="\x1f",
        )
    ).to_series()
    later, first = duplicate_errors(payment_ref, rows)
    first_signature = (
        pl.DataFrame({"k": payment_ref, "s": signature}).select(pl.col("s").first().over("k")).to_series()
    )
    same = later & (signature == first_signature)
    different = later & (signature != first_signature)
    sink.add(
        "payment_ref",
        raw("payment_ref"),
        pl.select(pl.when(different).then(pl.lit("duplicate_payment_ref"))).to_series().cast(pl.String),
        first.cast(pl.String),
    )

    good = pl.DataFrame(
        {
            "row": rows,
            "payment_ref": payment_ref,
            "external_ref": external_ref,
            "amount": amount.value,
            "currency": row_currency,
            "paid_at": paid.value,
            "method": method,
        }
    ).select(pl.col(name).cast(dtype) for name, dtype in PAYMENT_SCHEMA.items())
    repeated_rows = rows.filter(same)
    skipped = sorted(
        [*prepared.skipped, *(SkippedRow(int(r), DUPLICATE_IN_FILE) for r in repeated_rows.to_list())],
        key=lambda s: s.row,
    )
    repeated = set(repeated_rows.to_list())
    errors = [e for e in sink.errors() if e.row not in repeated]
    bad_rows = {e.row for e in errors}
    if bad_rows or repeated:
        good = good.filter(~pl.col("row").is_in(sorted(bad_rows | repeated)))
    return ParsedPayments(
        encoding=prepared.table.encoding,
        delimiter=prepared.table.delimiter,
        header_row=prepared.table.header_row,
        columns=dict(prepared.resolution.columns),
        ignored_columns=ignored_columns(prepared),
        rows_read=prepared.table.frame.height,
        rows=good,
        errors=errors,
        skipped=skipped,
        rejected_rows=len(bad_rows),
        rejected=rejected_cells(prepared, sorted(bad_rows)),
    )
