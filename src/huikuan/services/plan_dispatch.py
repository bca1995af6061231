"""The plan sends its own messages: the `plan-dispatch` job puts each of today's planned SMS, e-mails,
WeChat messages and letters in the outbox, to go out at the plan's slot.

Each planned message is judged as the collector's own path judges it: the template the case's state
calls for (channels/choice.py, as the send form preselects it), rendered by services/message_text.py,
then the gate asked about the slot as `contacts.queue_message` asks it, as the system (user None),
marked with its plan day. The job works in batches of BATCH messages (services/plan_queue.py): what
they are written and judged from is read for the whole batch, and the batch is written at once. From
PARALLEL_FROM messages on, the batches are shared among worker processes (`dispatch_workers`, by default
one per core), each with its own connection, taking the next batch when it is done with one; a batch is
the same work in any process, so the outbox is the same as one process makes it.
The outbox job asks the gate again when the slot comes (services/outbox_delivery.py): a case that was put on
hold, ceased or disputed meanwhile is not sent.

Running the job again queues nothing twice: a case's message of a plan day and channel is unique
(messages.plan_date, ux_messages_plan). A message the gate refuses is kept in the outbox as refused with
the rules (and the refusal as an audit event), so that it is not asked about again every few minutes.

Counts: `planned` (today's planned messages) = `queued` + `already` (queued or refused by an earlier run)
+ the sum of `refused` (each refused message once, by its first rule) + `skipped` (the sum of
`skipped_by`: `not_configured`, the channel cannot send; `no_contact_point`; `not_writable`, no template
applies or it cannot be written).
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from multiprocessing import get_context
from typing import Any, NamedTuple

from sqlalchemy import and_, select

from huikuan.channels import MESSAGE_CHANNELS, sendable_channels
from huikuan.config import Settings, get_settings
from huikuan.domain.days import local_day
from huikuan.services.clock import floor_zone
from huikuan.services.message_text import CHANNELS
from huikuan.services.plan_queue import queue_batch
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.engine import make_engine
from huikuan.storage.uow import UnitOfWork

BATCH = 500  # planned messages written, judged and queued together (services/plan_queue.py)
PARALLEL_FROM = 4 * BATCH  # fewer are queued in the job's own process: a worker takes ~1 s to start
MAX_WORKERS = 4
# A worker's collector thresholds (gc.set_threshold): young objects collected every 10,000 allocations,
# not 700; the older generations as often as Python's defaults make them, relative to it.
WORKER_GC_THRESHOLDS = (10_000, 10, 10)


class Planned(NamedTuple):
    """A planned message to queue (what queue_batch reads of a plan row), as it goes to a worker."""

    case_id: int
    action: str
    slot_start: datetime | None


def dispatch_plan(uow: UnitOfWork, now: datetime, *, settings: Settings | None = None) -> dict[str, Any]:
    """Queues today's planned messages (the floor's today at `now`); returns the counts (module doc)."""
    settings = settings or get_settings()
    now = now.astimezone(UTC)
    day = local_day(now, floor_zone())
    ready = sendable_channels(settings)
    rows = _planned(uow, day)
    uow.rollback()
    counts: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    todo: list[Any] = []
    for row in rows:
        if row.message_id is not None:
            counts["already"] += 1
        elif row.action not in ready:
            skipped["not_configured"] += 1
        elif row.action not in CHANNELS:  # a channel with no templates
            skipped["not_writable"] += 1
        else:
            todo.append(row)
    for outcome in _queued(uow, todo, day, now, _workers(settings)):
        if outcome.startswith("refused:"):  # counted once, by its first rule
            refused[outcome.removeprefix("refused:").split(",")[0]] += 1
        elif outcome in ("queued", "already"):
            counts[outcome] += 1
        else:
            skipped[outcome] += 1
    result: dict[str, Any] = {
        "day": day.isoformat(),
        "planned": len(rows),
        "queued": counts["queued"],
        "already": counts["already"],
        "refused": dict(sorted(refused.items())),
        "skipped": sum(skipped.values()),
        "skipped_by": dict(sorted(skipped.items())),
    }
    if counts["queued"] or refused:
        record(
            uow.session,
            at=now,
            user_id=None,
            action="plan.dispatch",
            entity="plan",
            entity_id=None,
            detail=dict(result),
        )
        uow.commit()
    return result


def _workers(settings: Settings) -> int:
    return settings.dispatch_workers or min(os.cpu_count() or 1, MAX_WORKERS)


def _queued(uow: UnitOfWork, todo: list[Any], day: date, now: datetime, workers: int) -> Iterator[str]:
    """Each message's outcome (queue_batch), batch by batch, in this process or shared among workers."""
    batches = [
        [Planned(r.case_id, r.action, r.slot_start) for r in todo[start : start + BATCH]]
        for start in range(0, len(todo), BATCH)
    ]
    workers = min(workers, len(batches))
    if workers <= 1 or len(todo) < PARALLEL_FROM:
        for batch in batches:
            yield from queue_batch(uow, batch, day, now)
        return
    url = uow.engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_open, initargs=(url,)
    ) as pool:
        for outcomes in pool.map(_queue_in_worker, batches, [day] * len(batches), [now] * len(batches)):
            yield from outcomes


_worker_engine: Any = None  # a worker process's own engine (_open)


def _open(url: str) -> None:
    """A worker's start: its own engine, then the garbage collector told to leave alone what start-up
    made (the modules, the engine: `gc.freeze`) and to look at new objects less often. Without it, each
    batch's objects (thousands of events and rows, alive until the batch is written) aged into the older
    generations and made the collector walk the whole heap again and again: a fifth of a worker's time
    (200,000 messages on SQLite: 63 s before, 52 s after; docs/benchmarks.md)."""
    global _worker_engine
    _worker_engine = make_engine(url)
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


def _queue_in_worker(batch: list[Planned], day: date, now: datetime) -> list[str]:
    with UnitOfWork(_worker_engine) as uow:
        return queue_batch(uow, batch, day, now)


def _planned(uow: UnitOfWork, day: date) -> list[Any]:
    """Today's planned messages and letters, with the message an earlier run queued (or None)."""
    p, m = t.plan_rows.c, t.messages.c
    return list(
        uow.session.execute(
            select(p.case_id, p.action, p.slot_start, p.segment, m.id.label("message_id"))
            .outerjoin(
                t.messages,
                and_(m.case_id == p.case_id, m.plan_date == p.plan_date, m.channel == p.action),
            )
            .where(p.plan_date == day, p.action.in_(MESSAGE_CHANNELS))
            .order_by(p.slot_start, p.case_id)
        ).all()
    )
