"""Vectorised normalisation of cell values: amounts, dates, national IDs, products, currencies, emails.

Every function takes a Series of cleaned text (see `clean`) and returns a `Checked`: the normalised
values and, row by row, the error code (null when the cell is fine) with an optional detail. There
is no Python loop over rows; lookups over a column's few distinct values (products, currencies) are
done once per distinct value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
from babel.numbers import get_currency_precision, list_currencies

from huikuan.domain.enums import Product
from huikuan.errors import InvalidInput


@dataclass(frozen=True)
class Checked:
    """Normalised values, the error code per row (null = fine) and a detail for the message."""

    value: pl.Series
    error: pl.Series
    detail: pl.Series | None = None


# Cells that mean "nothing here".
NULL_WORDS = (
    "-", "--", "---", "—", "——", "/", "\\", "无", "暂无", "空", "null", "NULL", "Null", "none", "None",
    "NONE", "n/a", "N/A", "NA", "na", "#N/A", "nan", "NaN",
)  # fmt: skip

# Characters NFKC leaves alone: ASCII and the CJK unified ideographs. Anything else is normalised.
_NEEDS_NFKC = r"[^\x00-\x7f\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}]"


def nfkc(s: pl.Series) -> pl.Series:
    """NFKC on the cells that may change under it (full-width forms and the like), leaving the rest."""
    mask = s.str.contains(_NEEDS_NFKC).fill_null(False)
    if not mask.any():
        return s
    positions = mask.arg_true()
    return s.scatter(positions, s.gather(positions).str.normalize("NFKC"))


def clean(s: pl.Series) -> pl.Series:
    """NFKC, trimmed, with blanks and placeholders ("-", "无", "N/A") as null."""
    s = nfkc(s.cast(pl.String)).str.strip_chars()
    return pl.select(
        pl.when((s.str.len_bytes() == 0) | s.is_in(NULL_WORDS)).then(None).otherwise(s).alias(s.name)
    ).to_series()


def _patched(fast: Checked, todo: pl.Series, slow: Callable[[pl.Series], Checked], s: pl.Series) -> Checked:
    """`fast` with the rows flagged in `todo` replaced by `slow` run on those rows only."""
    if not todo.any():
        return fast
    positions = todo.arg_true()
    sub = slow(s.gather(positions))

    def put(target: pl.Series | None, values: pl.Series | None) -> pl.Series | None:
        if values is None and target is None:
            return None
        if target is None:
            target = pl.Series("", [None] * len(s), dtype=pl.String)
        if values is None:
            values = pl.Series("", [None] * len(positions), dtype=target.dtype)
        return target.clone().scatter(positions, values.cast(target.dtype))

    value = put(fast.value, sub.value)
    error = put(fast.error, sub.error)
    assert value is not None and error is not None
    return Checked(value, error, put(fast.detail, sub.detail))


def _nulls(n: int, dtype: pl.DataType | type[pl.DataType] = pl.String) -> pl.Series:
    return pl.Series("", [None] * n, dtype=dtype)


# --- text ----------------------------------------------------------------------------------------


def text(s: pl.Series) -> pl.Series:
    """A free-text field: runs of whitespace become one space."""
    if s.str.contains(r"\s\s|[\t\r\n\x{3000}]").any():
        return s.str.replace_all(r"\s+", " ")
    return s


def required(value: pl.Series, error: pl.Series) -> pl.Series:
    """`required` where the cell is blank, else the given error."""
    return pl.select(pl.when(value.is_null()).then(pl.lit("required")).otherwise(error)).to_series()


# --- currency ------------------------------------------------------------------------------------

_CURRENCY_WORDS = {
    "人民币": "CNY", "RMB": "CNY", "元": "CNY", "CN¥": "CNY", "美元": "USD", "美金": "USD", "US$": "USD",
    "港币": "HKD", "港元": "HKD", "HK$": "HKD", "欧元": "EUR", "英镑": "GBP", "日元": "JPY", "新台币": "TWD",
    "澳门元": "MOP", "新加坡元": "SGD", "澳元": "AUD", "加元": "CAD",
}  # fmt: skip


@cache
def iso_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@cache
def precision(currency: str) -> int:
    """Digits after the decimal point in `currency` (CNY 2, JPY 0), from Babel."""
    return int(get_currency_precision(currency))


def check_currency(code: str) -> str:
    """The creditor's default currency, upper-cased; InvalidInput if it is not ISO 4217."""
    upper = code.strip().upper()
    if upper not in iso_currencies():
        raise InvalidInput(f"{code!r} is not an ISO 4217 currency")
    return upper


def _currency_code(word: str) -> str | None:
    upper = word.replace(" ", "").upper()
    if upper in iso_currencies():
        return upper
    return _CURRENCY_WORDS.get(word.replace(" ", "")) or _CURRENCY_WORDS.get(upper)


def currencies(s: pl.Series, default: str) -> Checked:
    """ISO 4217 codes (人民币 -> CNY); blank -> the creditor's currency; anything else `unknown_currency`."""
    words = s.unique().drop_nulls().to_list()
    table = {w: _currency_code(w) for w in words}
    code = s.replace_strict(table, default=None, return_dtype=pl.String) if table else _nulls(len(s))
    value = pl.select(pl.when(s.is_null()).then(pl.lit(default)).otherwise(code)).to_series()
    error = pl.select(pl.when(s.is_not_null() & code.is_null()).then(pl.lit("unknown_currency"))).to_series()
    return Checked(value.cast(pl.String), error.cast(pl.String))


def precisions(currency: pl.Series) -> pl.Series:
    table = {c: precision(c) for c in currency.unique().drop_nulls().to_list()}
    if not table:
        return pl.Series("", [2] * len(currency), dtype=pl.Int32)
    return currency.replace_strict(table, default=2, return_dtype=pl.Int32)


# --- amounts -------------------------------------------------------------------------------------

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
    p = digits if isinstance(digits, pl.Series) else pl.Series("", [digits] * n, dtype=pl.Int32)
    # Plain numbers ("12345.6", "12,345.60") are most cells: read them with a few cheap passes.
    plain = s.str.contains(_PLAIN_AMOUNT)
    t = s.str.replace_all(",", "", literal=True) if s.str.contains(",", literal=True).any() else s
    dot = t.str.find(".", literal=True)
    scale = pl.select((t.str.len_bytes().cast(pl.Int64) - dot.cast(pl.Int64) - 1).fill_null(0)).to_series()
    shift = p.cast(pl.Int64) - scale
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
        pl.select(pl.when(s.is_null() & (blank == "required")).then(pl.lit("required")))
        .to_series()
        .cast(pl.String)
    )
    fast = Checked(value, error)
    todo = s.is_not_null() & ~fits
    return _patched(fast, todo, lambda sub: _amounts_general(sub, p.filter(todo), blank), s)


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


# --- dates ---------------------------------------------------------------------------------------

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
    fast = Checked(iso, pl.Series("", [None] * len(s), dtype=pl.String))
    return _patched(fast, s.is_not_null() & iso.is_null(), lambda sub: _dates_general(sub, region), s)


def _dates_general(s: pl.Series, region: str) -> Checked:
    parts = _valid_date(_date_parts(s, region))
    value = parts["date"]
    error = pl.select(pl.when(s.is_not_null() & value.is_null()).then(pl.lit("invalid_date"))).to_series()
    return Checked(value.cast(pl.Date), error.cast(pl.String))


def check_zone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"{tz!r} is not a time zone") from exc
    return tz


def datetimes(s: pl.Series, region: str, tz: str) -> Checked:
    """Moments in UTC: a date alone is 00:00 in `tz`; a time without offset is local to `tz`."""
    parts = _valid_date(_date_parts(s, region))
    naive = pl.col("date").cast(pl.Datetime("us")) + pl.duration(
        hours=pl.col("H").fill_null(0),
        minutes=pl.col("M").fill_null(0),
        seconds=pl.col("S").fill_null(0),
        microseconds=pl.col("us").fill_null(0),
    )
    local = pl.coalesce(
        naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null"),
        # A local time skipped by a clock change is read as the hour after it.
        (naive + pl.duration(hours=1)).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null"),
    ).dt.convert_time_zone("UTC")
    explicit = (naive - pl.duration(minutes=pl.col("offset"))).dt.replace_time_zone("UTC")
    value = parts.select(
        pl.when(pl.col("offset").is_not_null()).then(explicit).otherwise(local).alias("v")
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


# --- national IDs --------------------------------------------------------------------------------

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
    empty = pl.Series("", [None] * len(s), dtype=pl.String)
    fast = Checked(s, empty, empty)
    return _patched(fast, s.is_not_null() & ~ok18.fill_null(False), _national_ids_general, s)


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


# --- products ------------------------------------------------------------------------------------

_PRODUCT_WORDS: dict[str, Product] = {
    "信用卡": Product.CREDIT_CARD, "贷记卡": Product.CREDIT_CARD, "准贷记卡": Product.CREDIT_CARD,
    "信用卡透支": Product.CREDIT_CARD, "卡": Product.CREDIT_CARD, "card": Product.CREDIT_CARD,
    "creditcard": Product.CREDIT_CARD,
    "消费贷": Product.CONSUMER_LOAN, "消费金融": Product.CONSUMER_LOAN, "消费贷款": Product.CONSUMER_LOAN,
    "消费分期": Product.CONSUMER_LOAN, "分期": Product.CONSUMER_LOAN, "个人消费贷款": Product.CONSUMER_LOAN,
    "consumerloan": Product.CONSUMER_LOAN, "personalloan": Product.CONSUMER_LOAN,
    "小额贷款": Product.MICROLOAN, "网贷": Product.MICROLOAN, "小贷": Product.MICROLOAN,
    "现金贷": Product.MICROLOAN, "网络贷款": Product.MICROLOAN, "网络小贷": Product.MICROLOAN,
    "小额信贷": Product.MICROLOAN, "microloan": Product.MICROLOAN, "paydayloan": Product.MICROLOAN,
    "物业费": Product.PROPERTY_FEE, "物业": Product.PROPERTY_FEE, "物业管理费": Product.PROPERTY_FEE,
    "propertyfee": Product.PROPERTY_FEE, "hoafee": Product.PROPERTY_FEE,
    "民间借贷": Product.PRIVATE_LOAN, "个人借款": Product.PRIVATE_LOAN, "借款": Product.PRIVATE_LOAN,
    "privateloan": Product.PRIVATE_LOAN,
    "货款": Product.TRADE_CONTRACT, "合同": Product.TRADE_CONTRACT, "合同欠款": Product.TRADE_CONTRACT,
    "应收账款": Product.TRADE_CONTRACT, "买卖合同": Product.TRADE_CONTRACT, "贸易": Product.TRADE_CONTRACT,
    "tradecontract": Product.TRADE_CONTRACT, "trade": Product.TRADE_CONTRACT,
    "invoice": Product.TRADE_CONTRACT,
    "其他": Product.OTHER, "其它": Product.OTHER, "other": Product.OTHER,
}  # fmt: skip


def _product_key(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", word).lower() if ch not in " _-")


_PRODUCT_INDEX = {_product_key(k): v for k, v in _PRODUCT_WORDS.items()} | {
    _product_key(p.value): p for p in Product
}


def product_of(word: str) -> Product | None:
    return _PRODUCT_INDEX.get(_product_key(word))


def products(s: pl.Series) -> Checked:
    """A `Product` value; blank -> "other"; Chinese words mapped (信用卡 -> credit_card...)."""
    table = {w: (p.value if (p := product_of(w)) else None) for w in s.unique().drop_nulls().to_list()}
    mapped = s.replace_strict(table, default=None, return_dtype=pl.String) if table else _nulls(len(s))
    value = pl.select(pl.when(s.is_null()).then(pl.lit(Product.OTHER.value)).otherwise(mapped)).to_series()
    error = pl.select(pl.when(s.is_not_null() & mapped.is_null()).then(pl.lit("unknown_product"))).to_series()
    return Checked(value.cast(pl.String), error.cast(pl.String))


# --- emails --------------------------------------------------------------------------------------

_EMAIL = (
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)


def emails(s: pl.Series) -> Checked:
    """Lower-cased email addresses; anything else `invalid_email`."""
    value = s.str.to_lowercase()
    ok = value.str.contains(_EMAIL)
    error = pl.select(pl.when(value.is_not_null() & ~ok).then(pl.lit("invalid_email"))).to_series()
    return Checked(value, error.cast(pl.String))


# --- references ----------------------------------------------------------------------------------


def references(s: pl.Series) -> Checked:
    """An account or payment reference as written; `6.22588E+15` (Excel ate its digits) is `invalid_ref`."""
    error = pl.select(
        pl.when(s.str.contains(r"^\d(?:\.\d+)?[eE]\+?\d+$")).then(pl.lit("invalid_ref"))
    ).to_series()
    return Checked(s, error.cast(pl.String))


def first_rows(key: pl.Series, row: pl.Series) -> pl.Series:
    """For each row, the row number of the first row with the same key (null key -> null)."""
    return (
        pl.DataFrame({"k": key, "r": row})
        .select(pl.when(pl.col("k").is_not_null()).then(pl.col("r").min().over("k")))
        .to_series()
    )
