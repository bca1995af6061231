"""The plan-dispatch job works in batches (services/plan_queue.py) and decides exactly as the one-by-one
path does: the gate's inputs read for a whole batch are each case's own, every message carries the
decision the gate gives when asked about it alone, and a message another run queued meanwhile is
counted as already there, never queued twice."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from tests.support.floor import MORNING, TODAY, Floor
from tests.support.messaging import channel_settings, use_settings

from huikuan import config
from huikuan.channels import KINDS
from huikuan.channels.choice import choose
from huikuan.channels.render import template_names
from huikuan.services import plan_dispatch, plan_queue
from huikuan.services.contacts import check_contact
from huikuan.services.gate import read_gate_inputs, read_gate_inputs_many
from huikuan.services.message_facts import case_state
from huikuan.services.message_text import case_facts, compose, message_locale, recipient
from huikuan.services.outbox import first_point
from huikuan.services.plan_dispatch import dispatch_plan
from huikuan.storage import tables as t
from huikuan.storage.bulk import insert_rows

SLOT = MORNING + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


def _varied(floor: Floor) -> list[int]:
    """The floor's cases, made to differ: a debtor linked as one person with another creditor's debtor
    (whose contacts count for it), a contact history, a ceased debtor. Their ids."""
    s = floor.uow.session
    other = floor.other_creditor_case
    assert other is not None
    person = s.execute(insert(t.persons).values(created_at=MORNING)).inserted_primary_key[0]
    for debtor in (floor.cases[0].debtor_id, other.debtor_id):
        s.execute(
            insert(t.person_members).values(
                debtor_id=debtor, person_id=person, how="confirmed", linked_at=MORNING
            )
        )
    for case, hours in ((other, 20), (floor.cases[0], 30), (floor.cases[1], 26)):
        s.execute(
            insert(t.interactions).values(
                case_id=case.id,
                debtor_id=case.debtor_id,
                at=MORNING - timedelta(hours=hours),
                channel="call",
                direction="outbound",
                outcome="no_answer",
            )
        )
    s.execute(update(t.debtors).where(t.debtors.c.id == floor.cases[2].debtor_id).values(cease=True))
    floor.uow.commit()
    return [c.id for c in (*floor.cases, other)]


def _plan(floor: Floor, *actions: tuple[int, str, datetime | None]) -> None:
    for n, action, slot in actions:
        floor.uow.session.execute(
            insert(t.plan_rows).values(
                plan_date=TODAY,
                strategy="optimized",
                case_id=floor.cases[n].id,
                action=action,
                slot_start=slot,
                reason={},
                created_at=MORNING - timedelta(hours=3),
            )
        )
    floor.uow.commit()


def _messages(floor: Floor) -> list[Any]:
    floor.uow.rollback()
    return list(floor.uow.session.execute(select(t.messages).order_by(t.messages.c.case_id)).all())


def _alone(floor: Floor, message: Any, at: datetime) -> tuple[str, str, str]:
    """The message written for its case alone, as the send form writes it (subject, body, template)."""
    facts = case_facts(floor.uow, message.case_id)
    point = first_point(floor.uow, facts.debtor_id, KINDS[message.channel])
    state = case_state(floor.uow, facts.id, facts.pack)
    template = choose(message.channel, template_names(message.channel), state).default
    assert point == message.contact_point_id and template
    to = recipient(floor.uow, facts, message.channel, point)
    lang = message_locale(facts, message.channel, template, None)
    subject, body = compose(
        floor.uow, facts, to, channel=message.channel, template=template, locale=lang, collector="", now=at
    )
    return subject, body, template


def test_the_gate_inputs_read_for_a_batch_are_each_cases_own(floor: Floor) -> None:
    ids = _varied(floor)
    batch = read_gate_inputs_many(floor.uow, ids)
    assert sorted(batch) == sorted(ids)
    for case_id in ids:
        assert batch[case_id] == read_gate_inputs(floor.uow, case_id)
    assert len(batch[floor.cases[0].id].history) > 1  # its own call and its person's call elsewhere


def test_each_message_carries_the_decision_the_gate_gives_it_alone(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _varied(floor)
    monkeypatch.setattr(plan_dispatch, "BATCH", 2)  # batches of two: several batches
    _plan(floor, (0, "sms", SLOT), (1, "letter", None), (2, "sms", SLOT))
    counts = dispatch_plan(
        floor.uow, MORNING, settings=channel_settings(tmp_path, sms_url="http://127.0.0.1:9")
    )
    assert (counts["planned"], counts["queued"], sum(counts["refused"].values())) == (3, 2, 1)
    for message in _messages(floor):
        at = message.next_attempt_at or (SLOT if message.channel == "sms" else MORNING)  # asked at its slot
        alone = check_contact(
            floor.uow,
            message.case_id,
            channel=message.channel,
            at=at,
            party=message.party_id,
            contact_point_id=message.contact_point_id,
            automated=True,
        )
        assert (message.subject, message.body, message.template) == _alone(floor, message, at)
        if message.status == "queued":
            assert alone.allowed and message.decision_id == alone.decision["id"]
        else:
            assert message.case_id == floor.cases[2].id and not alone.allowed
            event = floor.uow.session.execute(
                select(t.audit_events).where(t.audit_events.c.action == "contact.refused")
            ).one()
            assert event.detail["decision"]["id"] == alone.decision["id"]
            assert event.detail["rules"] == list(alone.refused_by)


def test_a_message_another_run_queued_meanwhile_is_counted_as_already_there(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plan(floor, (0, "sms", SLOT), (1, "sms", SLOT), (2, "sms", SLOT))
    reader = plan_queue.read_gate_inputs_many

    def meanwhile(uow: Any, case_ids: Any) -> Any:
        """Another run queues case 1's message while this one writes its batch."""
        found = reader(uow, case_ids)
        uow.session.execute(
            insert(t.messages).values(
                case_id=floor.cases[1].id,
                channel="sms",
                to="x",
                body="queued by another run",
                status="queued",
                created_at=datetime.now(UTC),
                plan_date=TODAY,
            )
        )
        uow.commit()
        return found

    monkeypatch.setattr(plan_queue, "read_gate_inputs_many", meanwhile)
    counts = dispatch_plan(
        floor.uow, MORNING, settings=channel_settings(tmp_path, sms_url="http://127.0.0.1:9")
    )
    assert (counts["queued"], counts["already"]) == (2, 1)
    assert [m.case_id for m in _messages(floor)] == sorted(c.id for c in floor.cases[:3])


def test_worker_processes_queue_exactly_what_one_process_queues(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many planned messages are shared among worker processes, a batch at a time: the outbox, the
    counts and the refusals' audit events are those the job's own process makes alone."""
    _varied(floor)
    monkeypatch.setattr(plan_dispatch, "BATCH", 1)
    monkeypatch.setattr(plan_dispatch, "PARALLEL_FROM", 2)
    _plan(floor, (0, "sms", SLOT), (1, "letter", None), (2, "sms", SLOT))
    settings = channel_settings(tmp_path, sms_url="http://127.0.0.1:9")

    def dispatched(workers: int) -> tuple[dict[str, Any], list[tuple[Any, ...]], list[Any]]:
        m, a = t.messages.c, t.audit_events.c
        mark = floor.uow.session.execute(select(func.coalesce(func.max(a.id), 0))).scalar_one()
        floor.uow.rollback()
        counts = dispatch_plan(
            floor.uow, MORNING, settings=settings.model_copy(update={"dispatch_workers": workers})
        )
        floor.uow.rollback()
        kept = [c for c in t.messages.c if c.name not in ("id", "created_at")]
        messages = [tuple(r) for r in floor.uow.session.execute(select(*kept).order_by(m.case_id))]
        refused = select(a.detail).where(a.id > mark, a.action == "contact.refused")
        refusals = floor.uow.session.execute(refused).scalars().all()
        floor.uow.session.execute(t.messages.delete())  # the same plan again, from nothing queued
        floor.uow.commit()
        return counts, messages, sorted(refusals, key=str)

    parallel = dispatched(2)
    assert parallel[0]["queued"] == 2 and sum(parallel[0]["refused"].values()) == 1
    assert dispatched(1) == parallel


def _collector() -> tuple[tuple[int, ...], int]:
    return gc.get_threshold(), gc.get_freeze_count()


def test_a_worker_sets_what_it_started_with_aside_from_the_collector(floor: Floor) -> None:
    """A worker's start-up (its modules, its engine) is frozen out of the garbage collector's walks, and
    young objects are collected less often: each batch's objects otherwise made it walk the whole heap
    again and again (docs/benchmarks.md)."""
    url = floor.uow.engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(
        1, mp_context=get_context("spawn"), initializer=plan_dispatch._open, initargs=(url,)
    ) as pool:
        thresholds, frozen = pool.submit(_collector).result()
    assert thresholds == plan_dispatch.WORKER_GC_THRESHOLDS != gc.get_threshold()
    assert frozen > 10_000  # the modules' objects, at least


def test_a_batch_written_at_once_is_refused_whole_by_a_message_already_there(floor: Floor) -> None:
    """storage/bulk.insert_rows (COPY on PostgreSQL) writes the rows as given, and a row the plan's unique
    index refuses raises IntegrityError, as SQLAlchemy's own insert does, so that the batch is written
    again one message at a time."""
    case = floor.cases[0]
    row = {
        "case_id": case.id,
        "channel": "sms",
        "to": "+8613800000000",
        "body": 'a "quoted", multi-line\ntext',
        "status": "queued",
        "created_at": MORNING,
        "next_attempt_at": None,
        "plan_date": TODAY,
    }
    conn = floor.uow.session.connection()
    insert_rows(conn, t.messages, [row])
    m = t.messages.c
    kept = conn.execute(select(m.body, m.created_at, m.plan_date, m.attempts, m.subject)).one()
    assert tuple(kept) == (row["body"], MORNING, TODAY, 0, "")
    with pytest.raises(IntegrityError):
        insert_rows(conn, t.messages, [{**row, "body": "again"}])
