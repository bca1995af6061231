"""Rows that are not records: blank rows, repeated header rows and totals rows (合计).

Only rows whose key (the account or payment reference) is blank, has no digit, or names a total
are looked at closely, so a million good rows cost one pass over the key column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from huikuan.intake.headers import Kind, header_score, normalise_header
from huikuan.intake.report import BLANK, REPEATED_HEADER, TOTALS
from huikuan.intake.values import constant

_TOTALS = r"(?i)合\s*计|总\s*计|小\s*计|\btotals?\b|\bsub-?total\b|\bgrand\s*total\b"


def find_skips(
    frame: pl.DataFrame,
    names: Sequence[str],
    raw_headers: Sequence[str | None],
    keys: Sequence[pl.Series],
    kind: Kind,
    mapping: Mapping[str, str] | None,
) -> pl.Series:
    """Per row of `frame`, `blank`, `repeated_header`, `totals` or null (a record).

    `names` are the raw text columns of `frame`; `keys` the cleaned key columns (null when blank).
    """
    key_blank = pl.all_horizontal([k.is_null() for k in keys]) if keys else pl.lit(True)
    key_has_total = pl.any_horizontal([k.str.contains(_TOTALS).fill_null(False) for k in keys])
    key_has_digit = pl.any_horizontal([k.str.contains(r"\d").fill_null(False) for k in keys])
    suspects = pl.select((key_blank | key_has_total | ~key_has_digit).alias("suspect")).to_series()
    reasons = constant(None, frame.height, pl.String).alias("skip")
    if not suspects.any():
        return reasons
    positions = suspects.arg_true()
    sub = frame.select(names).gather(positions)
    sub_keys = [k.gather(positions) for k in keys]

    blank = sub.select(
        pl.all_horizontal([pl.col(c).is_null() | pl.col(c).str.contains(r"^\s*$") for c in names])
    ).to_series()
    repeated = _repeated_headers(sub, sub_keys, raw_headers, kind, mapping)
    any_total = sub.select(
        pl.any_horizontal([pl.col(c).str.contains(_TOTALS).fill_null(False) for c in names])
    ).to_series()
    sub_key_blank = pl.select(
        pl.all_horizontal([k.is_null() for k in sub_keys]) if sub_keys else pl.lit(True)
    )
    sub_key_total = pl.select(pl.any_horizontal([k.str.contains(_TOTALS).fill_null(False) for k in sub_keys]))
    totals = (sub_key_blank.to_series() & any_total) | sub_key_total.to_series()
    sub_reasons = pl.select(
        pl.when(blank)
        .then(pl.lit(BLANK))
        .when(repeated)
        .then(pl.lit(REPEATED_HEADER))
        .when(totals)
        .then(pl.lit(TOTALS))
        .otherwise(pl.lit(None, pl.String))
    ).to_series()
    return reasons.scatter(positions, sub_reasons)


def _repeated_headers(
    sub: pl.DataFrame,
    sub_keys: Sequence[pl.Series],
    raw_headers: Sequence[str | None],
    kind: Kind,
    mapping: Mapping[str, str] | None,
) -> pl.Series:
    """Per suspect row, whether it repeats the header: its key names something (no digit) and two of its
    cells are the header's own or read as a header of this kind of file."""
    header_keys = [normalise_header(h or "") for h in raw_headers]
    repeated = pl.Series([False] * sub.height)
    key_names_something = pl.select(
        pl.any_horizontal([k.is_not_null() & ~k.str.contains(r"\d") for k in sub_keys])
        if sub_keys
        else pl.lit(False)
    ).to_series()
    if key_names_something.any():
        flags = repeated.to_list()
        rows = sub.rows()
        for i in key_names_something.arg_true().to_list():
            cells = rows[i]
            same = sum(
                1
                for cell, head in zip(cells, header_keys, strict=False)
                if cell and normalise_header(cell) == head
            )
            flags[i] = same >= 2 or header_score(list(cells), kind, mapping) >= 2
        repeated = pl.Series(flags)
    return repeated
