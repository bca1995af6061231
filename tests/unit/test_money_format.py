"""Amounts in messages are written exactly as Babel's format_currency writes them, whether the fast shape
of the currency and language is used or, when it cannot be trusted, Babel itself."""

from __future__ import annotations

import random

import pytest
from babel import Locale

from huikuan.channels.money_format import babel_text, money_text_of, shape
from huikuan.channels.render import money_text

LANGUAGES = ("zh_CN", "en", "de_DE", "fr_FR", "hi_IN", "ar_EG", "de_CH")
CURRENCIES = ("CNY", "USD", "JPY", "EUR", "INR", "BHD", "UGX")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("currency", CURRENCIES)
def test_any_amount_is_written_as_babel_writes_it(language: str, currency: str) -> None:
    locale = Locale.parse(language)
    draw = random.Random(f"{language}-{currency}")
    amounts = [draw.randint(-(10**13), 10**13) for _ in range(300)] + [
        draw.randint(0, 2000) for _ in range(300)
    ]
    assert [money_text_of(m, currency, locale) for m in amounts] == [
        babel_text(m, currency, locale) for m in amounts
    ]


def test_the_messages_languages_use_the_fast_shape() -> None:
    for language in ("zh_CN", "en"):
        for currency in ("CNY", "USD"):
            assert shape(currency, Locale.parse(language)) is not None
    assert money_text(1_234_567, "CNY", "zh_CN") == "¥12,345.67"
    assert money_text(150_000, "USD", "en") == "$1,500.00"


def test_a_shape_babel_writes_otherwise_is_left_to_babel() -> None:
    # Babel writes Ugandan shillings without the cents the domain keeps: the probes' fractions do not
    # round as the shape would, so every amount is Babel's own text.
    assert shape("UGX", Locale.parse("en")) is None
    assert money_text_of(12_345, "UGX", Locale.parse("en")) == babel_text(12_345, "UGX", Locale.parse("en"))
