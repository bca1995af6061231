"""The planner learns from stored history: what earlier plans did, and who paid within 30 days."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select
from tests.support.factories import cli

from huikuan.services.plan import make_plan, stored_outcomes
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def test_outcomes_of_plans_thirty_days_old_say_who_paid_within_thirty_days(
    engine: Engine, db_env: str
) -> None:
    assert cli("demo", "--accounts", "120", "--seed", "11").exit_code == 0
    today = datetime.now(UTC).date()
    past = today - timedelta(days=45)
    with UnitOfWork(engine) as uow:
        make_plan(uow, past, now=datetime.combine(past, datetime.min.time(), UTC))
    with UnitOfWork(engine) as uow:
        outcomes = stored_outcomes(uow, today)
        assert stored_outcomes(uow, past + timedelta(days=10)).height == 0  # not yet known
    assert outcomes.height > 0
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.accounts.c.case_id, t.payments.c.paid_at).join(
                t.payments, t.payments.c.account_id == t.accounts.c.id
            )
        ).all()
    paid_cases = {r.case_id for r in rows if past <= r.paid_at.date() < past + timedelta(days=30)}
    for row in outcomes.iter_rows(named=True):
        assert row["paid_30d"] == (row["case_id"] in paid_cases)
        assert 0.0 <= row["p_prior"] <= 1.0 and row["dpd"] >= 0


def test_a_plan_without_history_keeps_the_prior(engine: Engine, db_env: str) -> None:
    assert cli("demo", "--accounts", "40", "--seed", "12").exit_code == 0
    with UnitOfWork(engine) as uow:
        assert stored_outcomes(uow, date(2026, 1, 1)).height == 0
