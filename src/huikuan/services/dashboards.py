"""The dashboards (/reports for supervisors and admins, /reports/me for a collector; docs/dashboards.md):
the measures of services/report_kpis.py, the only door they read through (never the raw history), with
what the pages need beside them: the filters one may pick, the names of the split's keys, the chart
series, and when the `reports` job last ran.

Who sees what is the KPI service's rule: an administrator or a supervisor the creditors it serves, a
supervisor of a team its own team and its members when it narrows the view (another team: not found); a
collector its own figures and its team's totals only; a creditor's viewer has its portal (/portfolio).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from huikuan.domain.call_review import week_of
from huikuan.domain.enums import Channel, Role
from huikuan.domain.ids import MAX_ID
from huikuan.domain.money import Money
from huikuan.domain.reports import BUCKET_NAMES, CLOSED, PERIODS
from huikuan.errors import Forbidden, InvalidInput
from huikuan.services.access import Viewer, creditor_scope, require_supervisor
from huikuan.services.call_reviews import Review, Trend, my_reviews, score_trends
from huikuan.services.clock import floor_today
from huikuan.services.report_kpis import KpiQuery, kpis, team_kpis
from huikuan.services.workload import pickable_teams
from huikuan.storage import tables as t
from huikuan.storage.report_store import SPLITS
from huikuan.storage.uow import UnitOfWork

CHANNELS = tuple(c.value for c in Channel)
ROLL_BUCKETS = (*BUCKET_NAMES, CLOSED)


@dataclass(frozen=True)
class DashboardAsk:
    """The floor dashboard's filters, as the URL gives them (each None: the default)."""

    creditor: str | None = None
    team: int | None = None
    collector: int | None = None
    channel: str | None = None
    first: date | None = None
    last: date | None = None
    group_by: str = "day"
    split: str = "collector"
    product: str | None = None
    segment: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> DashboardAsk:
        """The filters as the address gives them (blank: the default); InvalidInput names a bad one."""

        def text(name: str) -> str | None:
            return str(params.get(name) or "").strip() or None

        return cls(
            text("creditor"),
            _id(text("team")),
            _id(text("collector")),
            text("channel"),
            _day(text("from")),
            _day(text("to")),
            text("group_by") or "day",
            text("split") or "collector",
            text("product"),
            text("segment"),
        )

    def query(self) -> dict[str, str]:
        """The filters as an address's query (what a link to an export of this view keeps)."""
        values = {
            "creditor": self.creditor,
            "team": self.team,
            "collector": self.collector,
            "channel": self.channel,
            "from": self.first,
            "to": self.last,
            "group_by": self.group_by,
            "split": self.split,
            "product": self.product,
            "segment": self.segment,
        }
        return {k: str(v) for k, v in values.items() if v is not None and v != ""}


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("{value} is not a date (YYYY-MM-DD)", value=text) from None


def _id(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise InvalidInput("{value} is not an id", value=text)
    return int(text)


@dataclass
class Dashboard:
    ask: DashboardAsk
    answer: dict[str, Any]  # the KPI service's answer (periods by group_by, groups by split)
    computed_at: datetime | None  # the reports job's last run; None: it has not run yet
    creditors: list[tuple[str, str]] = field(default_factory=list)  # (code, name) one may pick
    teams: list[tuple[int, str]] = field(default_factory=list)
    collectors: list[tuple[int, str]] = field(default_factory=list)
    names: dict[Any, str] = field(default_factory=dict)  # the split's keys named
    channels: tuple[str, ...] = CHANNELS
    group_bys: tuple[str, ...] = PERIODS
    splits: tuple[str, ...] = tuple(SPLITS)
    roll_buckets: tuple[str, ...] = ROLL_BUCKETS
    reviews: Trend | None = (
        None  # average call-review score per collector per week (services/call_reviews.py)
    )

    @property
    def currencies(self) -> list[str]:
        return [m["currency"] for m in self.answer["measures"]["money"]]

    def chart(self) -> dict[str, Any]:
        """The series the page's charts draw (static/charts.js): by period, collected (major units, one
        series per currency) and contacts; refusals by rule; liquidation by months since placement."""
        periods = self.answer.get("periods", [])
        collected = {
            cur: [_major(_money_of(p["measures"], cur, "net_collected"), cur) for p in periods]
            for cur in self.currencies
        }
        vintages = [
            {
                "name": f"{v['placed_month']} {v['currency']}",
                "points": [
                    [p["months_since_placement"], _percent(p["liquidation"]["value"])] for p in v["points"]
                ],
            }
            for v in self.answer["vintages"]
        ]
        return {
            "periods": [p["period"] for p in periods],
            "contacts": [p["measures"]["counts"]["contacts"] for p in periods],
            "attempts": [p["measures"]["counts"]["attempts"] for p in periods],
            "collected": collected,
            "refusals": sorted(self.answer["refusals_by_rule"].items(), key=lambda kv: -kv[1]),
            "vintages": vintages,
        }


def floor_dashboard(
    uow: UnitOfWork, viewer: Viewer, ask: DashboardAsk, today: date | None = None
) -> Dashboard:
    """The floor's dashboard: the measures of the filters, by period and split (supervisors, admins)."""
    require_supervisor(viewer)
    query = KpiQuery(
        ask.creditor,
        ask.first,
        ask.last,
        ask.team,
        ask.collector,
        ask.channel,
        ask.group_by,
        ask.split,
        ask.product,
        ask.segment,
    )
    answer = kpis(uow, viewer, query, today)
    shown = Dashboard(ask, answer, _instant(answer["computed_at"]))
    shown.creditors = _creditors(uow, viewer)
    shown.teams = pickable_teams(uow, viewer)
    shown.collectors = _collectors(uow, viewer)
    shown.names = _names(uow, ask.split, [g["key"] for g in answer.get("groups", [])])
    shown.reviews = score_trends(uow, viewer, week_of(ask.last or today or floor_today()))
    return shown


@dataclass
class MyResults:
    """A collector's figures this month against its team's (totals, and per collector)."""

    first: date
    last: date
    mine: dict[str, Any]  # the KPI service's answer for the collector
    team: dict[str, Any]  # the team's measures
    collectors: int  # the team's active collectors
    computed_at: datetime | None
    reviews: list[Review] = field(default_factory=list)  # my scored calls, newest first (read-only)
    review_trend: Trend | None = None  # my average call-review score per week

    def team_average(self, currency: str) -> int | None:
        """The team's net collected per collector, minor units rounded down."""
        if not self.collectors:
            return None
        return _money_of(self.team, currency, "net_collected") // self.collectors

    @property
    def currencies(self) -> list[str]:
        mine = [m["currency"] for m in self.mine["measures"]["money"]]
        return sorted({*mine, *(m["currency"] for m in self.team["money"])})

    def chart(self) -> dict[str, Any]:
        """Rates side by side: mine against my team's (percentages)."""
        names = ("contact_rate", "right_party_contact_rate", "promise_rate", "promise_kept_rate")
        mine, team = self.mine["measures"]["rates"], self.team["rates"]
        return {
            "rates": list(names),
            "mine": [_percent(mine[n]["value"]) for n in names],
            "team": [_percent(team[n]["value"]) for n in names],
        }

    def money_of(self, currency: str) -> int:
        return _money_of(self.mine["measures"], currency, "net_collected")


def my_results(uow: UnitOfWork, viewer: Viewer, today: date | None = None) -> MyResults:
    """A collector's results this month (the first of the month to today) against its team's."""
    if viewer.role is not Role.COLLECTOR:
        raise Forbidden("This page shows a collector's own results")
    last = today or floor_today()
    first = last.replace(day=1)
    mine = kpis(uow, viewer, KpiQuery(first=first, last=last), last)
    team = team_kpis(uow, viewer, first, last)
    return MyResults(
        first,
        last,
        mine,
        team["measures"],
        team["collectors"],
        _instant(mine["computed_at"]),
        my_reviews(uow, viewer),
        score_trends(uow, viewer, week_of(last)),
    )


def _money_of(measures: dict[str, Any], currency: str, name: str) -> int:
    for row in measures["money"]:
        if row["currency"] == currency:
            return int(row[name] or 0)
    return 0


def _major(minor: int, currency: str) -> str:
    return str(Money(minor, currency).amount)


def _percent(value: str | None) -> str | None:
    return None if value is None else str((Decimal(value) * 100).quantize(Decimal("0.01")))


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _creditors(uow: UnitOfWork, viewer: Viewer) -> list[tuple[str, str]]:
    cr = t.creditors.c
    query = select(cr.code, cr.name).where(creditor_scope(viewer, cr.id)).order_by(cr.code)
    return [(str(r.code), str(r.name)) for r in uow.session.execute(query)]


def _collectors(uow: UnitOfWork, viewer: Viewer) -> list[tuple[int, str]]:
    """The collectors one may narrow to: a team supervisor's team's, else every one."""
    u = t.users.c
    query = select(u.id, u.display_name).where(u.role == Role.COLLECTOR.value).order_by(u.display_name, u.id)
    if viewer.role is Role.SUPERVISOR and viewer.team_id is not None:
        query = query.where(u.team_id == viewer.team_id)
    return [(int(r.id), str(r.display_name)) for r in uow.session.execute(query)]


def _names(uow: UnitOfWork, split: str, keys: list[Any]) -> dict[Any, str]:
    """The split's keys named: a creditor's code, a team's or a collector's name (a channel is its own)."""
    ids = [k for k in keys if isinstance(k, int)]
    if not ids or split not in ("creditor", "team", "collector"):
        return {}
    table, column = {
        "creditor": (t.creditors, t.creditors.c.code),
        "team": (t.teams, t.teams.c.name),
        "collector": (t.users, t.users.c.display_name),
    }[split]
    rows = uow.session.execute(select(table.c.id, column).where(table.c.id.in_(ids)))
    return {int(i): str(name) for i, name in rows}
