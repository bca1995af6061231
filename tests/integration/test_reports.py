"""The reports: the `reports` job turns two months of work into daily counters and month-end snapshots,
and every measure GET /api/v1/reports/kpis returns ties to the same measure recomputed from the raw
tables (tests/support/reports.py); a recomputed day replaces its rows; each role sees its own scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.support.factories import cli, cli_json
from tests.support.floor import PASSWORD, Floor
from tests.support.reports import (
    DECEMBER_RUN,
    OCTOBER_RUN,
    PLACED,
    Dimensions,
    Portfolio,
    at,
    bucket,
    november,
    october,
    raw_collected_by_last_channel,
    raw_counts,
    raw_refusals,
)
from tests.support.web import login_client

from huikuan.domain.reports import COUNTERS, COUNTS, period_start
from huikuan.services.report_kpis import measures
from huikuan.services.reports import refresh
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.report_store import Scope, daily_sums
from huikuan.web.app import create_app

FIRST, LAST = date(2026, 10, 1), date(2026, 11, 30)


def _products_and_segments(floor: Floor) -> None:
    """Case A is of segment `early`, its first account a credit card and its second a consumer loan; case
    B of segment `late`, both accounts microloans; the pool's case of no segment, credit cards."""
    a, b, _pool = floor.cases
    c, acc = t.cases.c, t.accounts.c
    session = floor.uow.session
    session.execute(t.cases.update().where(c.id == a.id).values(segment="early"))
    session.execute(t.cases.update().where(c.id == b.id).values(segment="late"))
    second = select(acc.id).where(acc.case_id == a.id).order_by(acc.id.desc()).limit(1).scalar_subquery()
    session.execute(t.accounts.update().where(acc.id == second).values(product="consumer_loan"))
    session.execute(t.accounts.update().where(acc.case_id == b.id).values(product="microloan"))
    floor.uow.commit()


@pytest.fixture
def worked(floor: Floor) -> Portfolio:
    """October's work, the job the morning after; November's, the job (from October 1st) on December 1st;
    and ada, an administrator, who sees every team's figures. The cases have products and segments."""
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    book = october(floor)
    _products_and_segments(floor)
    refresh(floor.uow, OCTOBER_RUN)
    november(floor)
    refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
    return book


def _kpis(db_env: str, user: str, query: str) -> Any:
    client = login_client(create_app(db_env), user)
    return client.get(f"/api/v1/reports/kpis?{query}")


def _rate(answer: dict[str, Any], numerator: int, denominator: int) -> None:
    assert (answer["numerator"], answer["denominator"]) == (numerator, denominator)
    expected = (
        None if denominator == 0 else str((Decimal(numerator) / denominator).quantize(Decimal("0.0001")))
    )
    assert answer["value"] == expected


def test_every_measure_of_the_api_ties_to_the_raw_tables(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    response = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}")
    assert response.status_code == 200, response.text
    answer = response.json()
    raw = raw_counts(floor.uow.session.connection(), worked.bank, FIRST, LAST)
    counts = answer["measures"]["counts"]
    assert counts == {name: raw.get(name, 0) for name in COUNTS}
    assert (
        counts["attempts"] == 7 and counts["payments"] == 4 and counts["paid_off"] == 2
    )  # the book is not empty
    rates = answer["measures"]["rates"]
    _rate(rates["contact_rate"], raw["contacts"], raw["attempts"])
    _rate(rates["right_party_contact_rate"], raw["rpcs"], raw["attempts"])
    _rate(rates["promise_rate"], raw["promises_made"], raw["conversations"])
    resolved = (
        raw.get("promises_kept", 0) + raw.get("promises_partly_kept", 0) + raw.get("promises_broken", 0)
    )
    _rate(rates["promise_kept_rate"], raw.get("promises_kept", 0), resolved)
    _rate(rates["plan_adherence"], raw["planned_made"], raw["planned"])
    per_1000 = answer["measures"]["per_1000_contacts"]
    assert Decimal(per_1000["disputes"]) == (Decimal(raw["disputes"] * 1000) / raw["contacts"]).quantize(
        Decimal("0.01")
    )
    assert Decimal(per_1000["complaints"]) == (Decimal(raw["complaints"] * 1000) / raw["contacts"]).quantize(
        Decimal("0.01")
    )
    net = raw["collected"] - raw["reversed"]
    assert answer["measures"]["money"] == [
        {
            "currency": "CNY",
            "promised": raw["promised_amount"],
            "kept": raw["kept_amount"],
            "collected": raw["collected"],
            "reversed": raw["reversed"],
            "net_collected": net,
            "net_collected_per_contact": net // raw["contacts"],
        }
    ]
    rules: dict[str, int] = {}
    for refused in raw_refusals(floor.uow.session.connection(), worked.bank, FIRST, LAST):
        for rule in refused:
            rules[rule] = rules.get(rule, 0) + 1
    assert answer["refusals_by_rule"] == rules == {"cn.frequency": 1, "cn.hours": 2}


def test_collected_by_channel_follows_the_last_contact_before_each_payment(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}&split=channel").json()
    by_channel = {
        g["key"]: g["measures"]["money"][0]["collected"] for g in answer["groups"] if g["measures"]["money"]
    }
    raw = raw_collected_by_last_channel(floor.uow.session.connection(), worked.bank, FIRST, LAST)
    assert {k: v for k, v in by_channel.items() if v} == raw
    assert set(raw) == {"sms", "visit"}  # the refused call before a payment is not a contact


def test_a_month_grouping_adds_up_to_the_whole_and_each_month_ties_to_the_raw_tables(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}&group_by=month").json()
    months = {p["period"]: p["measures"]["counts"] for p in answer["periods"]}
    conn = floor.uow.session.connection()
    for first, last in ((date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 11, 30))):
        raw = raw_counts(conn, worked.bank, first, last)
        assert months[first.isoformat()] == {name: raw.get(name, 0) for name in COUNTS}
    for name in COUNTS:
        assert sum(m[name] for m in months.values()) == answer["measures"]["counts"][name]


def test_roll_rates_and_vintages_come_from_the_month_end_snapshots(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    answer = _kpis(db_env, "ada", f"creditor=BANK&from=2026-11-01&to={LAST}").json()
    conn = floor.uow.session.connection()
    accounts = list(conn.execute(select(t.accounts).where(t.accounts.c.creditor_id == worked.bank)))
    october_end, november_end = date(2026, 10, 31), date(2026, 11, 30)
    expected: dict[str, dict[str, int]] = {}
    for acc in accounts:  # every BANK account was open at October's end, overdue since August 1st
        before = bucket((october_end - acc.overdue_since).days)
        after = (
            bucket((november_end - acc.overdue_since).days)
            if acc.status == "open" and acc.balance
            else "closed"
        )
        expected.setdefault(before, {}).setdefault(after, 0)
        expected[before][after] += 1
    [roll] = answer["roll_rates"]
    assert (roll["from"], roll["to"]) == ("2026-10-31", "2026-11-30")
    got = {b: {a: r["numerator"] for a, r in row["to"].items()} for b, row in roll["matrix"].items()}
    assert got == expected == {"91-180": {"91-180": 4, "closed": 2}}
    assert roll["cures"] == 0
    allocated = {
        acc.id: sum(
            al.amount
            for al in conn.execute(
                select(t.payment_allocations.c.amount)
                .join(t.payments, t.payments.c.id == t.payment_allocations.c.payment_id)
                .where(t.payment_allocations.c.account_id == acc.id, t.payments.c.status == "posted")
            )
        )
        for acc in accounts
    }
    [curve] = answer["vintages"]
    assert curve["placed_month"] == PLACED.strftime("%Y-%m")
    points = {p["months_since_placement"]: p for p in curve["points"]}
    november_point = points[3]  # August to November
    assert november_point["placed"] == sum(acc.balance + allocated[acc.id] for acc in accounts)
    assert november_point["collected"] == sum(allocated.values())
    assert points[2]["collected"] == 20_000  # what October's payment paid, at October's end


@pytest.mark.usefixtures("worked")
def test_recomputing_gives_the_same_rows(floor: Floor) -> None:
    def rows() -> list[tuple[Any, ...]]:
        conn = floor.uow.session.connection()
        daily = sorted(tuple(str(v) for v in r) for r in conn.execute(select(t.report_daily)))
        refused = sorted(tuple(str(v) for v in r) for r in conn.execute(select(t.report_refusals)))
        ends = sorted(tuple(str(v) for v in r) for r in conn.execute(select(t.account_month_ends)))
        return [*daily, ("--",), *refused, ("--",), *ends]

    before = rows()
    assert before
    done = refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
    assert done["month_end_accounts"] == 0  # a month-end is taken once
    assert rows() == before


def _weeks_of_the_days(
    floor: Floor,
) -> tuple[dict[tuple[Any, ...], list[int]], dict[tuple[Any, ...], list[int]]]:
    """report_daily added up by week (its Monday) and keys, and report_weekly, each keyed alike."""
    conn = floor.uow.session.connection()
    keys = ("creditor_id", "team_id", "user_id", "channel", "currency", "product", "segment")
    added: dict[tuple[Any, ...], list[int]] = {}
    for row in conn.execute(select(t.report_daily)).mappings():
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
        into = added.setdefault((period_start(day, "week"), *(row[k] for k in keys)), [0] * len(COUNTERS))
        for n, name in enumerate(COUNTERS):
            into[n] += row[name]
    kept = {}
    for row in conn.execute(select(t.report_weekly)).mappings():
        week = row["week"] if isinstance(row["week"], date) else date.fromisoformat(str(row["week"]))
        kept[(week, *(row[k] for k in keys))] = [int(row[name]) for name in COUNTERS]
    return added, kept


@pytest.mark.usefixtures("worked")
def test_the_weekly_roll_up_is_the_days_added_up_and_follows_a_recomputed_day(floor: Floor) -> None:
    """Long periods read whole weeks from report_weekly: after each run it holds exactly report_daily's
    rows added up by week and keys, the week of a day recomputed late included."""
    added, kept = _weeks_of_the_days(floor)
    assert kept and kept == added
    floor.uow.session.execute(
        t.job_leases.insert().values(name="reports", last_run_at=DECEMBER_RUN, last_result={})
    )
    floor.uow.commit()
    from huikuan.services.payments import PostPayment, post_payment

    post_payment(
        floor.uow,
        None,
        PostPayment(floor.cases[0].id, 7_000, "cash", "LATE", paid_at=at(date(2026, 11, 20))),
        now=DECEMBER_RUN + timedelta(days=2),
    )
    refresh(floor.uow, DECEMBER_RUN + timedelta(days=2))
    added_after, kept_after = _weeks_of_the_days(floor)
    assert kept_after == added_after and kept_after != kept
    week = date(2026, 11, 16)  # the Monday of November 20th
    collected = COUNTERS.index("collected")
    assert sum(v[collected] for k, v in kept_after.items() if k[0] == week) == 7_000 + sum(
        v[collected] for k, v in kept.items() if k[0] == week
    )


def test_a_long_period_reads_its_whole_weeks_from_the_roll_up(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    """A period's whole weeks come from report_weekly and its other days from report_daily: a figure
    changed in the roll-up alone shows in a period holding that whole week, not in one cutting it."""
    week = date(2026, 10, 19)  # Monday to Sunday the 25th: Tuesday's and Wednesday's calls
    w = t.report_weekly.c
    bank_week = t.report_weekly.update().where(w.week == week, w.creditor_id == worked.bank)
    changed = floor.uow.session.connection().execute(bank_week.values(attempts=w.attempts + 1)).rowcount
    floor.uow.commit()
    whole = _kpis(db_env, "ada", "creditor=BANK&from=2026-10-19&to=2026-10-25").json()
    cut = _kpis(db_env, "ada", "creditor=BANK&from=2026-10-19&to=2026-10-24").json()
    by_day = _kpis(db_env, "ada", "creditor=BANK&from=2026-10-19&to=2026-10-25&group_by=day").json()
    assert changed > 0
    assert whole["measures"]["counts"]["attempts"] == cut["measures"]["counts"]["attempts"] + changed
    assert by_day["measures"]["counts"]["attempts"] == cut["measures"]["counts"]["attempts"] > 0


@pytest.mark.usefixtures("worked")
def test_the_job_recomputes_the_day_of_a_payment_posted_late(floor: Floor) -> None:
    """A payment of November 20th posted on December 3rd: its day is recomputed though long past."""
    floor.uow.session.execute(
        t.job_leases.insert().values(name="reports", last_run_at=DECEMBER_RUN, last_result={})
    )
    floor.uow.commit()
    from huikuan.services.payments import PostPayment, post_payment

    late = date(2026, 11, 20)
    a = floor.cases[0]
    post_payment(
        floor.uow,
        None,
        PostPayment(a.id, 7_000, "cash", "LATE", paid_at=at(late)),
        now=DECEMBER_RUN + timedelta(days=2),
    )
    done = refresh(floor.uow, DECEMBER_RUN + timedelta(days=2))
    assert done["days"] == 4  # December 1st to 3rd, and November 20th
    r = t.report_daily.c
    collected = floor.uow.session.execute(select(r.collected).where(r.day == late)).scalars().all()
    assert sum(collected) == 7_000


@pytest.mark.usefixtures("worked")
def test_a_creditors_viewer_sees_its_own_creditor_and_never_another(db_env: str) -> None:
    assert _kpis(db_env, "vic", "creditor=SHOP").status_code == 404
    own = _kpis(db_env, "vic", f"from={FIRST}&to={LAST}").json()
    bank = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}").json()
    assert own["measures"] == bank["measures"]


def test_a_collector_sees_only_its_own_figures(floor: Floor, worked: Portfolio, db_env: str) -> None:
    answer = _kpis(db_env, "alice", f"from={FIRST}&to={LAST}").json()
    assert answer["scope"]["collector"] == worked.alice
    conn = floor.uow.session.connection()
    raw = raw_counts(conn, worked.bank, FIRST, LAST, user=worked.alice)
    assert answer["measures"]["counts"] == {name: raw.get(name, 0) for name in COUNTS}
    assert _kpis(db_env, "alice", f"collector={worked.bob}").status_code == 404


def test_a_supervisor_splits_by_collector_and_each_ties_to_the_raw_tables(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    answer = _kpis(db_env, "sue", f"creditor=BANK&from={FIRST}&to={LAST}&split=collector").json()
    groups = {g["key"]: g["measures"]["counts"] for g in answer["groups"]}
    conn = floor.uow.session.connection()
    for user in (worked.alice, worked.bob):
        raw = raw_counts(conn, worked.bank, FIRST, LAST, user=user)
        assert groups[user] == {name: raw.get(name, 0) for name in COUNTS}


def test_a_teams_supervisor_sees_its_teams_figures_and_not_another_teams(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    answer = _kpis(db_env, "sue", f"from={FIRST}&to={LAST}&split=collector").json()
    assert {g["key"] for g in answer["groups"]} <= {worked.alice, worked.bob}
    conn = floor.uow.session.connection()
    for name in ("attempts", "contacts", "promises_made"):
        team = sum(
            raw_counts(conn, creditor, FIRST, LAST, user=user).get(name, 0)
            for creditor in (worked.bank, worked.shop)
            for user in (worked.alice, worked.bob)
        )
        assert answer["measures"]["counts"][name] == team
    carol = floor.users["carol"]
    other_team = conn.execute(select(t.users.c.team_id).where(t.users.c.id == carol)).scalar_one()
    assert _kpis(db_env, "sue", f"team={other_team}").status_code == 404
    assert _kpis(db_env, "sue", f"collector={carol}").status_code == 404


@pytest.mark.usefixtures("floor")
def test_a_period_that_ends_before_it_begins_or_an_unknown_grouping_is_refused(db_env: str) -> None:
    assert _kpis(db_env, "sue", "from=2026-11-02&to=2026-11-01").status_code == 422
    assert _kpis(db_env, "sue", "group_by=year").status_code == 422
    assert _kpis(db_env, "sue", "creditor=NOBODY").status_code == 404


@pytest.mark.usefixtures("worked")
def test_huikuan_reports_refresh_recomputes_from_a_day(db_env: str) -> None:
    code, done = cli_json("reports", "refresh", "--from", "2026-11-28", "--now", "2026-12-01T02:00:00Z")
    assert code == 0
    assert done == {
        "days": 4,
        "rows": done["rows"],
        "strategy_rows": done["strategy_rows"],
        "month_end_accounts": 0,
    }
    code, refused = cli_json("reports", "refresh", "--from", "2026-12-02", "--now", "2026-12-01T02:00:00Z")
    assert code == 1 and "error" in refused


@pytest.mark.parametrize("dimension", ["product", "segment"])
def test_a_split_by_product_or_segment_ties_each_key_to_the_raw_tables(
    floor: Floor, worked: Portfolio, db_env: str, dimension: str
) -> None:
    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}&split={dimension}").json()
    groups = {g["key"]: g["measures"] for g in answer["groups"]}
    keys = {"product": ("credit_card", "consumer_loan", "microloan"), "segment": ("early", "late", "")}
    assert set(groups) <= set(keys[dimension]) and len(groups) >= 2
    conn = floor.uow.session.connection()
    nothing = {"counts": dict.fromkeys(COUNTS, 0), "money": []}
    for key in keys[dimension]:  # a key with no row (no record of that product) has nothing raw either
        measures = groups.get(key, nothing)
        raw = raw_counts(conn, worked.bank, FIRST, LAST, only=Dimensions(**{dimension: key}))
        assert measures["counts"] == {name: raw.get(name, 0) for name in COUNTS}, key
        net = raw.get("collected", 0) - raw.get("reversed", 0)
        assert sum(m["net_collected"] for m in measures["money"]) == net, key
    for name in COUNTS:
        assert sum(g["counts"][name] for g in groups.values()) == answer["measures"]["counts"][name]


def test_a_product_and_a_segment_filter_the_measures_and_the_snapshots(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    conn = floor.uow.session.connection()
    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}&segment=early").json()
    raw = raw_counts(conn, worked.bank, FIRST, LAST, only=Dimensions(segment="early"))
    assert answer["measures"]["counts"] == {name: raw.get(name, 0) for name in COUNTS}
    assert answer["measures"]["counts"]["attempts"] == 4  # case A's: the refused call is not an attempt
    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}&product=microloan").json()
    raw = raw_counts(conn, worked.bank, FIRST, LAST, only=Dimensions(product="microloan"))
    assert answer["measures"]["counts"] == {name: raw.get(name, 0) for name in COUNTS}
    assert answer["scope"]["product"] == "microloan"
    # the month-end snapshots keep each account's own product: case B's two microloans
    assert {p["accounts"] for v in answer["vintages"] for p in v["points"]} == {2}


@pytest.mark.parametrize(
    ("group_by", "split"), [("week", "collector"), ("day", "channel"), ("month", "team")]
)
def test_grouped_and_split_together_equal_the_day_by_key_rows_added_up(
    floor: Floor, worked: Portfolio, db_env: str, group_by: str, split: str
) -> None:
    """The periods, the groups and the whole, summed in SQL by day or by key, are exactly what adding up
    report_daily's rows of one day and one key gives (weeks start on Monday)."""
    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}&group_by={group_by}&split={split}")
    answer = answer.json()
    conn = floor.uow.session.connection()
    rows = daily_sums(conn, Scope((worked.bank,)), FIRST, LAST, split)  # one row per day, currency and key
    assert rows and any(r["key"] is not None for r in rows)

    def added(key: Any) -> list[dict[str, Any]]:
        groups: dict[Any, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(key(row), []).append(row)
        ordered = sorted(groups.items(), key=lambda item: (item[0] is None, str(item[0])))
        return [{"k": k, "measures": measures(items)} for k, items in ordered]

    periods = added(lambda r: period_start(r["day"], group_by).isoformat())
    assert [{"k": p["period"], "measures": p["measures"]} for p in answer["periods"]] == periods
    assert [{"k": g["key"], "measures": g["measures"]} for g in answer["groups"]] == added(lambda r: r["key"])
    assert answer["measures"] == measures(rows)


def _session(floor: Floor, user: str, began: datetime, last: datetime) -> None:
    floor.uow.session.execute(
        insert(t.user_sessions).values(
            token_hash=f"{user}-{began.isoformat()}",
            user_id=floor.users[user],
            created_at=began,
            last_seen_at=last,
            expires_at=last + timedelta(hours=12),
            ip="127.0.0.1",
        )
    )


def test_figures_per_collector_hour_divide_by_the_collectors_logged_in_hours(
    floor: Floor, worked: Portfolio, db_env: str
) -> None:
    """A collector-hour is an hour logged in (sessions, login to last activity): two windows at once
    count once, a session past midnight counts on each day, a supervisor's hours are not a collector's;
    contacts, net collected and cost per hour divide the period's figures by them; a creditor's viewer
    is not shown the agency's hours."""
    day = date(2026, 11, 3)
    _session(floor, "alice", at(day, 9), at(day, 11))
    _session(floor, "alice", at(day, 10), at(day, 12))  # a second window: 09:00-12:00 is 3 hours
    _session(floor, "bob", at(day, 23), at(day + timedelta(days=1), 1))  # 1 hour on each day
    _session(floor, "carol", at(day, 9), at(day, 10))  # another team's
    _session(floor, "sue", at(day, 9), at(day, 17))  # a supervisor
    floor.uow.commit()
    refresh(floor.uow, DECEMBER_RUN, date(2026, 10, 1))
    h = t.report_hours.c
    kept = floor.uow.session.execute(select(h.day, h.user_id, h.seconds).order_by(h.day, h.user_id)).all()
    assert [(str(d), u, s) for d, u, s in kept] == [
        (str(day), worked.alice, 3 * 3600),
        (str(day), worked.bob, 3600),
        (str(day), floor.users["carol"], 3600),
        (str(day + timedelta(days=1)), worked.bob, 3600),
    ]
    assert cli("reports", "costs", "set", "call", "150", "--from", "2026-10-01").exit_code == 0

    answer = _kpis(db_env, "ada", f"creditor=BANK&from={FIRST}&to={LAST}").json()
    hours = answer["collector_hours"]
    seconds = 6 * 3600  # every collector's, whatever creditor they worked for
    contacts = answer["measures"]["counts"]["contacts"]
    net = {m["currency"]: m["net_collected"] for m in answer["measures"]["money"]}
    cost = {c["currency"]: 0 for c in answer["costs"]}
    for c in answer["costs"]:
        cost[c["currency"]] += c["cost"]
    assert hours["hours"] == "6.00"
    assert Decimal(hours["contacts_per_hour"]) == (Decimal(contacts) / 6).quantize(Decimal("0.01"))
    assert hours["net_collected_per_hour"] == [
        {"currency": c, "amount_minor": n * 3600 // seconds} for c, n in sorted(net.items())
    ]
    assert hours["cost_per_hour"] == [
        {"currency": c, "amount_minor": n * 3600 // seconds} for c, n in sorted(cost.items())
    ]
    assert net["CNY"] > 0 and cost["CNY"] > 0
    team = _kpis(db_env, "sue", f"creditor=BANK&from={FIRST}&to={LAST}").json()  # 一组: alice and bob
    assert team["collector_hours"]["hours"] == "5.00"
    alice = _kpis(db_env, "sue", f"creditor=BANK&from={FIRST}&to={LAST}&collector={worked.alice}").json()
    assert alice["collector_hours"]["hours"] == "3.00"
    viewer = _kpis(db_env, "vic", f"creditor=BANK&from={FIRST}&to={LAST}").json()
    assert viewer["collector_hours"] is None
