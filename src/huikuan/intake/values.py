"""Vectorised normalisation of cell values: cleaning, text, products, currencies, emails, references.

Every normaliser (here and in `amounts`, `dates`, `national_ids`, `phones`) takes a Series of
cleaned text (see `clean`) and returns a `Checked`: the normalised values and, row by row, the
error code (null when the cell is fine) with an optional detail. There is no Python loop over rows;
lookups over a column's few distinct values (products, currencies) are done once per distinct value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

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


def clean(s: pl.Series) -> pl.Series:
    """NFKC, trimmed, with blanks and placeholders ("-", "无", "N/A") as null."""
    s = s.cast(pl.String)
    if s.null_count() == len(s):
        return s
    # Only cells with spaces at an end or characters NFKC may change need the work.
    dirty = s.str.contains(r"^\s|\s$|" + _NEEDS_NFKC).fill_null(False)
    if dirty.any():
        positions = dirty.arg_true()
        s = s.clone().scatter(positions, s.gather(positions).str.normalize("NFKC").str.strip_chars())
    blank = s.is_in(NULL_WORDS) | (s.str.len_bytes() == 0)
    if blank.fill_null(False).any():
        s = pl.select(pl.when(blank).then(None).otherwise(s).alias(s.name)).to_series()
    return s


def patched(fast: Checked, todo: pl.Series, slow: Callable[[pl.Series], Checked], s: pl.Series) -> Checked:
    """`fast` with the rows flagged in `todo` replaced by `slow` run on those rows only."""
    if not todo.any():
        return fast
    positions = todo.arg_true()
    sub = slow(s.gather(positions))

    def put(target: pl.Series | None, values: pl.Series | None) -> pl.Series | None:
        if values is None and target is None:
            return None
        if target is None:
            target = nulls(len(s))
        if values is None:
            values = nulls(len(positions), target.dtype)
        return target.clone().scatter(positions, values.cast(target.dtype))

    value = put(fast.value, sub.value)
    error = put(fast.error, sub.error)
    assert value is not None and error is not None
    return Checked(value, error, put(fast.detail, sub.detail))


def constant(
    value: str | int | list[str] | None, n: int, dtype: pl.DataType | type[pl.DataType]
) -> pl.Series:
    """`n` times the same value (a Python list of a million items is far slower to turn into a Series)."""
    return pl.repeat(value, n, dtype=dtype, eager=True).alias("")


def nulls(n: int, dtype: pl.DataType | type[pl.DataType] = pl.String) -> pl.Series:
    return constant(None, n, dtype)


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
        raise InvalidInput("{code!r} is not an ISO 4217 currency", code=code)
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
    code = s.replace_strict(table, default=None, return_dtype=pl.String) if table else nulls(len(s))
    value = pl.select(pl.when(s.is_null()).then(pl.lit(default)).otherwise(code)).to_series()
    error = pl.select(pl.when(s.is_not_null() & code.is_null()).then(pl.lit("unknown_currency"))).to_series()
    return Checked(value.cast(pl.String), error.cast(pl.String))


def precisions(currency: pl.Series) -> pl.Series:
    table = {c: precision(c) for c in currency.unique().drop_nulls().to_list()}
    if not table:
        return constant(2, len(currency), pl.Int32)
    return currency.replace_strict(table, default=2, return_dtype=pl.Int32)


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
    mapped = s.replace_strict(table, default=None, return_dtype=pl.String) if table else nulls(len(s))
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


_YES = ("是", "有", "y", "yes", "true", "1", "x", "✓", "√", "对")
_NO = ("否", "无", "没有", "n", "no", "false", "0")


def flags(s: pl.Series) -> Checked:
    """A yes/no cell: 是/否, Y/N, yes/no, true/false, 1/0, x; blank is no; anything else `invalid_flag`."""
    value = s.str.strip_chars().str.to_lowercase()
    yes = value.is_in(_YES)
    no = value.is_in(_NO) | value.is_null() | (value == "")
    out = pl.select(pl.when(yes).then(True).when(no).then(False).otherwise(None)).to_series()
    error = pl.select(pl.when(~yes & ~no).then(pl.lit("invalid_flag"))).to_series()
    return Checked(out.fill_null(False).cast(pl.Boolean), error.cast(pl.String))


# --- references ----------------------------------------------------------------------------------


def references(s: pl.Series) -> Checked:
    """An account or payment reference as written; `6.22588E+15` (Excel ate its digits) is `invalid_ref`."""
    error = pl.select(
        pl.when(s.str.contains(r"^\d(?:\.\d+)?[eE]\+?\d+$")).then(pl.lit("invalid_ref"))
    ).to_series()
    return Checked(s, error.cast(pl.String))


# --- annual interest rates -----------------------------------------------------------------------

_RATE_MAX_BP = 100_000  # 1000% a year: anything above is not a rate


def _rate_bp(cell: str) -> int | None:
    """An annual rate in hundredths of a percent: "24%", "24", "24.5" are percents, "0.24" (at most 1,
    without %) a fraction; None when it is not a rate."""
    text = cell.replace("％", "%").replace(" ", "").replace("年", "").strip()
    percent = text.endswith("%")
    try:
        number = Decimal(text.rstrip("%"))
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    if not percent and number <= 1:
        number *= 100
    bp = int((number * 100).to_integral_value(ROUND_HALF_UP))
    return bp if bp <= _RATE_MAX_BP else None


def annual_rates(s: pl.Series) -> Checked:
    """`annual_rate` (年利率) as hundredths of a percent; anything else `invalid_rate`."""
    value = pl.Series([None if v is None else _rate_bp(v) for v in s.to_list()], dtype=pl.Int64)
    error = pl.select(pl.when(s.is_not_null() & value.is_null()).then(pl.lit("invalid_rate"))).to_series()
    return Checked(value, error.cast(pl.String))
