"""Champion and challenger: a stable share of the cases follows another strategy, and both are reported."""

from datetime import date

from sqlalchemy import Engine, select
from tests.support.factories import cli, cli_json

from huikuan.storage import tables as t


def _arms(engine: Engine, day: date) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.plan_rows.c.case_id, t.plan_rows.c.strategy).where(t.plan_rows.c.plan_date == day)
        ).all()
    return dict(rows)


def test_a_challenger_plans_a_stable_share_of_the_cases(engine: Engine, db_env: str) -> None:
    assert cli("demo", "--accounts", "300", "--seed", "5").exit_code == 0
    for day in ("2026-11-30", "2026-12-01"):
        code, summary = cli_json(
            "plan",
            "--date",
            day,
            "--now",
            f"{day}T00:00:00Z",
            "--strategy",
            "optimized",
            "--challenger",
            "balance-first",
            "--share",
            "0.3",
        )
        assert code == 0, summary
    first, second = _arms(engine, date(2026, 11, 30)), _arms(engine, date(2026, 12, 1))
    assert set(first.values()) == {"optimized", "balance-first"}
    share = sum(v == "balance-first" for v in first.values()) / len(first)
    assert 0.2 < share < 0.4
    # The same case stays in the same arm from one day to the next.
    assert all(second[c] == arm for c, arm in first.items() if c in second)

    code, results = cli_json("plan", "results", "--since", "2026-11-30", "--until", "2026-12-01")
    assert code == 0
    arms = {(r["arm"], r["currency"]) for r in results}
    assert ("optimized", "CNY") in arms and ("balance-first", "CNY") in arms
    for r in results:
        assert r["ci_low"] <= r["mean"] <= r["ci_high"] and r["cases"] > 0


def test_a_challenger_must_differ_from_the_champion(db_env: str) -> None:
    result = cli("plan", "--strategy", "optimized", "--challenger", "optimized")
    assert result.exit_code == 2 and "differ" in result.stderr
