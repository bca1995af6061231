"""Paced ("power") dialling (docs/telephony.md): once a collector starts it, the next case of the
collector's work is dialled when the previous call has ended and its outcome is recorded, after a pause
the collector sets (`gap_s`), and only if the gate allows that call at that instant.

One call at a time per collector, never more: this is not a predictive dialler, which rings several
debtors per free collector and drops those answered when no one is free (abandoned calls are themselves
regulated). The collector is free when no call of theirs is still on the line (placed, its record not yet
come: at most ON_LINE_AT_MOST ago) and every call of theirs since the session started has its outcome.

Each `step` (the collector's page asks every few seconds, the API on demand) does at most one thing:
- stopped: nothing;
- busy: notes it (the pause starts again from the next time the collector is free);
- free, the pause not yet over: says when the next call goes;
- otherwise: claims the next case of "my work today" (services/queue.next_case) not called since the
  session started (each case once per session), rings its best phone number through services/calls.dial
  (the one door, which asks the gate at this instant) and answers with the case to open. A case the gate
  refuses, or with no number to ring, is passed over with the gate's rules, until the time the gate gives
  (never, when it gives none) and the next one tried, at most TRIES per step. Nothing due (but cases the
  gate allows later: it waits for them): the session stops and says so; the provider refusing a call: it
  stops with the provider's words (it would refuse the next one too).

Two windows of the same collector stepping at once dial once: a step holds the session
(`stepping_until`, by a conditional UPDATE) while it works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from huikuan.errors import Conflict, InvalidInput
from huikuan.services.access import Viewer, require_writer
from huikuan.services.calls import AWAITING, ERROR_MAX, FloorPhone, best_phone_points, dial, seat_of
from huikuan.services.queue_claims import next_case
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.engine import is_sqlite
from huikuan.storage.uow import UnitOfWork

GAP_S = 5  # the pause between a call's end (its outcome recorded) and the next dial, unless set
GAP_MAX_S = 600
TRIES = 10  # cases asked of the gate in one step before the step gives up until the next
ON_LINE_AT_MOST = timedelta(hours=1)  # a call whose record never came no longer holds the collector
HOLD = timedelta(seconds=30)  # how long a step holds the session at most
SKIPS_SHOWN = 10
NO_PHONE = "no-phone"  # a skip's rule: the case has no usable number of the debtor's own


@dataclass(frozen=True)
class Busy:
    """The call that keeps the collector from the next one: on the line, or waiting for its outcome."""

    call_id: int
    case_id: int
    on_line: bool


@dataclass(frozen=True)
class Skip:
    case_id: int
    at: datetime
    rules: tuple[str, ...]
    next_allowed_at: datetime | None


@dataclass(frozen=True)
class PowerState:
    """A collector's power dialling as the panel and the API show it."""

    running: bool
    gap_s: int = GAP_S
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    stop_reason: str | None = None  # collector, nothing_due, no_telephony, provider
    stop_detail: str | None = None
    dialled: int = 0
    skipped: int = 0
    last_case_id: int | None = None
    last_call_id: int | None = None
    busy: Busy | None = None
    next_at: datetime | None = None  # when the next call goes, the collector being free
    skips: tuple[Skip, ...] = field(default=())


@dataclass(frozen=True)
class Step:
    """What one step did: "dialled" (`case_id`, `call_id`), "busy", "waiting" (the pause), "stopped"."""

    did: str
    state: PowerState
    case_id: int | None = None
    call_id: int | None = None


def start(
    uow: UnitOfWork,
    viewer: Viewer,
    line: FloorPhone | None,
    *,
    gap_s: int = GAP_S,
    now: datetime | None = None,
) -> PowerState:
    """Starts (or starts again, from nothing) the viewer's power dialling at the given pace."""
    require_writer(viewer)
    when = _utc(now)
    if line is None:
        raise Conflict("This floor has no telephone system: dial elsewhere and record the call")
    seat_of(uow, viewer.user_id)
    if not 0 <= gap_s <= GAP_MAX_S:
        raise InvalidInput("The pause between calls is from 0 to {most} seconds", most=GAP_MAX_S)
    s = t.power_sessions.c
    values = {
        "state": "running",
        "gap_s": gap_s,
        "started_at": when,
        "stopped_at": None,
        "stop_reason": None,
        "stop_detail": None,
        "dialled": 0,
        "skipped": 0,
        "free_since": None,
        "stepping_until": None,
        "last_case_id": None,
        "last_call_id": None,
    }
    uow.begin_write()
    # One row per collector, made or reset in one statement: two windows starting at once for the first
    # time cannot both insert it.
    upsert = sqlite_insert if is_sqlite(uow.engine) else pg_insert
    made = upsert(t.power_sessions).values(user_id=viewer.user_id, **values)
    uow.session.execute(made.on_conflict_do_update(index_elements=[s.user_id], set_=values))
    uow.session.execute(delete(t.power_skips).where(t.power_skips.c.user_id == viewer.user_id))
    _audit(uow, viewer.user_id, "power.started", when, gap_s=gap_s)
    uow.commit()
    return power_state(uow, viewer, now=when)


def stop(uow: UnitOfWork, viewer: Viewer, *, now: datetime | None = None) -> PowerState:
    """Stops the viewer's power dialling (a call on the line goes on; no next one is dialled)."""
    require_writer(viewer)
    when = _utc(now)
    _stop(uow, viewer.user_id, when, "collector")
    uow.commit()
    return power_state(uow, viewer, now=when)


def power_state(uow: UnitOfWork, viewer: Viewer, *, now: datetime | None = None) -> PowerState:
    """The viewer's power dialling now (never started: not running)."""
    require_writer(viewer)
    when = _utc(now)
    row = _session(uow, viewer.user_id)
    if row is None:
        return PowerState(running=False)
    busy = _busy(uow, viewer.user_id, row.started_at, when) if row.state == "running" else None
    next_at = None
    if row.state == "running" and busy is None:
        next_at = (row.free_since or when) + timedelta(seconds=row.gap_s)
    k = t.power_skips.c
    skips = uow.session.execute(
        select(k.case_id, k.at, k.rules, k.next_allowed_at)
        .where(k.user_id == viewer.user_id)
        .order_by(k.at.desc(), k.id.desc())
        .limit(SKIPS_SHOWN)
    ).all()
    return PowerState(
        running=row.state == "running",
        gap_s=row.gap_s,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
        stop_reason=row.stop_reason,
        stop_detail=row.stop_detail,
        dialled=row.dialled,
        skipped=row.skipped,
        last_case_id=row.last_case_id,
        last_call_id=row.last_call_id,
        busy=busy,
        next_at=next_at,
        skips=tuple(Skip(r.case_id, r.at, tuple(r.rules or ()), r.next_allowed_at) for r in skips),
    )


def step(
    uow: UnitOfWork,
    viewer: Viewer,
    line: FloorPhone | None,
    *,
    now: datetime | None = None,
    at_once: bool = False,
) -> Step:
    """One step of the viewer's power dialling (see the module's docstring); `at_once`: the collector asks
    for the next call now, without the rest of the pause. A step that only waits writes nothing but the
    moment the collector was first seen free."""
    require_writer(viewer)
    when = _utc(now)
    row = _session(uow, viewer.user_id)
    if row is None or row.state != "running":
        return Step("stopped", power_state(uow, viewer, now=when))
    mine = t.power_sessions.c.user_id == viewer.user_id
    if line is None:
        _stop(uow, viewer.user_id, when, "no_telephony")
        uow.commit()
        return Step("stopped", power_state(uow, viewer, now=when))
    if _busy(uow, viewer.user_id, row.started_at, when) is not None:
        if row.free_since is not None:
            uow.session.execute(update(t.power_sessions).where(mine).values(free_since=None))
            uow.commit()
        return Step("busy", power_state(uow, viewer, now=when))
    free_since = row.free_since
    if free_since is None:
        free_since = when
        uow.session.execute(update(t.power_sessions).where(mine).values(free_since=when))
        uow.commit()
    if not at_once and when < free_since + timedelta(seconds=row.gap_s):
        return Step("waiting", power_state(uow, viewer, now=when))
    if not _hold(uow, viewer.user_id, when):
        return Step("busy", power_state(uow, viewer, now=when))  # another window is stepping
    try:
        if _busy(uow, viewer.user_id, row.started_at, when) is not None:  # it dialled just before
            return Step("busy", power_state(uow, viewer, now=when))
        return _dial_next(uow, viewer, line, row.started_at, when)
    finally:
        uow.rollback()
        uow.session.execute(update(t.power_sessions).where(mine).values(stepping_until=None))
        uow.commit()


def _dial_next(
    uow: UnitOfWork, viewer: Viewer, line: FloorPhone, started_at: datetime, when: datetime
) -> Step:
    """Claims and rings the next case the gate allows now, passing over the others (at most TRIES); a case
    called since the session started (by it, or by anyone's click) is not dialled again."""
    s = t.power_sessions.c
    mine = s.user_id == viewer.user_id
    passed = _passed_over(uow, viewer.user_id, when) | _called_since(uow, started_at)
    for _try in range(TRIES):
        case_id = next_case(uow, viewer, now=when, skip=frozenset(passed))
        if case_id is None and _coming_back(uow, viewer.user_id, when):
            break  # only cases the gate allows later are left: wait for them
        if case_id is None:
            _stop(uow, viewer.user_id, when, "nothing_due")
            uow.commit()
            return Step("stopped", power_state(uow, viewer, now=when))
        point = best_phone_points(uow, [case_id]).get(case_id)
        if point is None:
            _skip(uow, viewer.user_id, case_id, when, (NO_PHONE,), None)
            passed.add(case_id)
            continue
        done = dial(uow, viewer, case_id, point, line, now=when, mode="power")
        if done.state == "refused":
            allowed = datetime.fromisoformat(done.next_allowed_at) if done.next_allowed_at else None
            _skip(uow, viewer.user_id, case_id, when, done.rules, allowed)
            passed.add(case_id)
            continue
        if done.state == "failed":
            _stop(uow, viewer.user_id, when, "provider", done.error)
            uow.commit()
            return Step("stopped", power_state(uow, viewer, now=when), case_id, done.call_id)
        uow.session.execute(
            update(t.power_sessions)
            .where(mine)
            .values(dialled=s.dialled + 1, free_since=None, last_case_id=case_id, last_call_id=done.call_id)
        )
        uow.commit()
        return Step("dialled", power_state(uow, viewer, now=when), case_id, done.call_id)
    # Every case tried was passed over, or only those the gate allows later are left: the pause starts
    # again before the next ones are asked.
    uow.session.execute(update(t.power_sessions).where(mine).values(free_since=when))
    uow.commit()
    return Step("waiting", power_state(uow, viewer, now=when))


def _busy(uow: UnitOfWork, user_id: int, started_at: datetime, when: datetime) -> Busy | None:
    """The viewer's call that keeps them from the next: on the line (placed, no record yet, recent), or
    one since the session started whose outcome the collector has not given."""
    c, i = t.calls.c, t.interactions.c
    on_line = c.state.in_(("placing", "placed")) & (c.asked_at >= when - ON_LINE_AT_MOST)
    row = uow.session.execute(
        select(c.id, c.case_id, on_line.label("on_line"))
        .join(t.interactions, i.id == c.interaction_id)
        .where(
            c.user_id == user_id,
            c.state != "failed",
            or_(on_line, (c.asked_at >= min(started_at, when - ON_LINE_AT_MOST)) & i.outcome.in_(AWAITING)),
        )
        .order_by(c.asked_at.desc(), c.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else Busy(row.id, row.case_id, bool(row.on_line))


def _hold(uow: UnitOfWork, user_id: int, when: datetime) -> bool:
    """Holds the running session for this step; False when another step holds it."""
    s = t.power_sessions.c
    uow.commit()
    held = uow.session.execute(
        update(t.power_sessions)
        .where(
            s.user_id == user_id,
            s.state == "running",
            or_(s.stepping_until.is_(None), s.stepping_until < when),
        )
        .values(stepping_until=when + HOLD)
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    return bool(getattr(held, "rowcount", 0) == 1)


def _passed_over(uow: UnitOfWork, user_id: int, when: datetime) -> set[int]:
    """The cases passed over that stay so: no time given by the gate, or that time not yet come."""
    k = t.power_skips.c
    return set(
        uow.session.execute(
            select(k.case_id)
            .where(k.user_id == user_id, or_(k.next_allowed_at.is_(None), k.next_allowed_at > when))
            .distinct()
        ).scalars()
    )


def _called_since(uow: UnitOfWork, started_at: datetime) -> set[int]:
    c = t.calls.c
    return set(
        uow.session.execute(
            select(c.case_id).where(c.asked_at >= started_at, c.state != "failed").distinct()
        ).scalars()
    )


def _coming_back(uow: UnitOfWork, user_id: int, when: datetime) -> bool:
    """Whether a case passed over will be asked again: the gate gave a time, still to come."""
    k = t.power_skips.c
    found = uow.session.execute(
        select(k.id).where(k.user_id == user_id, k.next_allowed_at > when).limit(1)
    ).first()
    return found is not None


def _skip(
    uow: UnitOfWork,
    user_id: int,
    case_id: int,
    when: datetime,
    rules: tuple[str, ...],
    next_allowed_at: datetime | None,
) -> None:
    uow.session.execute(
        insert(t.power_skips).values(
            user_id=user_id, case_id=case_id, at=when, rules=list(rules), next_allowed_at=next_allowed_at
        )
    )
    s = t.power_sessions.c
    uow.session.execute(update(t.power_sessions).where(s.user_id == user_id).values(skipped=s.skipped + 1))
    # The case passed over goes back to the queue for anyone the gate may let call it sooner.
    c = t.cases.c
    uow.session.execute(
        update(t.cases)
        .where(c.id == case_id, c.claimed_by == user_id)
        .values(claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    uow.commit()


def _stop(uow: UnitOfWork, user_id: int, when: datetime, reason: str, detail: str = "") -> None:
    s = t.power_sessions.c
    stopped = uow.session.execute(
        update(t.power_sessions)
        .where(s.user_id == user_id, s.state == "running")
        .values(state="stopped", stopped_at=when, stop_reason=reason, stop_detail=detail[:ERROR_MAX] or None)
    )
    if getattr(stopped, "rowcount", 0):
        _audit(uow, user_id, "power.stopped", when, reason=reason)


def _session(uow: UnitOfWork, user_id: int) -> Any:
    s = t.power_sessions.c
    return uow.session.execute(select(t.power_sessions).where(s.user_id == user_id)).one_or_none()


def _audit(uow: UnitOfWork, user_id: int, action: str, at: datetime, **detail: Any) -> None:
    record(
        uow.session, at=at, user_id=user_id, action=action, entity="user", entity_id=user_id, detail=detail
    )


def _utc(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)
