"""Times the creditor's portal: its landing page's figures at a glance (services/portal.py `glance`) and the
first page of its accounts with their last action (services/portal_accounts.py), on SQLite and PostgreSQL.

    .venv/bin/python bench/portal_bench.py [--accounts 20000] [--db both|sqlite|postgresql] [--runs 20]
                                           [--pg-url URL] [--rebuild]

The databases are built once and kept (bench/out/portal-N.sqlite; `hk_bench_portal` on the server of
--pg-url): the daily-plan benchmark's portfolio (bench/make_portfolio.py: one `cn` creditor, its accounts,
cases, two interactions per account over 90 days, the promises and the payments that kept them), the
accounts' placement days spread over the twelve months before today, one case in eleven moved to a second
creditor (whose rows the first creditor's queries must skip: --accounts is the first creditor's share), and
the first creditor's viewer.
Timed, --runs times after a warm-up, through the services the pages and the API call. Reported, no target
yet (the reports issue sets one for the dashboards).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from common import database_args, kept_database, kinds, machine, report, timed
from make_portfolio import CREDITOR, make_portfolio  # bench/ is on the path when this script runs
from sqlalchemy import Engine, func, select, update

from huikuan.storage import tables as t
from huikuan.storage.engine import make_engine

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/hk_bench_portal"


def _fill(engine: Engine, accounts: int) -> dict[str, Any]:
    from huikuan.services.creditors import add_creditor
    from huikuan.services.users import add_user
    from huikuan.storage.uow import UnitOfWork

    today = datetime.now(UTC).date()
    counts = make_portfolio(engine, accounts + accounts // 10, seed=11, today=today, per_account=2.0)
    with UnitOfWork(engine) as uow:
        add_user(uow, "bench_viewer", "bench-password-1", role="creditor_viewer", creditor_code=CREDITOR)
        other = add_creditor(uow, "OTHER", name="另一家", region="CN", currency="CNY", pack="cn")
        uow.commit()
    a, c, d, p = t.accounts.c, t.cases.c, t.debtors.c, t.payments.c
    with engine.begin() as conn:
        for month in range(12):  # each account placed on the first of one of the last twelve months
            day = (today.replace(day=1) - timedelta(days=31 * month)).replace(day=1)
            conn.execute(update(t.accounts).where(a.id % 12 == month).values(placed_on=day))
        # One case in eleven belongs to another creditor: its rows are there for the queries to skip.
        moved = select(c.id).where(c.id % 11 == 0).scalar_subquery()
        conn.execute(update(t.accounts).where(a.case_id.in_(moved)).values(creditor_id=other.id))
        conn.execute(update(t.payments).where(p.case_id.in_(moved)).values(creditor_id=other.id))
        conn.execute(
            update(t.debtors)
            .where(d.id.in_(select(c.debtor_id).where(c.id % 11 == 0)))
            .values(creditor_id=other.id)
        )
        conn.execute(update(t.cases).where(c.id % 11 == 0).values(creditor_id=other.id))
        counts["viewers_accounts"] = conn.execute(
            select(func.count()).select_from(t.accounts).where(a.creditor_id == 1)
        ).scalar_one()
    return counts


def database(kind: str, accounts: int, pg_url: str, rebuild: bool) -> str:
    name = f"portal-{accounts}.sqlite"
    url, _built = kept_database(kind, name, pg_url, rebuild, lambda engine: _fill(engine, accounts))
    return url


def _time(runs: int, call: Callable[[], Any]) -> dict[str, float]:
    return timed(runs, call, warm_up=2)


def bench(url: str, runs: int) -> dict[str, Any]:
    from huikuan.services.access import get_viewer
    from huikuan.services.portal import glance
    from huikuan.services.portal_accounts import portal_accounts
    from huikuan.storage.uow import UnitOfWork

    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        user = uow.session.execute(
            select(t.users.c.id).where(t.users.c.username == "bench_viewer")
        ).scalar_one()
        viewer = get_viewer(uow, user)
        shown = glance(uow, viewer)
        out: dict[str, Any] = {
            "accounts": shown.accounts,
            "collected": shown.collected,
            "vintages": len(shown.vintages),
            "glance": _time(runs, lambda: glance(uow, viewer)),
            "accounts_first_page": _time(runs, lambda: portal_accounts(uow, viewer)),
            "accounts_open_by_placement": _time(
                runs, lambda: portal_accounts(uow, viewer, status="open", sort="-placed")
            ),
        }
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    database_args(parser, DEFAULT_PG, "both")
    args = parser.parse_args()
    for kind in kinds(args.db):
        url = database(kind, args.accounts, args.pg_url, args.rebuild)
        report(f"portal-{args.accounts}-{kind}", {"db": kind, **machine(), **bench(url, args.runs)})


if __name__ == "__main__":
    main()
