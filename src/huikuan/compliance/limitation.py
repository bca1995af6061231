"""Time limits of a debt under a pack, pure: the limitation date (`[obligations.limitation]`) and, in cn,
the part of the interest above the lawful cap (`[obligations.interest-cap]`).

The limitation date is the first day on which the debt is time-barred: the period's start (the day the
account fell overdue, else its charge-off date) or its latest restart, plus the pack's years (in us-reg-f
the state's years, the shortest of the table when the state is unknown). A debt with no start date has no
limitation date. Being time-barred never stops contact (rules/facts.py): it bars suit and any mention of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from huikuan.compliance.pack import Pack

RESTARTS = frozenset({"demand", "payment", "acknowledgment"})


@dataclass(frozen=True, slots=True)
class DebtDates:
    """What the limitation of one account is computed from."""

    overdue_since: date | None = None
    charge_off_date: date | None = None
    state: str | None = None  # a US state's two-letter code
    demands: tuple[date, ...] = ()  # demands for payment made to the debtor (cn)
    payments: tuple[date, ...] = ()  # payments received, the last payment date included
    acknowledgments: tuple[date, ...] = ()  # written acknowledgments of the debt (uk)


def _table(pack: Pack, name: str) -> Mapping[str, object] | None:
    table = pack.obligations.get(name)
    return table if isinstance(table, Mapping) else None


def limitation_years(pack: Pack, state: str | None) -> int | None:
    """The pack's period in years for a debtor in `state`; None if the pack has no limitation table."""
    table = _table(pack, "limitation")
    if table is None:
        return None
    states = table.get("states")
    if isinstance(states, Mapping) and states:
        periods = {str(k).upper(): int(v) for k, v in states.items() if isinstance(v, int)}
        key = (state or "").strip().upper()
        return periods.get(key, min(periods.values()))
    years = table.get("years")
    return years if isinstance(years, int) and not isinstance(years, bool) else None


def pack_restarts(pack: Pack) -> frozenset[str]:
    table = _table(pack, "limitation") or {}
    raw = table.get("restarts", [])
    return frozenset(str(r) for r in raw if str(r) in RESTARTS) if isinstance(raw, list) else frozenset()


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def limitation_date(pack: Pack, dates: DebtDates) -> date | None:
    """The first day on which the debt is time-barred under the pack, or None (no start, no rule)."""
    years = limitation_years(pack, dates.state)
    start = dates.overdue_since or dates.charge_off_date
    if years is None or start is None:
        return None
    restarts = pack_restarts(pack)
    events: list[date] = [start]
    if "demand" in restarts:
        events.extend(dates.demands)
    if "payment" in restarts:
        events.extend(dates.payments)
    if "acknowledgment" in restarts:
        events.extend(dates.acknowledgments)
    # Only what happened before the period ran out restarts it: a barred debt is not revived by a demand.
    latest = start
    for day in sorted(events):
        if latest <= day < add_years(latest, years):
            latest = day
    return add_years(latest, years)


def time_barred(limitation: date | None, today: date) -> bool:
    return limitation is not None and today >= limitation


# --- the cn interest cap -------------------------------------------------------------------------


def _lpr_table(pack: Pack) -> tuple[int, list[tuple[date, int]]] | None:
    table = _table(pack, "interest-cap")
    if table is None:
        return None
    multiple, raw = table.get("multiple"), table.get("lpr_1y")
    if not isinstance(multiple, int) or not isinstance(raw, list) or not raw:
        return None
    rates = sorted((date.fromisoformat(str(day)), int(str(rate))) for day, rate in _pairs(raw))
    return multiple, rates


def _pairs(raw: Iterable[object]) -> Iterable[tuple[object, object]]:
    for item in raw:
        if isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            yield item[0], item[1]


def interest_cap_bp(pack: Pack, contract_date: date | None) -> int | None:
    """The lawful annual rate (hundredths of a percent) for a contract of that date, or None (no cap).

    A contract without a date gets the lowest LPR of the table, one before the table its earliest rate.
    """
    found = _lpr_table(pack)
    if found is None:
        return None
    multiple, rates = found
    if contract_date is None:
        return multiple * min(rate for _day, rate in rates)
    applicable = [rate for day, rate in rates if day <= contract_date]
    return multiple * (applicable[-1] if applicable else rates[0][1])


def excess_interest(pack: Pack, interest: int, rate_bp: int | None, contract_date: date | None) -> int:
    """The part of the interest (minor units) above the cap: the interest charged at `rate_bp` scaled down
    to the capped rate. Zero when the pack has no cap, the rate is not known or within the cap."""
    cap = interest_cap_bp(pack, contract_date)
    if cap is None or rate_bp is None or rate_bp <= cap or interest <= 0:
        return 0
    lawful = interest * cap // rate_bp
    return interest - lawful


__all__ = [
    "DebtDates",
    "add_years",
    "excess_interest",
    "interest_cap_bp",
    "limitation_date",
    "limitation_years",
    "time_barred",
]
