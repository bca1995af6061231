"""Champion against challenger as the `reports` job keeps it: by calendar month, a case once per month, so
the dashboard reads a few kept rows; the figures equal those computed live, case by case from the plan
rows, payments and promises, for every scope the reports offer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from tests.support.factories import cli, cli_json
from tests.support.web import login_client

from huikuan.domain.reports import month_end
from huikuan.services.clock import floor_zone
from huikuan.services.strategy_compare import case_rows, figures, strategies
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.report_store import Scope
from huikuan.storage.uow import UnitOfWork
from huikuan.web.app import create_app

TOTALS = ("cases", "plan_rows", "collected", "collected_squares", "promised", "paid")


def _plan(day: date) -> None:
    code, summary = cli_json(
        "plan",
        "--date",
        day.isoformat(),
        "--now",
        f"{day.isoformat()}T00:00:00Z",
        "--strategy",
        "optimized",
        "--challenger",
        "balance-first",
        "--share",
        "0.3",
    )
    assert code == 0, summary


def _scopes(engine: Engine) -> list[Scope]:
    """Every creditor, each creditor, collector, team, segment and product of the portfolio."""
    with engine.connect() as conn:
        creditors = conn.execute(select(t.creditors.c.id)).scalars().all()
        users = conn.execute(select(t.plan_rows.c.user_id).distinct()).scalars().all()
        assigned = conn.execute(select(t.cases.c.assigned_user_id).distinct()).scalars().all()
        teams = conn.execute(select(t.users.c.team_id).where(t.users.c.team_id.is_not(None))).scalars().all()
        segments = conn.execute(select(func.coalesce(t.cases.c.segment, "")).distinct()).scalars().all()
        products = conn.execute(select(t.accounts.c.product).distinct()).scalars().all()
    return [
        Scope(),
        *(Scope(creditor_ids=(c,)) for c in creditors),
        *(Scope(user_id=u) for u in {*users, *assigned} if u is not None),
        *(Scope(team_id=team) for team in set(teams)),
        *(Scope(segment=s) for s in segments),
        *(Scope(product=p) for p in products),
    ]


def _summed(months: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Live sums per strategy and currency of several months added up (a case once in each month)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for rows in months:
        for row in rows:
            key = (row["strategy"], row["currency"])
            into = out.setdefault(key, {"strategy": key[0], "currency": key[1], **dict.fromkeys(TOTALS, 0)})
            for name in TOTALS:
                into[name] += row[name]
    return list(out.values())


def test_the_kept_comparison_equals_the_live_one_month_by_month_in_every_scope(
    engine: Engine, db_env: str
) -> None:
    assert cli("demo", "--accounts", "300", "--seed", "5").exit_code == 0
    today = datetime.now(UTC).date()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    # two plans last month (a case counts once there, for its latest row) and one this month
    for day in (last_month + timedelta(days=20), last_month + timedelta(days=21), this_month):
        _plan(day)
    now = datetime.combine(today, time(23, 0), UTC)
    code, done = cli_json("reports", "refresh", "--from", last_month.isoformat(), "--now", now.isoformat())
    assert code == 0 and done["strategy_rows"] > 0, done

    zone = floor_zone()
    by_strategy = ("strategy", "currency")
    last_end = month_end(last_month)
    with engine.connect() as conn:
        scopes = _scopes(engine)
        for scope in scopes:
            earlier = case_rows(conn, scope, last_month, last_end, zone, by_strategy)
            later = case_rows(conn, scope, this_month, min(month_end(this_month), today), zone, by_strategy)
            assert strategies(conn, scope, last_month, last_end) == figures(earlier), scope
            assert strategies(conn, scope, this_month, today) == figures(later), scope
            # a period of two months: each month's cases, added up; any day of a month takes it whole
            both = strategies(conn, scope, last_month + timedelta(days=9), today)
            assert both == figures(_summed([earlier, later])), scope
        whole = figures(case_rows(conn, Scope(), last_month, last_end, zone, by_strategy))
    assert len(scopes) > 8
    champion, challenger = whole[0], whole[1]
    assert (champion["strategy"], challenger["strategy"]) == ("optimized", "balance-first")
    assert champion["cases"] > challenger["cases"] > 1  # each case once, though planned twice
    assert challenger["difference"] is not None  # an interval of the mean: both arms have cases
    assert champion["collected"] + challenger["collected"] > 0


def test_the_dashboard_reads_the_kept_figures_and_says_which_months_they_cover(
    engine: Engine, db_env: str
) -> None:
    """A plan made after the job's run shows on its next run; the API names the whole months counted."""
    assert cli("demo", "--accounts", "60", "--seed", "3").exit_code == 0
    today = datetime.now(UTC).date()
    with UnitOfWork(engine) as uow:
        add_user(uow, "ada", "ada-password-1", role="admin")
        uow.commit()
    _plan(today)
    client = login_client(create_app(db_env), "ada", password="ada-password-1")
    path = f"/api/v1/reports/kpis?from={today}&to={today}"
    before = client.get(path).json()
    assert before["strategies"] == []  # the job has not run since the plan
    now = datetime.combine(today, time(23, 0), UTC)
    assert cli("reports", "refresh", "--from", today.isoformat(), "--now", now.isoformat()).exit_code == 0
    answer = client.get(path).json()
    month = today.replace(day=1)
    assert answer["strategies_months"] == {"from": month.isoformat(), "to": month_end(month).isoformat()}
    with engine.connect() as conn:
        live = figures(case_rows(conn, Scope(), month, today, floor_zone(), ("strategy", "currency")))
    assert answer["strategies"] == live and sum(s["cases"] for s in live) > 0
    page = client.get(f"/reports?from={today}&to={today}")
    assert page.status_code == 200 and 'data-testid="reports-strategies-months"' in page.text
    assert month.isoformat() in page.text
