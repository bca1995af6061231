"""Today's plan kept on the case (cases.plan_day, plan_live, plan_slot, plan_rank, kept by triggers on
`plan_rows`): the case keeps its latest plan row whatever writes the rows, and the queue read in parts
from the plan's index is the same cases in the same order as the one query that sorts them all, page
after page, and still when a plan was made ahead for tomorrow."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from tests.support.crowd import add_cases
from tests.support.floor import MORNING, TODAY, Floor

from huikuan.services.queue import my_work, queue_page
from huikuan.services.queue_order import clock_at, in_order, page_rows, queue_parts
from huikuan.storage import tables as t


def _plan(floor: Floor, case_id: int, *, day: date = TODAY, action: str = "call", **values: Any) -> None:
    floor.uow.session.execute(
        insert(t.plan_rows).values(
            plan_date=day, strategy="champion", case_id=case_id, action=action, created_at=MORNING, **values
        )
    )
    floor.uow.commit()


def _kept(floor: Floor, case_id: int) -> tuple[date | None, bool | None, datetime | None, int | None]:
    c = t.cases.c
    floor.uow.commit()
    row = floor.uow.session.execute(
        select(c.plan_day, c.plan_live, c.plan_slot, c.plan_rank).where(c.id == case_id)
    ).one()
    live = None if row.plan_live is None else bool(row.plan_live)
    return row.plan_day, live, row.plan_slot, row.plan_rank


def test_the_case_keeps_its_latest_plan_row_whatever_writes_the_rows(floor: Floor) -> None:
    case_id = floor.cases[0].id
    p = t.plan_rows.c
    slot = MORNING + timedelta(hours=2)
    assert _kept(floor, case_id) == (None, None, None, None)
    _plan(floor, case_id, slot_start=slot, expected_value=700)
    assert _kept(floor, case_id) == (TODAY, True, slot, -700)
    _plan(floor, case_id, day=TODAY - timedelta(days=1), expected_value=5)  # an older day's: no change
    assert _kept(floor, case_id) == (TODAY, True, slot, -700)
    floor.uow.session.execute(update(t.plan_rows).where(p.plan_date == TODAY).values(action="none"))
    assert _kept(floor, case_id) == (TODAY, False, slot, -700)
    floor.uow.session.execute(delete(t.plan_rows).where(p.plan_date == TODAY))
    assert _kept(floor, case_id) == (TODAY - timedelta(days=1), True, None, -5)
    floor.uow.session.execute(delete(t.plan_rows))
    assert _kept(floor, case_id) == (None, None, None, None)


def _mixed(floor: Floor) -> list[int]:
    """Forty cases more in alice's pool, some speaking English; planned today with and without a slot,
    left alone by the plan, planned only yesterday, or not at all; equal slots and values, so that the
    keys after the plan's decide too."""
    zh = add_cases(floor.uow, "BANK", 30, first_balance=50_000)
    en = add_cases(floor.uow, "BANK", 10, language="en", first_balance=50_000)
    floor.uow.commit()
    for n, case_id in enumerate(zh + en):
        kind = n % 5
        if kind == 0:
            _plan(floor, case_id, slot_start=MORNING + timedelta(hours=n % 3), expected_value=100 * (n % 4))
        elif kind == 1:
            _plan(floor, case_id, expected_value=100 * (n % 2))
        elif kind == 2:
            _plan(floor, case_id, action="none")
        elif kind == 3:
            _plan(floor, case_id, day=TODAY - timedelta(days=1), slot_start=MORNING - timedelta(days=1))
    return zh + en


def _sorted_all(floor: Floor, username: str) -> list[int]:
    viewer, clock = floor.viewer(username), clock_at(MORNING)
    query = in_order(viewer, clock, [t.cases.c.id], due_only=True)
    return list(floor.uow.session.execute(query).scalars())


def test_the_parts_read_one_after_another_are_the_queue_in_its_order_page_after_page(floor: Floor) -> None:
    _mixed(floor)
    viewer, clock = floor.viewer("alice"), clock_at(MORNING)
    everything = _sorted_all(floor, "alice")
    assert len(everything) == 43  # the floor's three and the forty
    parts = queue_parts(viewer, clock, [t.cases.c.id], due_only=True)
    assert [r.id for r in page_rows(floor.uow, parts, limit=1000)] == everything
    pages = [[r.id for r in page_rows(floor.uow, parts, limit=7, offset=k)] for k in range(0, 49, 7)]
    assert [i for page in pages for i in page] == everything
    shown = queue_page(floor.uow, viewer, page=3, per_page=6, now=MORNING)
    assert [item.case_id for item in shown.items] == everything[12:18]
    assert shown.paging.total == len(everything)


def test_a_plan_made_ahead_for_tomorrow_leaves_todays_queue_in_todays_plan_order(floor: Floor) -> None:
    cases = _mixed(floor)
    before = [item.case_id for item in my_work(floor.uow, floor.viewer("alice"), now=MORNING, limit=100)]
    for case_id in cases[:10]:
        _plan(floor, case_id, day=TODAY + timedelta(days=1), expected_value=999_999)
    after = [item.case_id for item in my_work(floor.uow, floor.viewer("alice"), now=MORNING, limit=100)]
    assert after == before == _sorted_all(floor, "alice")
