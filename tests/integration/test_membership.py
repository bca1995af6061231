"""`one_of(column, ids)` (storage/membership.py) selects what `column.in_(ids)` selects, whatever the ids and
however many, with one statement text for every list, through the column's index; `member_of` likewise
reaches SQLite's index (no "... = 1" around the condition)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event, insert, select
from tests.support.query_plan import plan_of

from huikuan.storage import tables as t
from huikuan.storage.membership import member_of, one_of


@pytest.fixture
def persons(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(
            insert(t.persons),
            [{"id": n, "created_at": datetime(2026, 1, 1, tzinfo=UTC)} for n in range(1, 41)],
        )
    return engine


def _ids(engine: Engine, condition: object) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.persons.c.id).where(condition).order_by(t.persons.c.id)).scalars())


@pytest.mark.parametrize(
    "ids",
    [
        [],
        [7],
        [3, 1, 2],
        [5, 5, 6],
        [40, 41, 10_000_000_000],
        list(range(0, 60, 3)),
        {9, 11},
        (x for x in [2, 4]),
    ],
    ids=[
        "none",
        "one",
        "unsorted",
        "repeated",
        "unknown and beyond 32 bits",
        "twenty",
        "a set",
        "a generator",
    ],
)
def test_it_selects_what_in_selects(persons: Engine, ids: Iterable[int]) -> None:
    wanted = list(ids)  # a set or a generator as a list, so that both conditions get the same ids
    column = t.persons.c.id
    assert _ids(persons, one_of(column, wanted)) == _ids(persons, column.in_(wanted))


def test_every_list_is_the_same_statement(persons: Engine) -> None:
    statements: list[str] = []
    with persons.connect() as conn:
        event.listen(conn, "before_cursor_execute", lambda *args: statements.append(args[2]))
        for ids in ([1], [1, 2, 3], list(range(1, 500))):
            conn.execute(select(t.persons.c.id).where(one_of(t.persons.c.id, ids))).all()
    assert len({s for s in statements if s.startswith("SELECT")}) == 1


def test_it_searches_the_columns_index(persons: Engine) -> None:
    members = t.person_members.c
    with persons.connect() as conn:
        plan = plan_of(
            conn,
            "person_members",
            lambda: conn.execute(select(members.debtor_id).where(one_of(members.person_id, [1, 2]))).all(),
        )
    assert _searched(plan, "person_members", "ix_person_members_person"), plan


def test_member_of_searches_the_columns_index_too(persons: Engine) -> None:
    members, p = t.person_members.c, t.persons.c
    chosen = select(p.id).where(p.id < 3).scalar_subquery()
    with persons.connect() as conn:
        plan = plan_of(
            conn,
            "person_members",
            lambda: conn.execute(select(members.debtor_id).where(member_of(members.person_id, chosen))).all(),
        )
    assert _searched(plan, "person_members", "ix_person_members_person"), plan


def _searched(plan: str, table: str, index: str) -> bool:
    """The plan looks the table's rows up in the index (SQLite's SEARCH, PostgreSQL's index condition),
    not reads the table, or the index, through."""
    return index in plan and f"SCAN {table}" not in plan and ("SEARCH" in plan or "Index Cond" in plan)
