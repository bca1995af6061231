"""The creditor's portal at a glance: what its read-only viewer sees first, its own creditor's figures only.

- placed: the creditor's accounts and what was placed (principal + interest + fees as placed; payments
  lower an account's balance, never these parts), by currency; and of them the open ones and their balance;
- collected: what its debtors paid, by currency: the payments that stand (a reversed payment counts
  nothing, as on the statements: collected less reversed);
- liquidation by placement month (collected / placed of the accounts placed that month), with the
  cumulative liquidation at 0, 1, 2 ... months since placement (calendar months, the payment's UTC month
  against the account's placement month);
- promises: pending (count and what is left of them), due in the next 7 days (the floor's today and the six
  days after it), broken this month (due this calendar month and marked broken);
- disputes and complaints still open (counts).

Placed, collected, liquidation and the promises come from what the `reports` job keeps on each run (storage/
portfolio_store.py, the same groupings as counted live, so the figures are the same as counting now would
have given at the job's run; the page says "as of" then); before the job's first run they are counted live.
At 1,000,000 accounts counting them live takes seconds (every account read), reading them a few dozen rows.
Open disputes and complaints are counted live, one grouped SQL query each, filtered by their case through
the creditor's cases; no row of the raw history passes through Python.
Only a creditor's viewer has a portal (services/portfolio.py `require_portfolio`); anyone else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from huikuan.domain.disputes import OPEN_COMPLAINT, OPEN_DISPUTE
from huikuan.domain.enums import PromiseStatus
from huikuan.domain.money import Money
from huikuan.services.access import Viewer
from huikuan.services.clock import floor_today
from huikuan.services.portfolio import require_portfolio
from huikuan.storage import portfolio_store
from huikuan.storage import tables as t
from huikuan.storage.portfolio_store import PaidRow, PlacedRow, PromiseRow
from huikuan.storage.uow import UnitOfWork

VINTAGE_MONTHS = 6  # columns of months since placement: 0 (the placement month) to 5
PROMISES_AHEAD_DAYS = 7
BP = 10_000  # basis points in one


def ratio_bp(part: int, whole: int) -> int | None:
    """part / whole in basis points, rounded down; None when nothing was placed."""
    return None if whole <= 0 else part * BP // whole


def _money(values: dict[str, int]) -> list[dict[str, Any]]:
    return [{"amount": str(Money(v, c).amount), "minor": v, "currency": c} for c, v in sorted(values.items())]


@dataclass(frozen=True)
class Vintage:
    """The accounts placed in one month (None: placed before the day was recorded) in one currency."""

    month: str | None  # YYYY-MM
    currency: str
    accounts: int
    placed: int
    collected: int
    by_age: tuple[int | None, ...]  # cumulative collected at 0..VINTAGE_MONTHS-1 months; None: not yet

    @property
    def liquidation_bp(self) -> int | None:
        return ratio_bp(self.collected, self.placed)

    @property
    def curve_bp(self) -> tuple[int | None, ...]:
        return tuple(None if v is None else ratio_bp(v, self.placed) for v in self.by_age)

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "currency": self.currency,
            "accounts": self.accounts,
            "placed": self.placed,
            "collected": self.collected,
            "liquidation_bp": self.liquidation_bp,
            "curve_bp": list(self.curve_bp),
        }


@dataclass(frozen=True)
class Glance:
    today: date
    as_of: datetime | None  # placed, collected, liquidation, promises as the reports job kept them; None: now
    accounts: int
    open_accounts: int
    placed: dict[str, int]  # currency -> minor units
    open_balance: dict[str, int]
    collected: dict[str, int]
    vintages: tuple[Vintage, ...]
    promises_pending: int
    promised: dict[str, int]  # what is left of the pending promises
    promises_due_soon: int
    due_soon: dict[str, int]
    promises_broken: int  # due this month, broken
    broken: dict[str, int]
    disputes_open: int
    complaints_open: int

    def liquidation_bp(self, currency: str) -> int | None:
        return ratio_bp(self.collected.get(currency, 0), self.placed.get(currency, 0))

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.placed) | set(self.collected))

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "as_of": None if self.as_of is None else self.as_of.isoformat(timespec="seconds"),
            "accounts": self.accounts,
            "open_accounts": self.open_accounts,
            "placed": _money(self.placed),
            "open_balance": _money(self.open_balance),
            "collected": _money(self.collected),
            "liquidation_bp": {c: self.liquidation_bp(c) for c in self.currencies},
            "vintages": [v.to_dict() for v in self.vintages],
            "vintage_months": VINTAGE_MONTHS,
            "promises": {
                "pending": self.promises_pending,
                "pending_amount": _money(self.promised),
                "due_next_7_days": self.promises_due_soon,
                "due_next_7_days_amount": _money(self.due_soon),
                "broken_this_month": self.promises_broken,
                "broken_this_month_amount": _money(self.broken),
            },
            "disputes_open": self.disputes_open,
            "complaints_open": self.complaints_open,
        }


def _month_name(index: int | None) -> str | None:
    return None if index is None else f"{index // 12:04d}-{index % 12 + 1:02d}"


def glance(uow: UnitOfWork, viewer: Viewer, *, now: datetime | None = None, live: bool = False) -> Glance:
    """The viewer's creditor's portfolio at a glance (see the module's docstring): placed, collected,
    liquidation and promises as the `reports` job last kept them (`as_of`; the promises' windows are read
    against today), or counted now if it never has (or `live`); open disputes and complaints counted now."""
    require_portfolio(viewer)
    assert viewer.creditor_id is not None
    creditor_id = viewer.creditor_id
    today = floor_today((now or datetime.now(UTC)).astimezone(UTC))
    conn = uow.session.connection()
    kept_groups = None if live else portfolio_store.kept(conn, creditor_id)
    as_of, groups = (None, portfolio_store.live(conn, creditor_id)) if kept_groups is None else kept_groups
    vintages, open_rows, collected = _vintages(groups.placed, groups.paid, today)
    promises = _promises(groups.promises, today)
    disputes, complaints = _open_counts(uow, creditor_id)
    placed: dict[str, int] = {}
    for v in vintages:  # one per placement month and currency: a few dozen at most
        placed[v.currency] = placed.get(v.currency, 0) + v.placed
    open_n: dict[str, int] = {}
    open_balance: dict[str, int] = {}
    for currency, n, balance in open_rows:
        open_n[currency] = open_n.get(currency, 0) + n
        open_balance[currency] = open_balance.get(currency, 0) + balance
    return Glance(
        today=today,
        as_of=as_of,
        accounts=sum(v.accounts for v in vintages),
        open_accounts=sum(open_n.values()),
        placed=placed,
        open_balance={c: b for c, b in open_balance.items() if open_n[c]},
        collected=collected,
        vintages=vintages,
        disputes_open=disputes,
        complaints_open=complaints,
        **promises,
    )


def _vintages(
    placed: list[PlacedRow], paid: list[PaidRow], today: date
) -> tuple[tuple[Vintage, ...], list[tuple[str, int, int]], dict[str, int]]:
    """Placed and collected by placement month and currency, collected by months since placement; from the
    same groups, the open accounts and their balance (currency, count, balance) of each such group, and
    what was collected in all by currency."""
    by_key: dict[tuple[int | None, str], dict[int, int]] = {}
    collected: dict[str, int] = {}
    for m, age, currency, amount in paid:  # one row per month, age and currency: a few dozen at most
        collected[currency] = collected.get(currency, 0) + amount
        ages = by_key.setdefault((m, currency), {})
        step = max(int(age or 0), 0)
        ages[step] = ages.get(step, 0) + amount
    this_month = today.year * 12 + today.month - 1
    out = []
    open_rows = []
    for m, currency, n, total, open_n, open_balance in placed:
        open_rows.append((currency, open_n, open_balance))
        ages = by_key.get((m, currency), {})
        curve: list[int | None] = []
        running = 0
        for step in range(VINTAGE_MONTHS):
            running += ages.get(step, 0)
            curve.append(None if m is None or m + step > this_month else running)
        out.append(
            Vintage(
                month=_month_name(m),
                currency=currency,
                accounts=n,
                placed=total,
                collected=sum(ages.values()),
                by_age=tuple(curve),
            )
        )
    newest_first = tuple(sorted(out, key=lambda v: (v.month or "", v.currency), reverse=True))
    return newest_first, open_rows, collected


def _promises(rows: list[PromiseRow], today: date) -> dict[str, Any]:
    """Pending promises (count and what is left), those due today and the six days after, and those due
    this month and broken, by currency; from the promises grouped by status, due day and currency."""
    first = today.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    soon_end = today + timedelta(days=PROMISES_AHEAD_DAYS)
    out: dict[str, Any] = {
        "promises_pending": 0,
        "promised": {},
        "promises_due_soon": 0,
        "due_soon": {},
        "promises_broken": 0,
        "broken": {},
    }
    for status, due, currency, n, left in rows:  # one per status, due day and currency
        if status == PromiseStatus.PENDING.value:
            out["promises_pending"] += n
            out["promised"][currency] = out["promised"].get(currency, 0) + left
            if today <= due < soon_end:
                out["promises_due_soon"] += n
                out["due_soon"][currency] = out["due_soon"].get(currency, 0) + left
        elif status == PromiseStatus.BROKEN.value and first <= due < after:
            out["promises_broken"] += n
            out["broken"][currency] = out["broken"].get(currency, 0) + left
    return out


def _open_counts(uow: UnitOfWork, creditor_id: int) -> tuple[int, int]:
    c, d, k = t.cases.c, t.disputes.c, t.complaints.c
    mine = select(c.id).where(c.creditor_id == creditor_id)
    disputes = uow.session.execute(
        select(func.count()).where(d.case_id.in_(mine), d.status.in_([s.value for s in OPEN_DISPUTE]))
    ).scalar_one()
    complaints = uow.session.execute(
        select(func.count()).where(k.case_id.in_(mine), k.status.in_([s.value for s in OPEN_COMPLAINT]))
    ).scalar_one()
    return int(disputes), int(complaints)


__all__ = ["PROMISES_AHEAD_DAYS", "VINTAGE_MONTHS", "Glance", "Vintage", "glance", "ratio_bp"]
