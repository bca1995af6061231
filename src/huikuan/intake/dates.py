"""Dates and moments, vectorised: `2026-03-01`, `2026/3/1`, `2026年3月1日`, `20260301`,
`2026-03-01 10:22:00`, Excel serial numbers, and `1/3/2026` read by the creditor's region.

ISO dates are read in one pass; the spelled-out forms in a second; the rest in full.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from huikuan.errors import InvalidInput
from huikuan.intake.values import Checked, nulls, patched

_TIME = r"(?:[T\s]+(\d{1,2})[:时点](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,9}))?秒?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
_YMD = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME + r"$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})" + _TIME + r"$"
_DMY = r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _TIME + r"$"
_SERIAL = r"^(\d{5})(?:\.(\d+))?$"
_EXCEL_EPOCH = date(1899, 12, 30)
# Regions that write the month first in d/m/y-looking dates.
_MONTH_FIRST = frozenset({"US", "PH", "CA", "FM", "PW", "MH"})


def _date_parts(s: pl.Series, region: str) -> pl.DataFrame:
    """Columns y m d H M S us (Int64, null where absent), offset (minutes, null = local), ok_shape."""
    ymd = s.str.extract_groups(_YMD)
    compact = s.str.extract_groups(_COMPACT)
    dmy = s.str.extract_groups(_DMY)
    serial = s.str.extract_groups(_SERIAL)
    month_first = region.upper() in _MONTH_FIRST

    def part(struct: pl.Series, i: int) -> pl.Series:
        return struct.struct.field(str(i))

    def first(*series: pl.Series) -> pl.Series:
        return pl.select(pl.coalesce(series)).to_series()

    dmy_day, dmy_month = (part(dmy, 2), part(dmy, 1)) if month_first else (part(dmy, 1), part(dmy, 2))
    y = first(part(ymd, 1), part(compact, 1), part(dmy, 3))
    m = first(part(ymd, 2), part(compact, 2), dmy_month)
    d = first(part(ymd, 3), part(compact, 3), dmy_day)
    hh = first(part(ymd, 4), part(compact, 4), part(dmy, 4))
    mm = first(part(ymd, 5), part(compact, 5), part(dmy, 5))
    ss = first(part(ymd, 6), part(compact, 6), part(dmy, 6))
    frac = first(part(ymd, 7), part(compact, 7), part(dmy, 7))
    zone = first(part(ymd, 8), part(compact, 8), part(dmy, 8))
    serial_days = part(serial, 1).cast(pl.Int64)
    serial_frac = pl.select(("0." + part(serial, 2)).cast(pl.Float64, strict=False)).to_series()

    df = pl.DataFrame(
        {
            "y": y.cast(pl.Int64),
            "m": m.cast(pl.Int64),
            "d": d.cast(pl.Int64),
            "H": hh.cast(pl.Int64),
            "M": mm.cast(pl.Int64),
            "S": ss.cast(pl.Int64),
            "us": (frac + "000000").str.slice(0, 6).cast(pl.Int64),
            "zone": zone,
            "serial": serial_days,
            "serial_frac": serial_frac,
        }
    )
    serial_date = pl.lit(_EXCEL_EPOCH) + pl.duration(days=pl.col("serial"))
    serial_seconds = (pl.col("serial_frac").fill_null(0.0) * 86400).round(0).cast(pl.Int64)
    offset = _offset_minutes()
    return df.select(
        y=pl.coalesce(pl.col("y"), serial_date.dt.year().cast(pl.Int64)),
        m=pl.coalesce(pl.col("m"), serial_date.dt.month().cast(pl.Int64)),
        d=pl.coalesce(pl.col("d"), serial_date.dt.day().cast(pl.Int64)),
        H=pl.coalesce(pl.col("H"), pl.when(pl.col("serial").is_not_null()).then(serial_seconds // 3600)),
        M=pl.coalesce(pl.col("M"), pl.when(pl.col("serial").is_not_null()).then(serial_seconds % 3600 // 60)),
        S=pl.coalesce(pl.col("S"), pl.when(pl.col("serial").is_not_null()).then(serial_seconds % 60)),
        us=pl.col("us"),
        offset=pl.when(pl.col("zone").is_not_null()).then(offset),
    )


def _offset_minutes() -> pl.Expr:
    """The "zone" column (Z, +08:00, -0500) as minutes east of UTC."""
    zone_col = pl.col("zone").str.replace(":", "")
    offset = (
        pl.when(pl.col("zone") == "Z")
        .then(pl.lit(0, pl.Int64))
        .otherwise(
            zone_col.str.slice(1, 2).cast(pl.Int64, strict=False) * 60
            + zone_col.str.slice(3, 2).cast(pl.Int64, strict=False)
        )
    )
    offset = pl.when(zone_col.str.starts_with("-")).then(-offset).otherwise(offset)
    return offset


def _valid_date(parts: pl.DataFrame) -> pl.DataFrame:
    """Adds `date` (null where impossible) and `time_ok`."""
    y, m, d = pl.col("y"), pl.col("m"), pl.col("d")
    month = m.clip(1, 12)
    first_of_month = pl.date(y.clip(1, 9999), month, 1)
    days_in_month = first_of_month.dt.month_end().dt.day().cast(pl.Int64)
    date_ok = y.is_between(1, 9999) & m.is_between(1, 12) & d.is_between(1, days_in_month)
    time_ok = (
        pl.col("H").fill_null(0).is_between(0, 23)
        & pl.col("M").fill_null(0).is_between(0, 59)
        & pl.col("S").fill_null(0).is_between(0, 59)
    )
    return parts.with_columns(
        date=pl.when(date_ok & time_ok).then(first_of_month + pl.duration(days=d.clip(1, 31) - 1)),
        time_ok=time_ok,
    )


def dates(s: pl.Series, region: str) -> Checked:
    """Dates: `2026-03-01`, `2026/3/1`, `2026年3月1日`, `20260301`, `2026-03-01 10:22:00`, Excel serials.

    `1/3/2026` reads day first, except in regions that write the month first (US). An unreadable or
    impossible date is `invalid_date`.
    """
    iso = s.str.to_date("%Y-%m-%d", strict=False)  # the common case, in one pass
    fast = Checked(iso, nulls(len(s)))
    return patched(fast, s.is_not_null() & iso.is_null(), lambda sub: _dates_spelled(sub, region), s)


_SPELLED = r"^(\d{4})\s*[年/.]\s*(\d{1,2})\s*[月/.]\s*(\d{1,2})\s*日?$"


def _dates_spelled(s: pl.Series, region: str) -> Checked:
    """`2026/3/1` and `2026年3月1日` as ISO, then whatever is left in full."""
    spelled = s.str.replace(_SPELLED, "$1-$2-$3").str.to_date("%Y-%m-%d", strict=False)
    fast = Checked(spelled, nulls(len(s)))
    return patched(fast, spelled.is_null(), lambda sub: _dates_general(sub, region), s)


def _dates_general(s: pl.Series, region: str) -> Checked:
    parts = _valid_date(_date_parts(s, region))
    value = parts["date"]
    error = pl.select(pl.when(s.is_not_null() & value.is_null()).then(pl.lit("invalid_date"))).to_series()
    return Checked(value.cast(pl.Date), error.cast(pl.String))


def check_zone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("{tz!r} is not a time zone", tz=tz) from exc
    return tz


def _local_to_utc(naive: pl.Expr, tz: str) -> pl.Expr:
    """A wall-clock time in `tz` as UTC; a time skipped by a clock change is read as the hour after."""
    return pl.coalesce(
        naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null"),
        (naive + pl.duration(hours=1)).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null"),
    ).dt.convert_time_zone("UTC")


def datetimes(s: pl.Series, region: str, tz: str) -> Checked:
    """Moments in UTC: a date alone is 00:00 in `tz`; a time without offset is local to `tz`."""
    # `2026-03-01 10:22:00` and `2026-03-01` in one pass each; anything else in full.
    naive = pl.select(
        pl.coalesce(
            s.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"),
            s.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
        )
    ).to_series()
    value = pl.select(_local_to_utc(pl.lit(naive), tz)).to_series()
    fast = Checked(value, nulls(len(s)))
    return patched(
        fast, s.is_not_null() & naive.is_null(), lambda sub: _datetimes_general(sub, region, tz), s
    )


def _datetimes_general(s: pl.Series, region: str, tz: str) -> Checked:
    parts = _valid_date(_date_parts(s, region))
    naive = pl.col("date").cast(pl.Datetime("us")) + pl.duration(
        hours=pl.col("H").fill_null(0),
        minutes=pl.col("M").fill_null(0),
        seconds=pl.col("S").fill_null(0),
        microseconds=pl.col("us").fill_null(0),
    )
    explicit = (naive - pl.duration(minutes=pl.col("offset"))).dt.replace_time_zone("UTC")
    value = parts.select(
        pl.when(pl.col("offset").is_not_null()).then(explicit).otherwise(_local_to_utc(naive, tz)).alias("v")
    ).to_series()
    error = pl.select(pl.when(s.is_not_null() & value.is_null()).then(pl.lit("invalid_date"))).to_series()
    return Checked(value, error.cast(pl.String))


def days_past_due(s: pl.Series, as_of: date) -> Checked:
    """`dpd` (逾期天数): a whole number of days before `as_of`, turned into the date it counts from."""
    days = s.str.replace_all(r"\s|天|days?", "").str.to_integer(base=10, strict=False)
    ok = days.is_not_null() & (days >= 0) & (days <= 36500)
    value = pl.select(pl.when(ok).then(pl.lit(as_of) - pl.duration(days=pl.lit(days)))).to_series()
    error = pl.select(pl.when(s.is_not_null() & ~ok.fill_null(False)).then(pl.lit("invalid_dpd"))).to_series()
    return Checked(value.cast(pl.Date), error.cast(pl.String))
