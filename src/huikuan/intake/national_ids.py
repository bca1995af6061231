"""National ID numbers, vectorised: the PRC resident ID's ISO 7064 MOD 11-2 check, 15-digit legacy IDs,
and other kinds of ID (passports, Hong Kong IDs) taken as written."""

from __future__ import annotations

from functools import cache

import polars as pl

from huikuan.intake.values import Checked, nulls, patched

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@cache
def _checksum_tables() -> tuple[pl.Series, pl.Series, pl.Series]:
    """Weighted digit sums mod 11 of every 5- or 6-digit chunk at the three chunk positions of an ID.

    The 17-digit body is split as 5 + 6 + 6 digits; a lookup per chunk replaces 17 digit passes.
    """
    values = pl.Series("", range(1_000_000), dtype=pl.Int64)

    def table(weights: tuple[int, ...]) -> pl.Series:
        width = len(weights)
        total = pl.select(
            pl.sum_horizontal(
                [(pl.lit(values) // 10 ** (width - 1 - i) % 10) * w for i, w in enumerate(weights)]
            )
        ).to_series()
        return (total % 11).cast(pl.Int64)

    return table(_ID_WEIGHTS[:5]), table(_ID_WEIGHTS[5:11]), table(_ID_WEIGHTS[11:])


def _check_characters(body: pl.Series) -> pl.Series:
    """The MOD 11-2 check character of each 17-digit body (null where it is not 17 digits)."""
    number = body.str.to_integer(base=10, strict=False)
    high, middle, low = _checksum_tables()
    head = (number // 10**12).fill_null(0).clip(0, 99_999).cast(pl.UInt32)
    mid = (number // 10**6 % 10**6).fill_null(0).cast(pl.UInt32)
    tail = (number % 10**6).fill_null(0).cast(pl.UInt32)
    total = (high.gather(head) + middle.gather(mid) + low.gather(tail)) % 11
    return pl.Series("", list(_ID_CHECK), dtype=pl.String).gather(total.cast(pl.UInt32))


def national_ids(s: pl.Series) -> Checked:
    """PRC resident IDs (18 characters with an ISO 7064 MOD 11-2 check character, or 15 digits),
    upper-cased; an alphanumeric value with letters (other than a final X) is another kind of ID.
    Errors: `invalid_national_id`, with the detail `bad checksum`, `wrong length` or
    `unexpected characters`.
    """
    if s.str.contains(r"[\sa-z\x{3000}]").any():
        s = s.str.replace_all(r"[\s\x{3000}]", "").str.to_uppercase()
    is18 = s.str.contains(r"^\d{17}[\dX]$")
    ok18 = is18 & (_check_characters(s.str.slice(0, 17)) == s.str.slice(17, 1))
    empty = nulls(len(s))
    fast = Checked(s, empty, empty)
    return patched(fast, s.is_not_null() & ~ok18.fill_null(False), _national_ids_general, s)


def _national_ids_general(u: pl.Series) -> Checked:
    df = pl.DataFrame({"u": u})
    col = pl.col("u")
    is18 = col.str.contains(r"^\d{17}[\dX]$")
    is15 = col.str.contains(r"^\d{15}$")
    prc_shape = col.str.contains(r"^\d+X?$")
    other = ~prc_shape & col.str.contains(r"^[A-Z0-9()\-/]+$") & col.str.contains(r"[A-Z]")
    checks = _check_characters(u.str.slice(0, 17))
    checksum_ok = pl.lit(checks) == col.str.slice(17, 1)
    out = df.select(
        value=col,
        error=pl.when(col.is_null())
        .then(pl.lit(None, pl.String))
        .when(is18 & checksum_ok | is15 | other)
        .then(pl.lit(None, pl.String))
        .otherwise(pl.lit("invalid_national_id")),
        detail=pl.when(is18)
        .then(pl.lit("bad checksum"))
        .when(prc_shape)
        .then(pl.lit("wrong length"))
        .otherwise(pl.lit("unexpected characters")),
    )
    detail = pl.select(pl.when(out["error"].is_not_null()).then(out["detail"])).to_series()
    return Checked(out["value"], out["error"], detail.cast(pl.String))


def id_checksum_ok(number: str) -> bool:
    """The MOD 11-2 check of an 18-character PRC resident ID (for tests and one-off checks)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()
