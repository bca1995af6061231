"""The audit log is one hash chain that only grows: every event goes through storage.audit.record and
carries the hash of the one before it; the database refuses UPDATE and DELETE on it; `huikuan audit
verify` walks the chain and finds the first row changed, removed or written around it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from tests.support.factories import cli, cli_json
from tests.support.floor import MORNING

from huikuan.storage import migrate
from huikuan.storage import tables as t
from huikuan.storage.audit import GENESIS, check_chain, record, record_many, row_hash
from huikuan.storage.engine import make_engine
from huikuan.storage.uow import UnitOfWork

TEST_URL = os.environ.get("HUIKUAN_TEST_DATABASE_URL", "")


def _append(db: Connection, n: int, *, first: int = 1) -> None:
    for i in range(first, first + n):
        record(
            db,
            at=MORNING + timedelta(seconds=i),
            user_id=None,
            action="case.viewed",
            entity="case",
            entity_id=i,
            detail={"n": i, "rules": ["contact-hours"], "text": "中文"},
        )


def _events(db: Connection) -> list:
    return list(db.execute(select(t.audit_events).order_by(t.audit_events.c.id)).all())


def test_a_fresh_chain_verifies_and_ends_at_its_head(engine: Engine) -> None:
    with engine.begin() as conn:
        _append(conn, 5)
    with engine.connect() as conn:
        check = check_chain(conn)
        rows = _events(conn)
    assert check.ok and check.checked == 5
    assert check.verified_to is not None and check.verified_to.seq == 5 and check.last == check.verified_to
    assert (check.head_seq, check.head_hash) == (5, rows[-1].row_hash)


def test_events_kept_at_once_are_the_chain_kept_one_at_a_time(engine: Engine, tmp_path: Path) -> None:
    """record_many (a job's many refusals) moves the head once and writes the same rows, hashes and all,
    as `record` event by event, and gives their ids in order."""
    events = [
        {
            "at": MORNING + timedelta(seconds=i),
            "user_id": None,
            "action": "contact.refused",
            "entity": "case",
            "entity_id": i,
            "detail": {"rules": ("dispute",), "n": i},
        }
        for i in range(1, 5)
    ]
    with engine.begin() as conn:
        _append(conn, 2)
        ids = record_many(conn, events[:3])
        assert record_many(conn, []) == []
        ids += record_many(conn, events[3:])
    alone = make_engine(f"sqlite:///{tmp_path / 'alone.db'}")
    migrate.upgrade(alone)
    with alone.begin() as conn:
        _append(conn, 2)
        for event in events:
            record(conn, **event)
    with engine.connect() as conn, alone.connect() as other:
        kept, expected = _events(conn), _events(other)
        assert check_chain(conn).ok and check_chain(conn).head_seq == 6
    assert ids == [r.id for r in kept[2:]]
    assert [r.row_hash for r in kept] == [r.row_hash for r in expected]
    assert [r.detail for r in kept[2:]] == [{"rules": ["dispute"], "n": i} for i in range(1, 5)]


def test_each_row_carries_the_hash_of_the_row_before_it(engine: Engine) -> None:
    with engine.begin() as conn:
        _append(conn, 3)
    with engine.connect() as conn:
        rows = _events(conn)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert [r.prev_hash for r in rows] == [GENESIS, rows[0].row_hash, rows[1].row_hash]
    first = rows[0]
    fields = {k: getattr(first, k) for k in ("at", "user_id", "action", "entity", "entity_id", "detail")}
    assert first.row_hash == row_hash(seq=1, prev_hash=GENESIS, **fields)


def test_an_empty_log_verifies(engine: Engine) -> None:
    with engine.connect() as conn:
        check = check_chain(conn)
    assert check.ok and check.checked == 0 and check.verified_to is None


WRITERS = 8
EACH = 12


def test_concurrent_writers_form_one_unbroken_chain(engine: Engine) -> None:
    start = threading.Barrier(WRITERS)
    failures: list[str] = []

    def writer(k: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                # Half begin with the write lock (as a form post does), half as a plain transaction.
                with UnitOfWork(engine, immediate=k % 2 == 0) as uow:
                    _append(uow.session.connection(), 2, first=1000 * k + 2 * i)
                    uow.commit()
        except Exception as exc:  # a failed writer fails the test below, with its error
            failures.append(f"writer {k}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with engine.connect() as conn:
        check = check_chain(conn)
        rows = _events(conn)
    assert check.ok, check.broken
    assert check.checked == WRITERS * EACH * 2 == check.head_seq
    assert [r.seq for r in rows] == list(range(1, WRITERS * EACH * 2 + 1))
    # A transaction's two events sit side by side: no other writer came between them.
    assert all(rows[j].entity_id + 1 == rows[j + 1].entity_id for j in range(0, len(rows), 2))


def test_the_database_refuses_to_update_or_delete_an_audit_row(engine: Engine) -> None:
    with engine.begin() as conn:
        _append(conn, 2)
    for statement in (
        update(t.audit_events).values(detail={}),
        update(t.audit_events).where(t.audit_events.c.seq == 2).values(action="nothing"),
        delete(t.audit_events),
        delete(t.audit_events).where(t.audit_events.c.seq == 2),
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert [r.detail["n"] for r in _events(conn)] == [1, 2]
        assert check_chain(conn).ok


def _drop_the_triggers(conn: Connection) -> None:
    """What someone with the database's owner rights could do; inside a transaction the test rolls back."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))


def _rewrite_row_2(conn: Connection) -> None:
    """Row 2 changed and given a hash of its own that matches: only the link from row 3 gives it away."""
    two = _events(conn)[1]
    fields = {k: getattr(two, k) for k in ("at", "user_id", "action", "entity", "entity_id")}
    digest = row_hash(seq=2, prev_hash=two.prev_hash, detail={"n": 0}, **fields)
    e = t.audit_events.c
    conn.execute(update(t.audit_events).where(e.seq == 2).values(detail={"n": 0}, row_hash=digest))


def _change_row_2(conn: Connection) -> None:
    conn.execute(update(t.audit_events).where(t.audit_events.c.seq == 2).values(detail={}))


def _delete_row(seq: int) -> Callable[[Connection], None]:
    def gone(conn: Connection) -> None:
        conn.execute(delete(t.audit_events).where(t.audit_events.c.seq == seq))

    return gone


# The tampering, the place of the row found broken (None: the head), and the last place that verifies.
TAMPERING: dict[str, tuple[Callable[[Connection], None], int | None, int]] = {
    "altered": (_change_row_2, 2, 1),
    "gap": (_delete_row(2), 3, 1),
    "unlinked": (_rewrite_row_2, 3, 2),
    "head": (_delete_row(4), None, 3),
}


@pytest.mark.parametrize("problem", sorted(TAMPERING))
def test_a_row_tampered_with_behind_the_triggers_is_found_by_the_check(engine: Engine, problem: str) -> None:
    with engine.begin() as conn:
        _append(conn, 4)
    tamper, broken_at, verified_to = TAMPERING[problem]
    with engine.connect() as conn:
        transaction = conn.begin()
        _drop_the_triggers(conn)
        tamper(conn)
        check = check_chain(conn)
        transaction.rollback()
    assert check.broken is not None and check.broken.problem == problem
    assert (check.broken.row.seq if check.broken.row else None) == broken_at
    assert check.verified_to is not None and check.verified_to.seq == verified_to
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(delete(t.audit_events))  # the triggers are back: the tampering was rolled back


def test_audit_verify_says_where_the_chain_ends_and_fails_on_a_row_written_around_it(
    db_env: str, engine: Engine
) -> None:
    with engine.begin() as conn:
        _append(conn, 3)
    code, report = cli_json("audit", "verify")
    assert code == 0 and report["ok"] and report["broken"] is None
    assert report["verified_to"]["seq"] == 3 and report["head"]["seq"] == 3
    assert report["head"]["hash"] == report["verified_to"]["hash"]
    bare = {"at": MORNING, "action": "case.viewed", "entity": "case", "entity_id": 9, "detail": {}}
    with pytest.raises(IntegrityError), engine.begin() as conn:  # no place, no hash: the database refuses
        conn.execute(insert(t.audit_events).values(**bare))
    with engine.begin() as conn:  # a forged row: the next place, linked, with a made-up hash
        sneaked = conn.execute(
            insert(t.audit_events)
            .values(**bare, seq=4, prev_hash=report["head"]["hash"], row_hash="f" * 64)
            .returning(t.audit_events.c.id)
        ).scalar_one()
    code, report = cli_json("audit", "verify")
    assert code == 1 and not report["ok"]
    assert report["broken"]["problem"] == "altered" and report["broken"]["row"]["id"] == sneaked
    assert report["verified_to"]["seq"] == 3
    said = cli("audit", "verify")
    assert said.exit_code == 1
    assert f"Broken: row {sneaked} (#4) does not match its hash" in said.stdout
    assert "3 rows verify, up to row" in said.stdout


# --- the migration chains what was written before it -------------------------------------------------


@pytest.fixture
def old_database(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, to migrate step by step: a SQLite file, or on PostgreSQL a schema of its own
    in the test database."""
    if not TEST_URL.startswith("postgresql"):
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    schema = "audit_migration"
    admin = make_engine(TEST_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(TEST_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_the_migration_chains_the_rows_written_before_it_then_locks_them(old_database: Engine) -> None:
    migrate.upgrade(old_database, "0005")
    with old_database.begin() as conn:  # the log as it was written before the chain
        for i in range(1, 4):
            conn.execute(
                insert(t.audit_events).values(
                    at=MORNING + timedelta(minutes=i),
                    action="reveal.national_id",
                    entity="case",
                    entity_id=i,
                    detail={"case_id": i, "kind": "mobile"},
                )
            )
    migrate.upgrade(old_database)
    with old_database.connect() as conn:
        check = check_chain(conn)
    assert check.ok and check.checked == 3 and check.head_seq == 3
    with old_database.begin() as conn:
        _append(conn, 1, first=4)  # the next event continues the chain
    with old_database.connect() as conn:
        assert check_chain(conn).checked == 4
    with pytest.raises(DBAPIError, match="append-only"), old_database.begin() as conn:
        conn.execute(delete(t.audit_events))


def test_an_event_without_a_time_zone_is_refused_and_nothing_is_written(engine: Engine) -> None:
    with pytest.raises(ValueError, match="naive"), engine.begin() as conn:
        record(conn, at=MORNING.replace(tzinfo=None), user_id=None, action="case.viewed", entity="case")
    with engine.connect() as conn:
        assert _events(conn) == [] and check_chain(conn).ok
