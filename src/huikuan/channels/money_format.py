"""Amounts formatted for a message's language, exactly as Babel's `format_currency` formats them, but fast:
a job writes hundreds of thousands of messages whose amounts are nearly all different, and Babel reads
the locale's symbols and pattern again for every one (a fifth of the plan-dispatch job's time).

The shape of a (currency, locale) — the symbol and sign around the digits, the group and decimal
symbols, the grouping and the digits after the point — is read from Babel once, and kept only if it
formats a set of probe amounts exactly as Babel does; otherwise every amount of that pair is left to
Babel (`shape` None), so that the text never differs from Babel's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, get_decimal_symbol, get_group_symbol

from huikuan.domain.money import Money

# Amounts in minor units the shape must format as Babel does before it is trusted: zero, small and
# large, grouped or not, with fractions that round (a currency Babel writes with fewer digits), negative.
PROBES = (0, 1, 5, 15, 25, 99, 100, 999, 1234, 12345, 123456, 1234567, 123456789, 10**15 + 7)


@dataclass(frozen=True)
class MoneyShape:
    """How Babel writes an amount of one currency in one language."""

    prefix: tuple[str, str]  # before the digits: (positive, negative)
    suffix: tuple[str, str]  # after them
    group: str
    decimal: str
    primary: int  # digits in the first group left of the point
    secondary: int  # digits in each further group
    digits: int  # digits after the point

    def format(self, amount: Decimal) -> str:
        value = amount.quantize(Decimal(1).scaleb(-self.digits), rounding=ROUND_HALF_EVEN)
        negative = value < 0
        whole, _dot, fraction = f"{abs(value):f}".partition(".")
        groups = [whole[-self.primary :]] if len(whole) > self.primary else [whole]
        rest = whole[: -self.primary] if len(whole) > self.primary else ""
        while rest:
            groups.insert(0, rest[-self.secondary :])
            rest = rest[: -self.secondary]
        number = self.group.join(groups) + (self.decimal + fraction if self.digits else "")
        return self.prefix[negative] + number + self.suffix[negative]


def babel_text(minor: int, currency: str, locale: Locale) -> str:
    return format_currency(Money(int(minor), currency).amount, currency, locale=locale)


@lru_cache(maxsize=256)
def shape(currency: str, locale: Locale) -> MoneyShape | None:
    """The pair's shape, if it formats every probe (and its negative) exactly as Babel does; else None."""
    pattern = locale.currency_formats["standard"]
    digits = get_currency_precision(currency)
    primary, secondary = pattern.grouping
    if primary <= 0 or secondary <= 0 or primary > 9 or secondary > 9:
        return None
    ends: list[tuple[str, str]] = []
    for sign in (1, -1):  # one unit, positive and negative: what surrounds "1.00"
        text = format_currency(Decimal(sign), currency, locale=locale)
        core = "1" + (get_decimal_symbol(locale) + "0" * digits if digits else "")
        at = text.find(core)
        if at < 0 or text.find(core, at + 1) >= 0:
            return None
        ends.append((text[:at], text[at + len(core) :]))
    found = MoneyShape(
        prefix=(ends[0][0], ends[1][0]),
        suffix=(ends[0][1], ends[1][1]),
        group=get_group_symbol(locale),
        decimal=get_decimal_symbol(locale),
        primary=primary,
        secondary=secondary,
        digits=digits,
    )
    for minor in (*PROBES, *(-p for p in PROBES if p)):
        if found.format(Money(minor, currency).amount) != babel_text(minor, currency, locale):
            return None
    return found


def money_text_of(minor: int, currency: str, locale: Locale) -> str:
    """`minor` units of `currency` as Babel's format_currency writes them in `locale`."""
    found = shape(currency, locale)
    if found is None:
        return babel_text(minor, currency, locale)
    return found.format(Money(int(minor), currency).amount)
