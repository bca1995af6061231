"""Twenty collectors press "next case" at the same moment, three times over: no case is ever handed to
two of them, and each gets one while cases remain (PostgreSQL: SKIP LOCKED; SQLite: the conditional
UPDATE under its write lock)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, create_engine, insert, select, update
from tests.support.floor import MORNING

from huikuan.services.access import get_viewer
from huikuan.services.creditors import add_creditor
from huikuan.services.queue_claims import next_case
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.storage.engine import is_sqlite
from huikuan.storage.uow import UnitOfWork

COLLECTORS = 20
CASES = 70
ROUNDS = 3


@pytest.fixture
def busy_floor(engine: Engine) -> list[int]:
    """One team of 20 collectors and 70 workable cases, some theirs, some in the pool."""
    with UnitOfWork(engine) as uow:
        bank = add_creditor(uow, "BANK", name="某银行", region="CN", currency="CNY", pack="cn")
        users = [add_user(uow, f"c{n:02d}", "floor-password", team="三组").id or 0 for n in range(COLLECTORS)]
        s = uow.session
        for n in range(CASES):
            debtor = s.execute(
                insert(t.debtors).values(creditor_id=bank.id, name=f"债务人{n}").returning(t.debtors.c.id)
            ).scalar_one()
            case = s.execute(
                insert(t.cases)
                .values(
                    creditor_id=bank.id,
                    debtor_id=debtor,
                    assigned_user_id=users[n % COLLECTORS] if n % 3 else None,
                    priority=n % 7,
                )
                .returning(t.cases.c.id)
            ).scalar_one()
            s.execute(
                insert(t.accounts).values(
                    creditor_id=bank.id,
                    debtor_id=debtor,
                    case_id=case,
                    external_ref=f"R{n}",
                    currency="CNY",
                    balance=10_000 * (n + 1),
                    overdue_since=date(2026, 8, 1),
                )
            )
        uow.commit()
    return users


@pytest.fixture
def wide_engine(engine: Engine) -> Iterator[Engine]:
    """An engine with a connection for every collector, so that all twenty really go at once."""
    if is_sqlite(engine):
        yield engine  # SQLite writers queue on its one write lock anyway; 15 connections are plenty
        return
    wide = create_engine(engine.url, pool_size=COLLECTORS + 2, max_overflow=0)
    yield wide
    wide.dispose()


def test_twenty_collectors_taking_next_cases_at_once_never_share_one(
    wide_engine: Engine, busy_floor: list[int]
) -> None:
    handed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def collector(user_id: int, start: threading.Barrier) -> None:
        try:
            with UnitOfWork(wide_engine) as uow:
                viewer = get_viewer(uow, user_id)
                uow.commit()  # hand the connection back while waiting: SQLite's pool has 15
                start.wait()
                got = next_case(uow, viewer, now=MORNING)
                assert got is not None, f"collector {user_id} got no case while cases remained"
                # Working the case moves its next action to tomorrow: it leaves today's queue.
                uow.session.execute(
                    update(t.cases)
                    .where(t.cases.c.id == got)
                    .values(next_action_due_at=MORNING + timedelta(days=1))
                )
                uow.commit()
            with lock:
                handed.append(got)
        except BaseException as exc:  # reported to the main thread; the others stop waiting
            errors.append(exc)
            start.abort()

    for round_ in range(ROUNDS):
        start = threading.Barrier(COLLECTORS, timeout=60)
        threads = [threading.Thread(target=collector, args=(uid, start)) for uid in busy_floor]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        assert len(handed) == COLLECTORS * (round_ + 1)
        with wide_engine.connect() as conn:
            holders = conn.execute(
                select(t.cases.c.claimed_by).where(t.cases.c.claimed_by.is_not(None))
            ).scalars()
            assert sorted(holders) == sorted(busy_floor)  # each holds exactly one case
    assert len(set(handed)) == len(handed) == COLLECTORS * ROUNDS
