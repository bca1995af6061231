"""The provider's call records, taken in (docs/telephony.md, "Call records"): from its callback
(web/api/call_callbacks.py) or from the reconciliation job that polls its call list (`reconcile_calls`),
whichever comes first; the second changes nothing.

A record is matched to our call by (provider, provider_ref), else by the call id the provider echoed. It
fills the call (start, answered, ring and talk time, who hung up, the number actually dialled, sealed as a
national ID is, the recording's reference) and the interaction the call counts as: its instant becomes
the call's start, its duration the provider's talk time (whatever was typed), and a call nobody answered
records itself with the outcome "no answer"; an answered call waits for the collector's outcome
("answered", which the gate reads as a conversation meanwhile). A record of no call of ours (another
system on the same account) is counted and audited, never stored as a contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from huikuan.channels.telephony import CallRecord
from huikuan.config import get_settings
from huikuan.domain.enums import Outcome
from huikuan.sealing import seal
from huikuan.services.calls import FloorPhone, floor_phone
from huikuan.storage import tables as t
from huikuan.storage.audit import record as audit
from huikuan.storage.uow import UnitOfWork

SOURCES = ("callback", "reconcile")
HUNG_UP_BY = ("agent", "customer", "system", "")
# The reconciliation re-reads this much before its watermark (the instant of its last poll): a call still
# in progress then, or listed late by the provider, is found by the next poll, and a record already taken
# changes nothing.
RECONCILE_MARGIN = timedelta(hours=1)
# With no watermark yet, the first run looks this far back.
RECONCILE_FIRST = timedelta(days=1)
JOB_NAME = "calls-reconcile"


def take_records(
    uow: UnitOfWork, provider: str, records: Iterable[CallRecord], source: str
) -> dict[str, int]:
    """Takes each record in (one transaction each); the counts: taken, already (taken before: nothing
    changed), unknown (no call of ours)."""
    if source not in SOURCES:
        raise ValueError(f"source: {source!r} is not one of {SOURCES}")
    counts = {"taken": 0, "already": 0, "unknown": 0}
    for rec in records:
        counts[_take(uow, provider, rec, source)] += 1
        uow.commit()
    return counts


def _take(uow: UnitOfWork, provider: str, rec: CallRecord, source: str) -> str:
    now = datetime.now(UTC)
    call = _match(uow, provider, rec)
    if call is None:
        audit(
            uow.session,
            at=now,
            user_id=None,
            action="call.record_unknown",
            entity="call",
            entity_id=None,
            detail={"provider": provider, "provider_ref": rec.provider_ref[:128], "source": source},
        )
        return "unknown"
    if call.state == "ended":
        return "already"
    c = t.calls.c
    started = rec.started_at.astimezone(UTC) if rec.started_at.tzinfo else rec.started_at.replace(tzinfo=UTC)
    talk = max(0, int(rec.talk_seconds))
    uow.session.execute(
        update(t.calls)
        .where(c.id == call.id, c.state != "ended")
        .values(
            provider_ref=call.provider_ref or rec.provider_ref[:128],
            state="ended",
            started_at=started,
            answered=bool(rec.answered),
            ring_seconds=max(0, int(rec.ring_seconds)),
            talk_seconds=talk,
            hung_up_by=rec.hung_up_by if rec.hung_up_by in HUNG_UP_BY else "",
            dialled=seal(rec.dialled) if rec.dialled else None,
            recording_ref=(rec.recording_ref or None) and rec.recording_ref[:255],
            record_source=source,
            recorded_at=now,
        )
    )
    if call.interaction_id is not None:
        _fill_interaction(uow, call.interaction_id, started, talk, bool(rec.answered))
    audit(
        uow.session,
        at=now,
        user_id=None,
        action="call.recorded",
        entity="call",
        entity_id=call.id,
        detail={"source": source, "answered": bool(rec.answered), "talk_seconds": talk},
    )
    return "taken"


def _match(uow: UnitOfWork, provider: str, rec: CallRecord) -> Any:
    c = t.calls.c
    columns = (c.id, c.state, c.provider_ref, c.interaction_id)
    row = None
    if rec.provider_ref:
        row = uow.session.execute(
            select(*columns).where(c.provider == provider, c.provider_ref == rec.provider_ref)
        ).one_or_none()
    if row is None and rec.call_id is not None:
        row = uow.session.execute(
            select(*columns).where(c.id == rec.call_id, c.provider == provider)
        ).one_or_none()
        if row is not None and row.provider_ref and rec.provider_ref and row.provider_ref != rec.provider_ref:
            return None  # our id echoed on another call of the provider's: not ours
    return row


def _fill_interaction(
    uow: UnitOfWork, interaction_id: int, started: datetime, talk: int, answered: bool
) -> None:
    """The call's contact at the call's start with the provider's talk time; its outcome, while the
    collector has given none: "no answer" for a call nobody answered, else "answered"."""
    i = t.interactions.c
    uow.session.execute(
        update(t.interactions).where(i.id == interaction_id).values(at=started, duration_s=talk)
    )
    outcome = Outcome.ANSWERED if answered else Outcome.NO_ANSWER
    uow.session.execute(
        update(t.interactions)
        .where(i.id == interaction_id, i.outcome == Outcome.PLACED.value)
        .values(outcome=outcome.value)
    )


def reconcile_calls(uow: UnitOfWork, now: datetime, line: FloorPhone | None) -> dict[str, Any]:
    """Polls the provider's call list since the watermark (less RECONCILE_MARGIN) and takes every record
    in; the new watermark is kept in the job's result. `line`: the floor's phone (services/calls.FloorPhone),
    None where there is none (nothing to do)."""
    if line is None:
        return {"taken": 0, "already": 0, "unknown": 0}
    j = t.job_leases.c
    kept = uow.session.execute(select(j.last_result).where(j.name == JOB_NAME)).scalar_one_or_none()
    previous = kept.get("watermark") if isinstance(kept, dict) else None
    since = (
        datetime.fromisoformat(previous) - RECONCILE_MARGIN
        if isinstance(previous, str)
        else now - RECONCILE_FIRST
    )
    records = list(line.phone.calls_since(since))
    counts: dict[str, Any] = take_records(uow, line.provider, records, "reconcile")
    counts["watermark"] = now.astimezone(UTC).isoformat()
    return counts


def reconcile_job(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    """The `calls-reconcile` job: the floor's telephone system's call list since the last poll; a floor
    without one does nothing."""
    return reconcile_calls(uow, now, floor_phone(get_settings()))
