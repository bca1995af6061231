"""The measures of a scope and period (GET /api/v1/reports/kpis; docs/reports.md), read from the reports'
own tables only (services/reports.py keeps them), never from the raw history.

Who sees what: an administrator or a supervisor the creditors it serves (services/access.py); a
creditor's viewer its own creditor only (another creditor's code: not found); a collector its own
figures only (the figures counted for it; another collector: not found). A supervisor of a team sees
its own team's figures (what is counted for its members), as on the workload page; another team or
another team's collector: not found. An administrator, or a supervisor of no team, sees every team's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from huikuan.domain.enums import Role
from huikuan.domain.reports import (
    COUNTS,
    PERIODS,
    add_counters,
    cures,
    money,
    month_end,
    per_collector_hour,
    per_thousand,
    period_start,
    rates,
    roll_matrix,
    vintage_curves,
)
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, serves
from huikuan.services.channel_costs import costs_of
from huikuan.services.clock import floor_today
from huikuan.services.reports import JOB
from huikuan.services.strategy_compare import months_of, strategies
from huikuan.storage import tables as t
from huikuan.storage.report_store import (
    SPLITS,
    Scope,
    daily_sums,
    hours_sum,
    month_ends,
    period_sums,
    refusal_sums,
    roll_pairs,
    vintage_points,
)
from huikuan.storage.uow import UnitOfWork

MAX_DAYS = 3660  # ten years in one answer


@dataclass(frozen=True)
class KpiQuery:
    """What a report asks for; each None: the default (every creditor served, this month to today)."""

    creditor: str | None = None
    first: date | None = None
    last: date | None = None
    team: int | None = None
    collector: int | None = None
    channel: str | None = None
    group_by: str | None = None  # day, week, month
    split: str | None = None  # creditor, team, collector, channel, product, segment
    product: str | None = None
    segment: str | None = None  # "": cases of no segment


def kpis(uow: UnitOfWork, viewer: Viewer, ask: KpiQuery, today: date | None = None) -> dict[str, Any]:
    """The measures of docs/reports.md for the viewer's scope narrowed by `ask`."""
    today = today or floor_today()
    last = ask.last or today
    first = ask.first or last.replace(day=1)
    if first > last or (last - first).days > MAX_DAYS:
        raise InvalidInput("The period runs from a day to a later one, {days} days at most", days=MAX_DAYS)
    if ask.group_by is not None and ask.group_by not in PERIODS:
        raise InvalidInput("Group by day, week or month")
    if ask.split is not None and ask.split not in SPLITS:
        raise InvalidInput("Split by creditor, team, collector, channel, product or segment")
    scope, code = _scope(uow, viewer, ask)
    conn = uow.reads()  # the replica's, if there is one: the figures are the reports job's, never fresher
    # Summed in SQL, never one row per day and split key to Python (at 1,000,000 accounts ~45,000 rows
    # for 90 days by collector): by period and currency for the periods, by split key and currency over
    # the whole period for the groups; whole weeks from the weekly roll-up (storage/report_store.py).
    by_day = period_sums(conn, scope, first, last, None, ask.group_by) if ask.group_by else None
    by_key = period_sums(conn, scope, first, last, ask.split, None) if ask.split else None
    rows = by_day if by_day is not None else by_key
    if rows is None:
        rows = period_sums(conn, scope, first, last, None, None)
    costs = costs_of(conn, scope, first, last)
    figures = measures(rows)
    answer: dict[str, Any] = {
        "scope": {
            "creditor": code,
            "team": scope.team_id,
            "collector": scope.user_id,
            "channel": scope.channel,
            "product": scope.product,
            "segment": scope.segment,
        },
        "from": first.isoformat(),
        "to": last.isoformat(),
        "computed_at": _computed_at(conn),
        "measures": figures,
        "refusals_by_rule": refusal_sums(conn, scope, first, last),
        "roll_rates": _rolls(conn, scope, first, last),
        "vintages": vintage_curves(vintage_points(conn, scope, last)),
        "costs": costs,
        "collector_hours": _hours(viewer, conn, scope, first, last, figures, costs),
        "strategies": strategies(conn, scope, first, last),
        "strategies_months": _months(first, last),
    }
    if by_day is not None:
        answer["periods"] = _grouped(
            by_day, lambda r: period_start(_day(r["day"]), ask.group_by or "day").isoformat()
        )
    if by_key is not None:
        answer["groups"] = _grouped(by_key, lambda r: r["key"], key_name="key")
    return answer


def _hours(
    viewer: Viewer,
    conn: Any,
    scope: Scope,
    first: date,
    last: date,
    figures: dict[str, Any],
    costs: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """Per collector-hour (docs/reports.md): the scope's collectors' logged-in hours and the scope's
    contacts, net collected (`figures`: the period's `measures`) and channel costs per hour. Not shown to
    a creditor's viewer (the agency's staffing is not the creditor's)."""
    if viewer.role is Role.CREDITOR_VIEWER:
        return None
    net = {m["currency"]: m["net_collected"] for m in figures["money"]}
    cost: dict[str, int] = {}
    for row in costs:
        cost[row["currency"]] = cost.get(row["currency"], 0) + int(row["cost"])
    return per_collector_hour(hours_sum(conn, scope, first, last), figures["counts"]["contacts"], net, cost)


def measures(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts, rates and money (per currency) of summed daily rows."""
    by_currency: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_currency.setdefault(row["currency"], []).append(row)
    summed = {currency: add_counters(items) for currency, items in sorted(by_currency.items())}
    total = add_counters(summed.values())  # each row is added up once: per currency, then those few
    return {
        "counts": {name: total[name] for name in COUNTS},
        "rates": {name: rate.to_dict() for name, rate in rates(total).items()},
        "per_1000_contacts": {
            "disputes": per_thousand(total["disputes"], total["contacts"]),
            "complaints": per_thousand(total["complaints"], total["contacts"]),
        },
        "money": [{"currency": currency, **money(counters)} for currency, counters in summed.items()],
    }


def _grouped(rows: list[dict[str, Any]], key: Any, key_name: str = "period") -> list[dict[str, Any]]:
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, str(item[0])))
    return [{key_name: k, "measures": measures(items)} for k, items in ordered]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _scope(uow: UnitOfWork, viewer: Viewer, ask: KpiQuery) -> tuple[Scope, str | None]:
    """The scope the viewer may see, narrowed by the query; what it may not see is not found."""
    creditor_ids: tuple[int, ...] | None
    if ask.creditor is not None:
        row = uow.session.execute(
            select(t.creditors.c.id).where(t.creditors.c.code == ask.creditor)
        ).one_or_none()
        if row is None or not serves(viewer, row.id):
            raise NotFound("There is no such creditor")
        creditor_ids = (row.id,)
    elif viewer.role is Role.CREDITOR_VIEWER:
        creditor_ids = (viewer.creditor_id or 0,)
    else:
        creditor_ids = None if viewer.creditors is None else tuple(sorted(viewer.creditors))
    user_id = ask.collector
    team_id = ask.team
    if viewer.role is Role.SUPERVISOR and viewer.team_id is not None:
        if team_id not in (None, viewer.team_id) or not _in_team(uow, user_id, viewer.team_id):
            raise NotFound("There is no such team or collector")
        team_id = viewer.team_id
    if viewer.role is Role.COLLECTOR:
        if user_id not in (None, viewer.user_id) or team_id not in (None, viewer.team_id):
            raise NotFound("There is no such collector")
        user_id = viewer.user_id
    return Scope(creditor_ids, team_id, user_id, ask.channel, ask.product, ask.segment), ask.creditor


def _in_team(uow: UnitOfWork, user_id: int | None, team_id: int) -> bool:
    if user_id is None:
        return True
    u = t.users.c
    found = uow.session.execute(select(u.id).where(u.id == user_id, u.team_id == team_id)).first()
    return found is not None


def team_kpis(uow: UnitOfWork, viewer: Viewer, first: date, last: date) -> dict[str, Any]:
    """A collector's team's measures over first..last (within the creditors the collector serves) and
    how many active collectors the team has: what `/reports/me` sets a collector's own figures against.
    The team's totals only: no other member's own figures, refusals, roll rates or vintages."""
    if viewer.team_id is None:
        return {"measures": measures([]), "collectors": 0}
    u = t.users.c
    members = uow.session.execute(
        select(func.count())
        .select_from(t.users)
        .where(u.team_id == viewer.team_id, u.role == Role.COLLECTOR.value, u.active.is_(True))
    ).scalar_one()
    creditors = None if viewer.creditors is None else tuple(sorted(viewer.creditors))
    rows = daily_sums(uow.reads(), Scope(creditors, viewer.team_id), first, last, None)
    return {"measures": measures(rows), "collectors": int(members)}


def _rolls(conn: Connection, scope: Scope, first: date, last: date) -> list[dict[str, Any]]:
    """The roll rates into each month-end of the period from the month-end before it."""
    earliest = first.replace(day=1) - timedelta(days=1)
    ends = month_ends(conn, earliest, last)
    out = []
    for earlier, later in zip(ends, ends[1:], strict=False):
        if month_end(earlier + timedelta(days=1)) != later or later < first:
            continue
        pairs = roll_pairs(conn, scope, earlier, later)
        out.append(
            {
                "from": earlier.isoformat(),
                "to": later.isoformat(),
                "matrix": roll_matrix(pairs),
                "cures": cures(pairs),
            }
        )
    return out


def _months(first: date, last: date) -> dict[str, str]:
    """The whole calendar months champion against challenger is counted over (a case once per month)."""
    first_month, last_month = months_of(first, last)
    return {"from": first_month.isoformat(), "to": month_end(last_month).isoformat()}


def _computed_at(conn: Connection) -> str | None:
    j = t.job_leases.c
    at = conn.execute(select(j.last_run_at).where(j.name == JOB)).scalar_one_or_none()
    return at.isoformat(timespec="seconds") if at else None
