"""The planner learns from stored history: what earlier plans did, and who paid within 30 days."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from tests.support.book import Book
from tests.support.factories import cli

from huikuan.domain.days import local_day
from huikuan.services.clock import floor_today
from huikuan.services.plan import make_plan
from huikuan.services.plan_outcomes import stored_outcomes, strategy_results
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def test_outcomes_of_plans_thirty_days_old_say_who_paid_within_thirty_days(
    engine: Engine, db_env: str
) -> None:
    assert cli("demo", "--accounts", "120", "--seed", "11").exit_code == 0
    today = floor_today()
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
    on_the_floor = [(r.case_id, local_day(r.paid_at, "Asia/Shanghai")) for r in rows]
    paid_cases = {case for case, day in on_the_floor if past <= day < past + timedelta(days=30)}
    for row in outcomes.iter_rows(named=True):
        assert row["paid_30d"] == (row["case_id"] in paid_cases)
        assert 0.0 <= row["p_prior"] <= 1.0 and row["dpd"] >= 0


def test_a_plan_without_history_keeps_the_prior(engine: Engine, db_env: str) -> None:
    assert cli("demo", "--accounts", "40", "--seed", "12").exit_code == 0
    with UnitOfWork(engine) as uow:
        assert stored_outcomes(uow, date(2026, 1, 1)).height == 0


def _planned_and_paid(engine: Engine, day: date, paid: list[datetime]) -> None:
    """One Shanghai case planned on `day`, with payments of 100.00 at the instants given."""
    with engine.begin() as conn:
        b = Book(conn)
        bank = b.creditor("CN-BANK")
        case = b.case(bank, b.debtor(bank, "债务人"))
        account = b.account(case, 500_000, overdue=day - timedelta(days=60))
        for at in paid:
            b.payment(account, 10_000, at)
        conn.execute(
            insert(t.plan_rows).values(
                plan_date=day,
                strategy="optimized",
                case_id=case,
                action="call",
                p_pay=0.1,
                segment="able_willing",
                reason={},
                created_at=datetime.combine(day, datetime.min.time(), UTC),
            )
        )


def test_a_payment_counts_on_the_floors_day_it_was_made(engine: Engine) -> None:
    day = date(2026, 10, 1)
    # 20:00 UTC on 30 September is 04:00 on 1 October in Shanghai: paid on the plan's day.
    _planned_and_paid(engine, day, [datetime(2026, 9, 30, 20, 0, tzinfo=UTC)])
    with UnitOfWork(engine) as uow:
        outcomes = stored_outcomes(uow, day + timedelta(days=40))
    assert outcomes.get_column("paid_30d").to_list() == [True]


def test_a_strategys_results_count_the_payments_of_the_floors_days(engine: Engine) -> None:
    day = date(2026, 10, 1)
    on_the_day = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)  # 04:00 on the 1st in Shanghai
    the_next_day = datetime(2026, 10, 1, 17, 0, tzinfo=UTC)  # 01:00 on the 2nd in Shanghai
    _planned_and_paid(engine, day, [on_the_day, the_next_day, the_next_day])
    with UnitOfWork(engine) as uow:
        results = strategy_results(uow, day, day)
    assert [(r["arm"], r["cases"], r["mean"]) for r in results] == [("optimized", 1, 10_000)]


def test_a_payment_reversed_since_neither_counts_as_paid_nor_in_a_strategys_results(engine: Engine) -> None:
    day = date(2026, 10, 1)
    _planned_and_paid(engine, day, [datetime(2026, 10, 2, 2, 0, tzinfo=UTC)])
    with engine.begin() as conn:
        conn.execute(update(t.payments).values(status="reversed"))  # bounced (services/payments.py)
    with UnitOfWork(engine) as uow:
        outcomes = stored_outcomes(uow, day + timedelta(days=40))
        results = strategy_results(uow, day, day + timedelta(days=5))
    assert outcomes.get_column("paid_30d").to_list() == [False]
    assert [(r["arm"], r["cases"], r["mean"]) for r in results] == [("optimized", 1, 0)]
