"""Amounts to integers in minor units, vectorised: `12,345.60`, `¥12345.6`, `12345.6元`, `(12.50)`.

Plain numbers (digits with an optional point, or thousands groups of three) are read in a few
passes over the column; only the other cells go through the full reading.
"""

from __future__ import annotations

import polars as pl

from huikuan.intake.values import Checked, constant, nulls, patched

# Currency signs and words and thousands separators, removed before reading the number.
_AMOUNT_NOISE = (
    r"[\s'¥$€£₩₹]|人民币|美元|美金|港币|港元|欧元|英镑|日元|元|圆|RMB|CNY|USD|HKD|EUR|GBP|JPY|US|HK|CN"
)
_AMOUNT = r"^(-)?(\d{0,15})(?:\.(\d*))?$"
# A comma is a thousands separator only between groups of three digits ("1,5" is not 1.5 nor 15).
_GROUPED = r"^[-(]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\)?$"


_PLAIN_AMOUNT = r"^(?:\d{1,15}|\d{1,3}(?:,\d{3}){1,4})(?:\.\d*)?$"
_POWERS = pl.Series("", [10**k for k in range(10)], dtype=pl.Int64)


def amounts(s: pl.Series, digits: pl.Series | int, *, blank: str) -> Checked:
    """Amounts in minor units: `12,345.60`, `¥12345.6`, `12345.6元`, `$1,234.00`, `(12.50)` negative.

    `digits` is the precision of each row's currency. A blank cell is `blank`: "zero", "null" or
    "required". Errors: `invalid_amount`, `too_many_decimals`, `negative_amount`.
    """
    n = len(s)
    p = digits if isinstance(digits, pl.Series) else constant(digits, n, pl.Int32)
    # Plain numbers ("12345.6", "12,345.60") are most cells: read them with a few cheap passes.
    plain = s.str.contains(_PLAIN_AMOUNT)
    t = s.str.replace_all(",", "", literal=True) if s.str.contains(",", literal=True).any() else s
    dot = t.str.find(".", literal=True)
    scale = pl.select((t.str.len_bytes().cast(pl.Int64) - dot.cast(pl.Int64) - 1).fill_null(0)).to_series()
    shift = (p.cast(pl.Int64) if isinstance(digits, pl.Series) else digits) - scale
    fits = plain & (shift >= 0)
    whole = t.str.replace(".", "", literal=True).str.to_integer(base=10, strict=False)
    factor = _POWERS.gather(shift.clip(0, 9).cast(pl.UInt32))
    value = pl.select(pl.when(fits).then(whole * factor)).to_series().cast(pl.Int64)
    if blank == "zero":
        value = (
            value.fill_null(0)
            if not (s.is_not_null() & ~fits).any()
            else pl.select(pl.when(s.is_null()).then(pl.lit(0, pl.Int64)).otherwise(value)).to_series()
        )
    error = (
        pl.select(pl.when(s.is_null()).then(pl.lit("required"))).to_series().cast(pl.String)
        if blank == "required"
        else nulls(n)
    )
    fast = Checked(value, error)
    todo = s.is_not_null() & ~fits
    return patched(fast, todo, lambda sub: _amounts_general(sub, p.filter(todo), blank), s)


def _amounts_general(s: pl.Series, p: pl.Series, blank: str) -> Checked:
    bare = s.str.replace_all(_AMOUNT_NOISE, "").str.replace(r"^\+", "")
    bare = pl.select(
        pl.when(bare.str.contains(",", literal=True) & ~bare.str.contains(_GROUPED))
        .then(pl.lit("?"))
        .otherwise(bare.str.replace_all(",", "", literal=True).str.replace(r"^\((.*)\)$", "-$1"))
    ).to_series()
    parts = bare.str.extract_groups(_AMOUNT)
    df = pl.DataFrame(
        {
            "s": s,
            "p": p,
            "neg": parts.struct.field("1"),
            "int": parts.struct.field("2"),
            "frac": parts.struct.field("3").fill_null("").str.strip_chars_end("0"),
        }
    )
    shape_ok = pl.col("int").is_not_null() & (
        (pl.col("int").str.len_bytes() > 0)
        | (pl.col("frac").str.len_bytes() > 0)
        | bare.str.contains(r"\.0+$")
    )
    frac_ok = pl.col("frac").str.len_bytes() <= pl.col("p")
    minor_text = pl.col("int") + (pl.col("frac") + pl.lit("0000000")).str.slice(0, pl.col("p"))
    magnitude = minor_text.str.to_integer(base=10, strict=False).cast(pl.Int64)
    value = pl.when(pl.col("neg").is_not_null()).then(-magnitude).otherwise(magnitude)
    if blank == "zero":
        value = pl.when(pl.col("s").is_null()).then(pl.lit(0, pl.Int64)).otherwise(value)
    error = (
        pl.when(pl.col("s").is_null())
        .then(pl.lit("required") if blank == "required" else pl.lit(None, pl.String))
        .when(~shape_ok)
        .then(pl.lit("invalid_amount"))
        .when(~frac_ok)
        .then(pl.lit("too_many_decimals"))
        .when(pl.col("neg").is_not_null() & (magnitude != 0))
        .then(pl.lit("negative_amount"))
    )
    out = df.select(
        value=pl.when(shape_ok & frac_ok | pl.col("s").is_null()).then(value).cast(pl.Int64),
        error=error.cast(pl.String),
    )
    return Checked(out["value"], out["error"])
