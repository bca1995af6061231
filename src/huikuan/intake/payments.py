"""Payment files: one row per payment received, read into a frame of good rows plus every problem."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from huikuan.intake.amounts import amounts
from huikuan.intake.common import (
    ErrorSink,
    Prepared,
    duplicate_errors,
    ignored_columns,
    prepare,
    rejected_cells,
)
from huikuan.intake.dates import check_zone, datetimes
from huikuan.intake.headers import PAYMENT_FIELDS
from huikuan.intake.phones import check_region
from huikuan.intake.report import DUPLICATE_IN_FILE, RowError, SkippedRow
from huikuan.intake.values import (
    Checked,
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

    given = raw("currency") if "currency" in sources else None
    row_currency, digits = _currencies(sink, given, currency, height)

    amount_text = clean(raw("amount"))
    amount = _amounts(sink, raw("amount"), amount_text, digits)

    paid_text = clean(raw("paid_at"))
    paid = datetimes(paid_text, region, tz)
    sink.add("paid_at", raw("paid_at"), required(paid_text, paid.error))
    method = text(clean(raw("method"))) if "method" in sources else constant(None, height, pl.String)

    # A payment given twice: the same payment again is set aside, a different one is an error.
    pairs = [(external_ref, external_ref), (amount.value, amount_text), (row_currency, row_currency)]
    pairs += [(paid.value, paid_text), (method, method)]
    same = _repeats(sink, raw("payment_ref"), payment_ref, rows, pairs)

    columns = {
        "row": rows,
        "payment_ref": payment_ref,
        "external_ref": external_ref,
        "amount": amount.value,
        "currency": row_currency,
        "paid_at": paid.value,
        "method": method,
    }
    return _parsed(prepared, columns, sink, rows.filter(same))


def _currencies(
    sink: ErrorSink, given: pl.Series | None, currency: str, height: int
) -> tuple[pl.Series, pl.Series | int]:
    """Each row's currency (the creditor's where the file has no column) and the decimals it allows."""
    if given is not None:
        checked_currency = currencies(clean(given), currency)
        sink.add("currency", given, checked_currency.error)
        row_currency = checked_currency.value
        return row_currency, precisions(row_currency.fill_null(currency))
    return constant(currency, height, pl.String), precision(currency)


def _amounts(sink: ErrorSink, given: pl.Series, amount_text: pl.Series, digits: pl.Series | int) -> Checked:
    """The amounts in minor units; a blank or zero amount is an error."""
    amount = amounts(amount_text, digits, blank="required")
    zero = pl.select(
        pl.when(amount.error.is_null() & (amount.value == 0)).then(pl.lit("zero_amount"))
    ).to_series()
    sink.add("amount", given, amount.error.fill_null(zero.cast(pl.String)))
    return amount


def _repeats(
    sink: ErrorSink,
    given: pl.Series,
    payment_ref: pl.Series,
    rows: pl.Series,
    pairs: list[tuple[pl.Series, pl.Series]],
) -> pl.Series:
    """Per row, whether an earlier row has its payment reference and says the same (each of `pairs` is a
    value and the text shown when it is null); one that says something else is a duplicate_payment_ref
    error naming the earlier row."""

    def shown(value: pl.Series, fallback: pl.Series) -> pl.Expr:
        return pl.coalesce(pl.lit(value).cast(pl.String), pl.lit(fallback), pl.lit(""))

    signature = pl.select(
        pl.concat_str(
            [shown(value, fallback) for value, fallback in pairs],
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
        given,
        pl.select(pl.when(different).then(pl.lit("duplicate_payment_ref"))).to_series().cast(pl.String),
        first.cast(pl.String),
    )
    return same


def _parsed(
    prepared: Prepared, columns: dict[str, pl.Series], sink: ErrorSink, repeated_rows: pl.Series
) -> ParsedPayments:
    """The good rows (neither in error nor repeated), the errors and the skipped rows."""
    good = pl.DataFrame(columns).select(pl.col(name).cast(dtype) for name, dtype in PAYMENT_SCHEMA.items())
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
