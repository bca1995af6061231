"""Money is an integer of minor units beside its currency."""

from decimal import Decimal

import pytest

from huikuan.domain.model import bucket
from huikuan.domain.money import Money


def test_an_amount_is_parsed_into_minor_units_of_its_currency() -> None:
    assert Money.parse("12345.6", "CNY") == Money(1234560, "CNY")
    assert Money.parse("1500", "JPY") == Money(1500, "JPY")


def test_more_decimals_than_the_currency_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="more decimals"):
        Money.parse("1.234", "CNY")


def test_a_float_is_never_money() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "CNY")  # type: ignore[arg-type]


def test_amounts_of_different_currencies_do_not_add_up() -> None:
    with pytest.raises(ValueError, match="cannot combine"):
        Money(100, "CNY") + Money(100, "USD")


def test_money_shows_its_decimal_amount() -> None:
    assert Money(1234560, "CNY").amount == Decimal("12345.60")
    assert str(Money(1234560, "CNY")) == "12,345.60 CNY"


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, "M0"), (1, "M1"), (30, "M1"), (31, "M2"), (180, "M6"), (181, "M7+"), (900, "M7+")],
)
def test_days_past_due_fall_into_monthly_buckets(days: int, expected: str) -> None:
    assert bucket(days) == expected
