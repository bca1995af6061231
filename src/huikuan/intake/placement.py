"""Placement files: one row per debt, read into a frame of good rows plus every problem found."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import polars as pl

from huikuan.domain.enums import Product
from huikuan.intake.amounts import amounts
from huikuan.intake.common import (
    ErrorEntry,
    ErrorSink,
    Part,
    duplicate_errors,
    ignored_columns,
    in_parallel,
    prepare,
    rejected_cells,
)
from huikuan.intake.dates import dates, days_past_due
from huikuan.intake.headers import CONTACT_PARTS, PLACEMENT_FIELDS
from huikuan.intake.national_ids import national_ids
from huikuan.intake.phones import check_region, phones
from huikuan.intake.report import RowError, SkippedRow
from huikuan.intake.values import (
    Checked,
    annual_rates,
    check_currency,
    clean,
    constant,
    currencies,
    emails,
    flags,
    precision,
    precisions,
    products,
    references,
    required,
    text,
)

CONTACT_STRUCT = pl.Struct(
    {"name": pl.String, "phone": pl.String, "relation": pl.String, "phone_kind": pl.String}
)

# What the frame keeps of a contact: its columns in the file, and the kind of its phone.
CONTACT_ITEMS = (*CONTACT_PARTS, "phone_kind")

# The good-rows frame: its columns, in order, with their types.
PLACEMENT_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "external_ref": pl.String(),
    "product": pl.String(),
    "debtor_name": pl.String(),
    "national_id": pl.String(),
    "phones": pl.List(pl.String),
    "phone_kinds": pl.List(pl.String),
    "email": pl.String(),
    "address": pl.String(),
    "employer": pl.String(),
    "employer_address": pl.String(),
    "principal": pl.Int64(),
    "interest": pl.Int64(),
    "fees": pl.Int64(),
    "balance": pl.Int64(),
    "currency": pl.String(),
    "overdue_since": pl.Date(),
    "last_payment_date": pl.Date(),
    "last_payment_amount": pl.Int64(),
    "charge_off_date": pl.Date(),
    "interest_rate_bp": pl.Int64(),  # the annual rate in hundredths of a percent
    "contract_date": pl.Date(),
    "original_creditor": pl.String(),  # who first lent, where the debt was sold or assigned
    "guarantor_name": pl.String(),
    "guarantor_phone": pl.String(),
    "guarantor_phone_kind": pl.String(),  # mobile or landline, as for the debtor's phones
    "guarantor_national_id": pl.String(),
    "co_borrower_name": pl.String(),
    "co_borrower_phone": pl.String(),
    "co_borrower_phone_kind": pl.String(),
    "contacts": pl.List(CONTACT_STRUCT),
}
# Scrub flags (yes/no), set at once as holds on import (storage/holds.py): columns of the good-rows
# frame only when the file has them.
SCRUB_FLAGS = ("bankrupt", "deceased", "attorney", "cease", "dispute")

_TEXT_FIELDS = (
    "debtor_name",
    "address",
    "employer",
    "employer_address",
    "guarantor_name",
    "co_borrower_name",
    "original_creditor",
)
_AMOUNT_FIELDS = (
    ("principal", "zero"),
    ("interest", "zero"),
    ("fees", "zero"),
    ("balance", "required"),
    ("last_payment_amount", "zero"),
)
_CONTACT = re.compile(r"^contact(\d*)_(name|phone|relation)$")


@dataclass
class ParsedPlacement:
    """A placement file as read: where it came from, its good rows, and what was left out and why."""

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


def _contacts(height: int, contacts: list[dict[str, pl.Series]]) -> pl.Series:
    """One list of {name, phone, relation, phone_kind} per row, in contact order, leaving out empty
    contacts.

    Built long and grouped: concatenating lists of structs row-wise is far slower in Polars.
    """
    index = pl.int_range(height, dtype=pl.UInt32, eager=True)
    present = pl.any_horizontal(pl.col(*CONTACT_PARTS).is_not_null())
    long = pl.concat([pl.DataFrame({"i": index, **parts}).filter(present) for parts in contacts])
    grouped = long.group_by("i", maintain_order=True).agg(pl.struct(*CONTACT_ITEMS).alias("contacts"))
    joined = pl.DataFrame({"i": index}).join(grouped, on="i", how="left", maintain_order="left")
    empty = pl.lit([], dtype=pl.List(CONTACT_STRUCT))
    return joined.select(
        pl.when(pl.col("contacts").is_null()).then(empty).otherwise(pl.col("contacts")).alias("contacts")
    ).to_series()


def field_order(column: str) -> int:
    """Errors of one row are listed in the order of the canonical fields."""
    numbered = _CONTACT.match(column)
    if numbered:
        n = int(numbered.group(1) or 1)
        return len(PLACEMENT_FIELDS) + n * len(CONTACT_PARTS) + CONTACT_PARTS.index(numbered.group(2))
    return PLACEMENT_FIELDS.index(column) if column in PLACEMENT_FIELDS else 10_000


def parse_placement(
    path: Path,
    *,
    region: str,
    currency: str,
    as_of: date,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> ParsedPlacement:
    """Read a placement file (CSV in UTF-8/GBK, xlsx or Parquet) into good rows, errors and skips.

    `region` is the creditor's country (default region of phone numbers), `currency` its default
    ISO 4217 currency, `as_of` the file's date (turns days past due into `overdue_since`).
    Raises PlacementFileError when the file cannot be read as a whole.
    """
    # Long because it is one linear parse: the column jobs are closures over the same file's sources and
    # cleaned columns, run in parallel and gathered into one frame; split, each would take them all.
    region = check_region(region)
    currency = check_currency(currency)
    prepared = prepare(Path(path), "placement", ("external_ref",), mapping, sheet)
    frame = prepared.frame
    sources = prepared.resolution.sources
    height = frame.height
    rows = frame["row"]

    def raw(position: int) -> pl.Series:
        return frame[f"c{position}"]

    positions = sorted({p for f, ps in sources.items() if f != "external_ref" for p in ps})
    cleaned_list = in_parallel([partial(clean, raw(p)) for p in positions])
    cleaned = dict(zip(positions, cleaned_list, strict=True))
    cleaned[sources["external_ref"][0]] = prepared.cleaned_keys["external_ref"]

    def nulls(dtype: pl.DataType) -> pl.Series:
        return constant(None, height, dtype)

    def checked(name: str, check: Checked) -> Part:
        return Part({name: check.value}, [(name, raw(sources[name][0]), check.error, check.detail)])

    def column_job(name: str, normalise: Callable[[pl.Series], Checked]) -> Part:
        return checked(name, normalise(cleaned[sources[name][0]]))

    def ref_job() -> Part:
        position = sources["external_ref"][0]
        ref = cleaned[position]
        later, first = duplicate_errors(ref, rows)
        duplicate = pl.select(pl.when(later).then(pl.lit("duplicate_ref"))).to_series().cast(pl.String)
        return Part(
            {"external_ref": ref},
            [
                ("external_ref", raw(position), required(ref, references(ref).error), None),
                ("external_ref", raw(position), duplicate, first.cast(pl.String)),
            ],
        )

    def text_job(name: str) -> Part:
        value = text(cleaned[sources[name][0]])
        if name == "original_creditor":
            value = value.str.slice(0, 200)  # a name, kept as the column holds it
        if name == "debtor_name":
            blank: ErrorEntry = (name, raw(sources[name][0]), required(value, nulls(pl.String())), None)
            return Part({name: value}, [blank])
        return Part({name: value})

    def phones_job() -> Part:
        found = phones([cleaned[p] for p in sources["phones"]], region)
        errors: list[ErrorEntry] = [
            ("phones", raw(p), error, detail)
            for p, error, detail in zip(sources["phones"], found.errors, found.details, strict=True)
        ]
        return Part({"phones": found.numbers, "phone_kinds": found.kinds}, errors)

    def one_phone(name: str) -> Part:
        position = sources[name][0]
        found = phones([cleaned[position]], region, first_only=True)
        values = {name: found.numbers, f"{name}_kind": found.kinds}
        return Part(values, [(name, raw(position), found.errors[0], found.details[0])])

    def amount_job(name: str, blank: str, digits: pl.Series | int) -> Part:
        total: pl.Series | None = None
        errors: list[ErrorEntry] = []
        for position in sources[name]:
            check = amounts(cleaned[position], digits, blank=blank)
            errors.append((name, raw(position), check.error, None))
            total = check.value if total is None else total + check.value
        assert total is not None
        return Part({name: total}, errors)

    def contact_job(n: int) -> Part:
        values: dict[str, pl.Series] = {}
        errors: list[ErrorEntry] = []
        for part in CONTACT_PARTS:
            name = f"contact_{part}" if n == 1 else f"contact{n}_{part}"
            if name not in sources:
                values[part] = nulls(pl.String())
            elif part == "phone":
                found = one_phone(name)
                values[part] = found.values[name]
                values["phone_kind"] = found.values[f"{name}_kind"]
                errors += found.errors
            else:
                values[part] = text(cleaned[sources[name][0]])
        values.setdefault("phone_kind", nulls(pl.String()))
        return Part({f"contact{n}_{part}": values[part] for part in CONTACT_ITEMS}, errors)

    # The currency decides how many decimals each amount may have, so it goes first.
    if "currency" in sources:
        currency_part = checked("currency", currencies(cleaned[sources["currency"][0]], currency))
        row_currency = currency_part.values["currency"]
        digits: pl.Series | int = precisions(row_currency.fill_null(currency))
    else:
        currency_part = Part({"currency": constant(currency, height, pl.String)})
        digits = precision(currency)

    present = [name for name in PLACEMENT_FIELDS if name in sources]
    jobs: list[Callable[[], Part]] = [ref_job]
    jobs += [partial(text_job, n) for n in _TEXT_FIELDS if n in sources]
    jobs += [partial(one_phone, n) for n in ("guarantor_phone", "co_borrower_phone") if n in sources]
    jobs += [partial(amount_job, n, blank, digits) for n, blank in _AMOUNT_FIELDS if n in sources]
    if "phones" in sources:
        jobs.append(phones_job)
    by_column: dict[str, Callable[[pl.Series], Checked]] = {
        "product": products,
        "national_id": national_ids,
        "guarantor_national_id": national_ids,
        "email": emails,
        "overdue_since": partial(dates, region=region),
        "last_payment_date": partial(dates, region=region),
        "charge_off_date": partial(dates, region=region),
        "contract_date": partial(dates, region=region),
        "annual_rate": annual_rates,
        "dpd": partial(days_past_due, as_of=as_of),
        **dict.fromkeys(SCRUB_FLAGS, flags),
    }
    jobs += [partial(column_job, n, by_column[n]) for n in present if n in by_column]
    contact_numbers = sorted({int(m.group(1) or 1) for f in sources if (m := _CONTACT.match(f))})
    jobs += [partial(contact_job, n) for n in contact_numbers]

    sink = ErrorSink(rows, field_order)
    out: dict[str, pl.Series] = {"row": rows}
    for part in [currency_part, *in_parallel(jobs)]:
        out.update(part.values)
        for column, raw_values, error, detail in part.errors:
            sink.add(column, raw_values, error, detail)

    if "product" not in out:
        out["product"] = constant(Product.OTHER.value, height, pl.String)
    if "dpd" in out:
        out["overdue_since"] = (
            out["overdue_since"].fill_null(out.pop("dpd")) if "overdue_since" in out else out.pop("dpd")
        )
    if "annual_rate" in out:
        out["interest_rate_bp"] = out.pop("annual_rate")
    if "phones" not in out:
        out["phones"] = out["phone_kinds"] = nulls(pl.List(pl.String))
    if contact_numbers:
        out["contacts"] = _contacts(
            height, [{part: out.pop(f"contact{n}_{part}") for part in CONTACT_ITEMS} for n in contact_numbers]
        )
    for name, dtype in PLACEMENT_SCHEMA.items():
        if name not in out:
            out[name] = nulls(dtype)

    schema = {**PLACEMENT_SCHEMA, **{f: pl.Boolean() for f in SCRUB_FLAGS if f in out}}
    good = pl.DataFrame({name: out[name].alias(name) for name in schema})
    good = good.select(pl.col(name).cast(dtype) for name, dtype in schema.items())
    bad_rows = sink.bad_rows()
    if bad_rows.len():
        good = good.filter(~pl.col("row").is_in(bad_rows.implode()))
    return ParsedPlacement(
        encoding=prepared.table.encoding,
        delimiter=prepared.table.delimiter,
        header_row=prepared.table.header_row,
        columns=dict(prepared.resolution.columns),
        ignored_columns=ignored_columns(prepared),
        rows_read=prepared.table.frame.height,
        rows=good,
        errors=sink.errors(),
        skipped=prepared.skipped,
        rejected_rows=bad_rows.len(),
        rejected=rejected_cells(prepared, bad_rows.sort()),
    )
