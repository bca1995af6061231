"""`huikuan plan` end to end on a real database (SQLite, then PostgreSQL): features, gate, planner, store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import time_machine
from sqlalchemy import Engine, func, select, text
from tests.support.book import DAY, NOW, Book
from tests.support.factories import cli as main_cli
from typer.testing import CliRunner

from huikuan.cli.plan import app as plan_app
from huikuan.errors import ComplianceRefused
from huikuan.services.gate_inputs import allowed_frame
from huikuan.services.plan import explain, make_plan
from huikuan.storage import tables as t
from huikuan.storage.portfolio import read_portfolio
from huikuan.strategy.api import PLAN_SCHEMA, PlanInputs, PlanResult, StrategyConfig
from huikuan.strategy.gating import plan_violations

ISO_DAY = DAY.isoformat()
ISO_NOW = NOW.isoformat()


def floor(engine: Engine) -> dict[str, Any]:
    """Two creditors, three collectors, eleven cases (one closed), with some history."""
    with engine.begin() as conn:
        b = Book(conn)
        cn = b.creditor("CN-BANK")
        us = b.creditor("US-LENDER", pack="us-reg-f", zone="America/New_York", region="US", currency="USD")
        wang = b.collector("wang", skills=["field"])
        b.collector("li")
        b.collector("alex", languages=["en", "zh"])
        ids: dict[str, Any] = {"cn": cn, "us": us, "wang": wang, "cases": []}
        for i in range(8):
            debtor = b.debtor(cn, f"债务人{i}", region="四川省", disputed=i == 7)
            b.point(debtor, "mobile", f"+861380013{8000 + i}")
            if i % 2:
                b.point(debtor, "address", f"四川省成都市武侯区人民路{i}号")
            case = b.case(cn, debtor, user=wang if i < 4 else None)
            b.account(case, 200_000 * (i + 1), overdue=DAY - timedelta(days=40 + 30 * i))
            for d in range(i):
                outcome = "promise" if d == 2 else "no_answer"
                b.contact(case, NOW - timedelta(days=d + 1, hours=3), outcome=outcome)
            ids["cases"].append(case)
        for i in range(2):
            debtor = b.debtor(
                us, f"Debtor {i}", zone="America/Chicago", country="US", region="IL", language="en"
            )
            b.point(debtor, "landline", f"+1312555{1000 + i}")
            case = b.case(us, debtor)
            b.account(case, 150_000, currency="USD", overdue=DAY - timedelta(days=200))
            ids["cases"].append(case)
        closed = b.case(cn, b.debtor(cn, "结清"), stage="closed")
        b.account(closed, 1_000)
        ids["closed"] = closed
    return ids


def cli(*args: str) -> Any:
    return CliRunner().invoke(plan_app, list(args), catch_exceptions=False)


def rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def test_huikuan_plan_writes_one_row_per_case_and_the_cases_next_actions(db_env, engine):
    ids = floor(engine)
    result = cli("--date", ISO_DAY, "--now", ISO_NOW, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["written"] == summary["cases"] == 10 and summary["replaced"] == 0
    assert sum(summary["actions"].values()) == 10

    plan = rows(
        engine,
        "SELECT case_id, action, slot_start, user_id, segment, strategy, plan_date, reason "
        "FROM plan_rows ORDER BY case_id",
    )
    assert [r.case_id for r in plan] == ids["cases"]  # the closed case is not planned
    assert {r.strategy for r in plan} == {"optimized"} and {str(r.plan_date) for r in plan} == {ISO_DAY}
    for r in plan:
        reason = json.loads(r.reason) if isinstance(r.reason, str) else r.reason
        assert reason["segment"] == r.segment
    columns = "id, next_action_channel, next_action_due_at, assigned_user_id, segment, priority, "
    columns += "next_action_goal"
    cases = {r.id: r for r in rows(engine, f"SELECT {columns} FROM cases")}
    for r in plan:
        c = cases[r.case_id]
        assert c.segment == r.segment
        if r.action == "none":
            assert (c.next_action_channel, c.next_action_due_at, c.priority) == (None, None, 0)
        else:
            assert c.next_action_channel == r.action and 1 <= c.priority <= 100 and c.next_action_goal
            assert str(c.next_action_due_at)[:16] == (str(r.slot_start)[:16] if r.slot_start else "None")
            if r.user_id is not None:
                assert c.assigned_user_id == r.user_id
    assert cases[ids["closed"]].next_action_channel is None

    with engine.connect() as conn:
        portfolio = read_portfolio(conn, DAY, NOW)
        allowed = allowed_frame(conn, portfolio)
    stored = pl.DataFrame(
        [(r.case_id, r.action, _instant(r.slot_start)) for r in plan],
        schema={"case_id": pl.Int64, "action": pl.Utf8, "slot_start": pl.Datetime("us", "UTC")},
        orient="row",
    )
    assert plan_violations(stored, allowed, portfolio.cases, DAY).height == 0  # every contact passes the gate


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_re_running_the_plan_for_the_same_day_replaces_it(db_env, engine):
    floor(engine)
    assert cli("--date", ISO_DAY, "--now", ISO_NOW).exit_code == 0
    again = cli("--date", ISO_DAY, "--now", ISO_NOW, "--strategy", "balance-first", "--json")
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert summary["replaced"] == 10 and summary["written"] == 10
    by_strategy = rows(engine, "SELECT strategy, COUNT(*) FROM plan_rows GROUP BY strategy")
    assert by_strategy == [("balance-first", 10)]
    other_day = cli("--date", (DAY + timedelta(days=1)).isoformat(), "--now", ISO_NOW, "--json")
    assert json.loads(other_day.stdout.strip().splitlines()[-1])["replaced"] == 0
    assert rows(engine, "SELECT COUNT(*) FROM plan_rows")[0][0] == 20


def test_a_plan_is_written_in_short_transactions_and_a_case_the_new_plan_leaves_out_loses_its_old_row(
    db_env, engine, monkeypatch
):
    from sqlalchemy import event

    from huikuan.services import plan as plan_service

    ids = floor(engine)
    assert cli("--date", ISO_DAY, "--now", ISO_NOW).exit_code == 0
    with engine.begin() as conn:  # a case closed since: the next run of the day does not plan it
        conn.execute(t.cases.update().where(t.cases.c.id == ids["cases"][0]).values(stage="closed"))
    monkeypatch.setattr(plan_service, "PLAN_ROWS_PER_COMMIT", 3)
    commits: list[int] = []

    def count(_conn: Any) -> None:
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        again = cli("--date", ISO_DAY, "--now", ISO_NOW, "--strategy", "balance-first", "--json")
    finally:
        event.remove(engine, "commit", count)
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert summary["written"] == 9 and summary["replaced"] == 10
    assert len(commits) >= 3 + 1  # ceil(9 / 3) parts, then the old row of the closed case
    by_strategy = rows(engine, "SELECT strategy, COUNT(*) FROM plan_rows GROUP BY strategy")
    assert by_strategy == [("balance-first", 9)]
    closed = rows(engine, f"SELECT COUNT(*) FROM plan_rows WHERE case_id = {ids['cases'][0]}")
    assert closed[0][0] == 0


def test_plan_explain_shows_the_reason(db_env, engine):
    ids = floor(engine)
    cli("--date", ISO_DAY, "--now", ISO_NOW)
    case = ids["cases"][3]
    shown = cli("explain", str(case), "--tz", "Asia/Shanghai")
    assert shown.exit_code == 0, shown.output
    text_out = shown.stdout
    for words in (f"Case {case}", "Action:", "Segment:", "Scores:", "Expected value:", "Binding constraint:"):
        assert words in text_out
    as_json = json.loads(cli("explain", str(case), "--date", ISO_DAY, "--json").stdout)
    assert as_json["case_id"] == case and as_json["plan_date"] == ISO_DAY
    assert as_json["reason"]["segment"] == as_json["segment"]
    assert {"scores", "expected_value", "binding", "removed"} <= set(as_json["reason"])
    if as_json["slot_start"]:
        assert "the debtor's time (Asia/Shanghai)" in text_out
    missing = CliRunner().invoke(plan_app, ["explain", str(ids["closed"])])
    assert missing.exit_code == 1 and "has no plan" in missing.output


def _stand_in(choose: Any) -> Any:
    """A tiny planner: `choose(case row, allowed rows) -> (action, slot_start, user_id)` for each case."""

    def plan(inputs: PlanInputs, strategy: StrategyConfig) -> PlanResult:
        out = []
        for case in inputs.cases.iter_rows(named=True):
            allowed = inputs.allowed.filter(pl.col("case_id") == case["case_id"])
            action, slot, user = choose(case, allowed, inputs)
            out.append(
                {
                    "case_id": case["case_id"],
                    "action": action,
                    "slot_start": slot,
                    "user_id": user,
                    "p_answer": 0.25,
                    "p_pay": 0.1,
                    "expected_value": case["balance"] // 10,
                    "cost": 100,
                    "segment": "able_willing" if case["language"] == "zh" else "unable_willing",
                    "reason": json.dumps({"segment": "x", "binding": None, "removed": []}),
                }
            )
        return PlanResult(pl.DataFrame(out, schema=PLAN_SCHEMA), {}, None, {"strategy": strategy.name})

    return plan


def _first_hour(allowed: pl.DataFrame, action: str, inputs: PlanInputs, zone: str) -> datetime | None:
    from zoneinfo import ZoneInfo

    mask = allowed.filter(pl.col("action") == action).get_column("hour_mask")[0]
    hours = [h for h in range(24) if mask >> h & 1]
    if not hours:
        return None
    day = inputs.day
    return datetime(day.year, day.month, day.day, hours[0], tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_a_stand_in_planners_choices_become_the_cases_next_actions(uow, engine):
    ids = floor(engine)

    def choose(case: dict[str, Any], allowed: pl.DataFrame, inputs: PlanInputs) -> tuple[str, Any, Any]:
        slot = _first_hour(allowed, "call", inputs, case["time_zone"])
        if case["balance"] >= 1_000_000 and slot is not None:  # not the disputed one: the gate says no
            return "call", slot, ids["wang"]
        if case["currency"] == "USD":
            return "letter", None, None
        return "none", None, None

    with uow:
        summary = make_plan(uow, DAY, "stand-in", NOW, planner=_stand_in(choose))
    assert summary["actions"] == {"call": 3, "letter": 2, "none": 5}
    with engine.connect() as conn:
        got = {r.id: r for r in conn.execute(select(t.cases).where(t.cases.c.id.in_(ids["cases"])))}
    big = [c for c in ids["cases"][:8] if got[c].next_action_channel == "call"]
    assert big == ids["cases"][4:7]
    # Priority is the expected value's percentile among the day's contacts: the biggest balance is 100.
    assert [got[c].priority for c in ids["cases"][4:7]] + [got[c].priority for c in ids["cases"][8:]] == [
        60,
        80,
        100,
        30,
        30,
    ]
    disputed = got[ids["cases"][7]]
    assert (disputed.next_action_channel, disputed.priority) == (None, 0)
    first = got[ids["cases"][4]]
    assert first.next_action_due_at == datetime(2026, 3, 16, 0, 0, tzinfo=UTC)  # 08:00 in Chengdu
    assert first.assigned_user_id == ids["wang"]
    assert first.next_action_goal == "agree_payment"  # a code, shown in each reader's language
    us_case = got[ids["cases"][8]]
    # A letter has no slot of its own: it is due when the floor's day begins (a next action is complete).
    assert (us_case.next_action_channel, us_case.next_action_due_at, us_case.segment) == (
        "letter",
        datetime(2026, 3, 15, 16, 0, tzinfo=UTC),
        "unable_willing",
    )
    assert us_case.next_action_goal == "offer_instalments"
    quiet = got[ids["cases"][0]]
    assert (quiet.next_action_channel, quiet.priority, quiet.assigned_user_id) == (None, 0, ids["wang"])
    with uow:
        assert explain(uow, ids["cases"][4])["collector"]["username"] == "wang"


def test_a_plan_with_a_contact_the_gate_refuses_is_not_stored(uow, engine):
    floor(engine)

    def at_three_am(case: dict[str, Any], allowed: pl.DataFrame, inputs: PlanInputs) -> tuple[str, Any, Any]:
        return "call", datetime(2026, 3, 15, 19, 0, tzinfo=UTC), None  # 03:00 in China

    with uow, pytest.raises(ComplianceRefused, match="the gate does not allow"):
        make_plan(uow, DAY, "reckless", NOW, planner=_stand_in(at_three_am))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.plan_rows)).scalar_one() == 0


def test_planning_one_creditor_replaces_only_its_own_rows(uow, engine, db_env):
    ids = floor(engine)
    assert cli("--date", ISO_DAY, "--now", ISO_NOW).exit_code == 0
    result = cli(
        "--date", ISO_DAY, "--now", ISO_NOW, "--creditor", "US-LENDER", "--strategy", "oldest-first", "--json"
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["cases"], summary["replaced"]) == (2, 2)
    by_strategy = dict(rows(engine, "SELECT strategy, COUNT(*) FROM plan_rows GROUP BY strategy"))
    assert by_strategy == {"optimized": 8, "oldest-first": 2}
    unknown = CliRunner().invoke(plan_app, ["--date", ISO_DAY, "--creditor", "NOPE"])
    assert unknown.exit_code == 2 and "NOPE" in unknown.output
    assert ids["us"]


# 20:00 UTC on Saturday 5 December is 04:00 on Sunday 6 December on the floor (Asia/Shanghai).
UTC_EVENING = datetime(2026, 12, 5, 20, 0, tzinfo=ZoneInfo("UTC"))


def _plan_days(engine: Engine) -> set[str]:
    return {str(r.plan_date) for r in rows(engine, "SELECT DISTINCT plan_date FROM plan_rows")}


def test_huikuan_plan_on_a_utc_machine_plans_the_day_that_has_begun_on_the_floor(db_env, engine):
    floor(engine)
    # A ZoneInfo destination also sets the machine's own zone: a server on UTC, where date.today() is the 5th.
    with time_machine.travel(UTC_EVENING, tick=False):
        result = main_cli("plan", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["day"] == "2026-12-06"
    assert _plan_days(engine) == {"2026-12-06"}


def test_a_now_instant_plans_the_floors_date_at_that_instant(db_env, engine):
    floor(engine)
    result = main_cli("plan", "--now", "2026-12-05T20:00:00Z", "--json")
    assert result.exit_code == 0, result.output
    assert _plan_days(engine) == {"2026-12-06"}
    # Before 16:00 UTC it is still the 5th on the floor.
    assert main_cli("plan", "--now", "2026-12-05T15:59:00Z").exit_code == 0
    assert _plan_days(engine) == {"2026-12-05", "2026-12-06"}


def test_a_date_given_is_planned_whatever_the_instant(db_env, engine):
    floor(engine)
    assert main_cli("plan", "--date", "2026-12-07", "--now", "2026-12-05T20:00:00Z").exit_code == 0
    assert _plan_days(engine) == {"2026-12-07"}
