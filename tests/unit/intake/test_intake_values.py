"""Cell values are normalised column-wise: amounts, dates, IDs, products, currencies, emails."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from huikuan.intake.amounts import amounts
from huikuan.intake.dates import dates, datetimes, days_past_due
from huikuan.intake.national_ids import id_checksum_ok, national_ids
from huikuan.intake.values import clean, currencies, emails, products


def _cells(*values: str | None) -> pl.Series:
    return clean(pl.Series(values, dtype=pl.String))


def test_blanks_and_placeholders_are_nothing_and_full_width_becomes_half_width() -> None:
    assert _cells("", "  ", "-", "无", "N/A", " ＡＢＣ１２３ ", "张伟").to_list() == [
        None,
        None,
        None,
        None,
        None,
        "ABC123",
        "张伟",
    ]


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("12,345.60", 1234560),
        ("¥12345.6", 1234560),
        ("￥12,345.6", 1234560),
        ("12345.6元", 1234560),
        ("$1,234.00", 123400),
        ("１２３．４５", 12345),
        ("12.300", 1230),
        ("0", 0),
        ("RMB 100", 10000),
    ],
)
def test_amounts_in_the_usual_spellings_become_minor_units(text: str, minor: int) -> None:
    checked = amounts(_cells(text), 2, blank="required")
    assert checked.value.to_list() == [minor]
    assert checked.error.to_list() == [None]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "invalid_amount"),
        ("1,5", "invalid_amount"),
        ("12.3.4", "invalid_amount"),
        ("1e5", "invalid_amount"),
        ("-3", "negative_amount"),
        ("(3.00)", "negative_amount"),
        ("1.001", "too_many_decimals"),
    ],
)
def test_amounts_that_cannot_be_taken_say_why(text: str, code: str) -> None:
    assert amounts(_cells(text), 2, blank="zero").error.to_list() == [code]


def test_a_blank_amount_is_zero_where_optional_and_required_where_not() -> None:
    assert amounts(_cells(None), 2, blank="zero").value.to_list() == [0]
    assert amounts(_cells(None), 2, blank="required").error.to_list() == ["required"]


def test_the_precision_follows_each_rows_currency() -> None:
    checked = amounts(_cells("1500", "1500.5", "1500.5"), pl.Series([0, 0, 2], dtype=pl.Int32), blank="zero")
    assert checked.value.to_list() == [1500, None, 150050]
    assert checked.error.to_list() == [None, "too_many_decimals", None]


@given(st.integers(min_value=0, max_value=10**13), st.sampled_from([0, 2, 3]))
def test_any_amount_written_with_separators_reads_back_exactly(minor: int, digits: int) -> None:
    whole, frac = divmod(minor, 10**digits)
    text = f"{whole:,}" + (f".{frac:0{digits}d}" if digits else "")
    assert amounts(_cells(text), digits, blank="required").value.to_list() == [minor]


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01",
        "2026/3/1",
        "2026年3月1日",
        "20260301",
        "2026-03-01 10:22:00",
        "2026.3.1",
        "46082",
        "２０２６－０３－０１",
        "1/3/2026",
    ],
)
def test_dates_in_the_usual_spellings_are_read(text: str) -> None:
    checked = dates(_cells(text), "CN")
    assert checked.value.to_list() == [date(2026, 3, 1)]
    assert checked.error.to_list() == [None]


def test_a_us_creditor_writes_the_month_first() -> None:
    assert dates(_cells("3/1/2026"), "US").value.to_list() == [date(2026, 3, 1)]
    assert dates(_cells("3/1/2026"), "GB").value.to_list() == [date(2026, 1, 3)]


@pytest.mark.parametrize(
    "text", ["2026-02-30", "2025-02-29", "2026-13-01", "2026-03-01 25:00", "上周", "12345678"]
)
def test_impossible_or_unreadable_dates_are_errors(text: str) -> None:
    assert dates(_cells(text), "CN").error.to_list() == ["invalid_date"]


def test_payment_moments_without_time_are_local_midnight_in_utc() -> None:
    checked = datetimes(
        _cells("2026-03-01", "2026-03-01 10:22", "2026-03-01T10:22:00Z"), "CN", "Asia/Shanghai"
    )
    assert checked.value.to_list() == [
        datetime(2026, 2, 28, 16, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 2, 22, tzinfo=UTC),
        datetime(2026, 3, 1, 10, 22, tzinfo=UTC),
    ]


def test_days_past_due_count_back_from_the_file_date() -> None:
    checked = days_past_due(_cells("30", "30天", "x"), date(2026, 3, 10))
    assert checked.value.to_list() == [date(2026, 2, 8), date(2026, 2, 8), None]
    assert checked.error.to_list() == [None, None, "invalid_dpd"]


def _with_check(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def test_national_ids_agree_with_the_mod_11_2_check_on_random_numbers() -> None:
    rng = random.Random(11)
    numbers = [
        "".join(rng.choice("0123456789") for _ in range(17)) + rng.choice("0123456789X")
        for _ in range(20_000)
    ]
    numbers += [_with_check("".join(rng.choice("0123456789") for _ in range(17))) for _ in range(2_000)]
    errors = national_ids(pl.Series(numbers)).error.to_list()
    assert [e is None for e in errors] == [id_checksum_ok(n) for n in numbers]
    assert sum(e is None for e in errors) >= 2_000


def test_national_ids_are_upper_cased_and_other_id_types_pass() -> None:
    checked = national_ids(_cells("11010519800100007x", "E12345678", "310101790228041", "12345", "张三"))
    assert checked.value.to_list()[:3] == ["11010519800100007X", "E12345678", "310101790228041"]
    assert checked.error.to_list() == [None, None, None, "invalid_national_id", "invalid_national_id"]
    assert checked.detail is not None
    assert checked.detail.to_list()[3:] == ["wrong length", "unexpected characters"]


@pytest.mark.parametrize(
    ("word", "product"),
    [
        ("信用卡", "credit_card"),
        ("消费贷", "consumer_loan"),
        ("消费金融", "consumer_loan"),
        ("小额贷款", "microloan"),
        ("网贷", "microloan"),
        ("小贷", "microloan"),
        ("物业费", "property_fee"),
        ("民间借贷", "private_loan"),
        ("货款", "trade_contract"),
        ("合同", "trade_contract"),
        ("Credit Card", "credit_card"),
        ("consumer_loan", "consumer_loan"),
        (None, "other"),
    ],
)
def test_product_words_map_onto_products(word: str | None, product: str) -> None:
    checked = products(_cells(word))
    assert checked.value.to_list() == [product]
    assert checked.error.to_list() == [None]


def test_an_unmapped_product_word_is_an_error() -> None:
    assert products(_cells("火箭贷")).error.to_list() == ["unknown_product"]


def test_currencies_are_iso_codes_with_the_creditors_as_default() -> None:
    checked = currencies(_cells("usd", "人民币", None, "XYZ"), "CNY")
    assert checked.value.to_list()[:3] == ["USD", "CNY", "CNY"]
    assert checked.error.to_list() == [None, None, None, "unknown_currency"]


def test_emails_are_lower_cased_and_checked() -> None:
    checked = emails(_cells("Li.Na@Example.COM", "li@na", "a@b.cn"))
    assert checked.value.to_list()[0] == "li.na@example.com"
    assert checked.error.to_list() == [None, "invalid_email", None]


def test_a_local_time_lost_or_doubled_by_a_clock_change_still_gets_one_moment() -> None:
    checked = datetimes(_cells("2026-03-08 02:30:00", "2026-11-01 01:30:00"), "US", "America/New_York")
    assert checked.value.to_list() == [
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 02:30 does not exist: read as 03:30 EDT
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 happens twice: the first, EDT
    ]
    assert checked.error.to_list() == [None, None]
