"""Instalments: payments applied to an accepted plan in order; a missed instalment breaks it, a paid one
completes it, and a settlement paid in full settles the accounts.

Alice's case 0 owes 12,000.00 CNY over two accounts of 6,000.00; its plan is 3 × 4,000.00 due on
2026-11-25, 12-25 and 2027-01-24 (every 30 days). The grace is 3 days: an instalment due on the 25th is
missed once the 28th has ended in Beijing.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from tests.support.floor import MORNING, Floor
from tests.support.payments import beijing, pay

from huikuan.domain.goals import Goal
from huikuan.services.instalment_job import check_instalments
from huikuan.services.negotiation import open_negotiation, propose_arrangement
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NOTHING = {"paid": 0, "missed": 0, "broken": 0, "completed": 0}


def _plan(floor: Floor, kind: str = "instalment", total: str = "12000", instalments: int = 3) -> int:
    case_id = floor.cases[0].id
    open_negotiation(floor.uow, floor.viewer("alice"), case_id, reason="cannot_pay", now=MORNING)
    offer = propose_arrangement(
        floor.uow,
        floor.viewer("alice"),
        case_id,
        kind=kind,
        total=total,
        instalments=instalments,
        first_due=date(2026, 11, 25),
        every_days=30,
        now=MORNING,
    )
    assert offer.status == "active"
    return offer.id


def _state(floor: Floor, arrangement_id: int) -> tuple[str, list[tuple[int, str]]]:
    floor.uow.commit()
    i = t.instalments.c
    status = floor.uow.session.execute(
        select(t.arrangements.c.status).where(t.arrangements.c.id == arrangement_id)
    ).scalar_one()
    rows = floor.uow.session.execute(
        select(i.paid_amount, i.status).where(i.arrangement_id == arrangement_id).order_by(i.seq)
    ).all()
    return status, [(r.paid_amount, r.status) for r in rows]


def _case(floor: Floor) -> Any:
    floor.uow.commit()
    return floor.uow.session.execute(select(t.cases).where(t.cases.c.id == floor.cases[0].id)).one()


def _accounts(floor: Floor) -> list[tuple[int, str]]:
    floor.uow.commit()
    a = t.accounts.c
    rows = floor.uow.session.execute(
        select(a.balance, a.status).where(a.case_id == floor.cases[0].id).order_by(a.id)
    )
    return [(r.balance, r.status) for r in rows]


def test_payments_are_applied_to_the_instalments_in_order(floor: Floor) -> None:
    plan = _plan(floor)
    pay(floor.uow, floor.cases[0].account_ids[0], 300_000, date(2026, 11, 24))
    pay(floor.uow, floor.cases[0].account_ids[1], 200_000, date(2026, 11, 25))
    assert check_instalments(floor.uow, beijing(date(2026, 11, 26))) == {**NOTHING, "paid": 1}
    assert _state(floor, plan) == ("active", [(400_000, "paid"), (100_000, "partly_paid"), (0, "pending")])
    # The case's next action moves to the next instalment's due date.
    assert _case(floor).next_action_due_at == beijing(date(2026, 12, 25), 0)
    # Nothing new: nothing changes, nothing counted.
    assert check_instalments(floor.uow, beijing(date(2026, 11, 27))) == NOTHING


def test_an_instalment_is_not_missed_during_its_grace_days(floor: Floor) -> None:
    plan = _plan(floor)
    assert check_instalments(floor.uow, beijing(date(2026, 11, 28), 23)) == NOTHING
    assert _state(floor, plan)[0] == "active"


def test_a_missed_instalment_breaks_the_plan_and_puts_the_case_back_in_the_queue(floor: Floor) -> None:
    plan = _plan(floor)
    pay(floor.uow, floor.cases[0].account_ids[0], 400_000, date(2026, 11, 25))
    assert check_instalments(floor.uow, beijing(date(2026, 11, 26)))["paid"] == 1
    pay(floor.uow, floor.cases[0].account_ids[0], 100_000, date(2026, 12, 26))  # a quarter of the second
    after_grace = beijing(date(2026, 12, 29), 0)
    assert check_instalments(floor.uow, after_grace) == {**NOTHING, "missed": 1, "broken": 1}
    assert _state(floor, plan) == ("broken", [(400_000, "paid"), (100_000, "missed"), (0, "pending")])
    case = _case(floor)
    assert (case.stage, case.next_action_goal, case.next_action_due_at) == (
        "contacting",
        Goal.INSTALMENTS_BROKEN,
        after_grace,
    )
    assert case.priority == 99 + 50
    # A broken plan is final: the job leaves it alone afterwards.
    pay(floor.uow, floor.cases[0].account_ids[0], 300_000, date(2026, 12, 30))
    assert check_instalments(floor.uow, beijing(date(2027, 1, 2))) == NOTHING


def test_a_plan_paid_in_full_is_completed_and_the_case_closed(floor: Floor) -> None:
    plan = _plan(floor)
    for day, account in ((date(2026, 11, 25), 0), (date(2026, 12, 20), 0), (date(2027, 1, 20), 1)):
        pay(floor.uow, floor.cases[0].account_ids[account], 400_000, day)
    pay(floor.uow, floor.cases[0].account_ids[1], 200_000, date(2027, 1, 21))
    assert check_instalments(floor.uow, beijing(date(2027, 1, 22))) == {**NOTHING, "paid": 3, "completed": 1}
    assert _state(floor, plan) == ("completed", [(400_000, "paid")] * 3)
    assert _accounts(floor) == [(0, "paid"), (0, "paid")]
    assert _case(floor).stage == "closed"


def test_a_settlement_paid_in_full_settles_the_accounts_with_their_balances_untouched(floor: Floor) -> None:
    plan = _plan(floor, kind="settlement", total="10000", instalments=1)
    pay(floor.uow, floor.cases[0].account_ids[0], 600_000, date(2026, 11, 22))
    pay(floor.uow, floor.cases[0].account_ids[1], 400_000, date(2026, 11, 23))
    assert check_instalments(floor.uow, beijing(date(2026, 11, 23), 12)) == {
        **NOTHING,
        "paid": 1,
        "completed": 1,
    }
    assert _state(floor, plan) == ("completed", [(1_000_000, "paid")])
    assert _accounts(floor) == [(0, "paid"), (200_000, "settled")]  # the discount stays on the books
    assert _case(floor).stage == "closed"


def test_a_payment_before_the_plan_was_agreed_does_not_count(floor: Floor) -> None:
    pay(floor.uow, floor.cases[0].account_ids[0], 400_000, date(2026, 11, 10))
    plan = _plan(floor, total="8000", instalments=2)
    assert check_instalments(floor.uow, beijing(date(2026, 11, 29))) == {**NOTHING, "missed": 1, "broken": 1}
    assert _state(floor, plan)[0] == "broken"


def test_two_concurrent_instalment_checks_count_each_change_once(floor: Floor, engine: Engine) -> None:
    plan = _plan(floor)
    pay(floor.uow, floor.cases[0].account_ids[0], 400_000, date(2026, 11, 25))
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            with UnitOfWork(engine) as uow:
                start.wait()
                results.append(check_instalments(uow, beijing(date(2027, 1, 1))))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {k: sum(r[k] for r in results) for k in NOTHING} == {
        **NOTHING,
        "paid": 1,
        "missed": 1,
        "broken": 1,
    }
    assert _state(floor, plan) == ("broken", [(400_000, "paid"), (0, "missed"), (0, "pending")])
    assert _case(floor).priority == 99 + 50
