"""The collector's assessment of a case (ability and willingness to pay, the delinquency reason) and the
planner's estimate shown beside it.

Ability and willingness are entered as three levels, stored as numbers in cases.ability / willingness
(0..1, the scale the planner reads): low 0.2, medium 0.5, high 0.8. An empty value clears the
assessment, and the planner estimates again. The reason is one of DelinquencyReason.

The planner's estimate comes from the case's latest daily-plan row when the plan estimated it (its
reason JSON keeps the scores it used); otherwise, or when the plan used the collector's own values, it
is computed for this one case with the planner's formula (strategy/segments.estimate) from a handful of
indexed reads: well under 50 ms on a large database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select, update

from huikuan.domain.days import day_start
from huikuan.domain.enums import CONVERSATION_OUTCOMES, DelinquencyReason, Outcome
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, case_to_work, visible_case
from huikuan.services.clock import floor_today, floor_zone
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.frames import F64, I8, B, Cases
from huikuan.strategy.segments import SEGMENTS, THRESHOLD, estimate

LEVELS: dict[str, float] = {"low": 0.2, "medium": 0.5, "high": 0.8}
LEVEL_LABELS = {"low": "Low", "medium": "Medium", "high": "High"}
REASONS = tuple(r.value for r in DelinquencyReason)
_RPC = frozenset(o.value for o in CONVERSATION_OUTCOMES - {Outcome.THIRD_PARTY})


def level(value: float | None) -> str | None:
    """The level a 0..1 score reads as: below 0.35 low, below 0.65 medium, else high."""
    if value is None:
        return None
    return "low" if value < 0.35 else "medium" if value < 0.65 else "high"


@dataclass(frozen=True)
class Estimate:
    """The planner's view of a case, never the collector's: scores 0..1 and the segment they make."""

    ability: float
    willingness: float
    segment: str
    source: str  # "plan": the daily plan of `as_of`; "estimate": computed now with the plan's formula
    as_of: date


@dataclass(frozen=True)
class Assessment:
    """What the assessment panel shows."""

    case_id: int
    ability: float | None
    willingness: float | None
    reason: str | None
    estimate: Estimate

    @property
    def ability_level(self) -> str | None:
        return level(self.ability)

    @property
    def willingness_level(self) -> str | None:
        return level(self.willingness)


def _score(field: str, value: str | float | None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value in LEVELS:
        return LEVELS[value]
    raise InvalidInput(_BAD_LEVEL[field], value=value)


_BAD_LEVEL = {
    "ability": "ability: {value} is not one of low, medium, high",
    "willingness": "willingness: {value} is not one of low, medium, high",
}


def assess(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    ability: str | None,
    willingness: str | None,
    reason: str | None,
) -> None:
    """Stores the viewer's assessment of the case (levels low/medium/high, empty to clear) and audits it."""
    case = case_to_work(uow, viewer, case_id)
    a = _score("ability", ability)
    w = _score("willingness", willingness)
    why = reason or None
    if why is not None and why not in REASONS:
        raise InvalidInput("reason: {value} is not one of {choices}", value=why, choices=", ".join(REASONS))
    before = {"ability": case.ability, "willingness": case.willingness, "reason": case.delinquency_reason}
    after = {"ability": a, "willingness": w, "reason": why}
    c = t.cases.c
    uow.session.execute(
        update(t.cases).where(c.id == case_id).values(ability=a, willingness=w, delinquency_reason=why)
    )
    record(
        uow.session,
        at=datetime.now(UTC),
        user_id=viewer.user_id,
        action="case.assessed",
        entity="case",
        entity_id=case_id,
        detail={"before": before, "after": after},
    )
    uow.commit()


def assessment(uow: UnitOfWork, viewer: Viewer, case_id: int, *, today: date | None = None) -> Assessment:
    """The case's assessment as stored, with the planner's estimate beside it."""
    case = visible_case(uow, viewer, case_id)
    return Assessment(
        case_id,
        case.ability,
        case.willingness,
        case.delinquency_reason,
        planner_estimate(uow, case_id, today=today),
    )


def planner_estimate(uow: UnitOfWork, case_id: int, *, today: date | None = None) -> Estimate:
    """The planner's own estimate for the case (never the collector's values): from the latest plan row
    that estimated them, else computed now for this case alone."""
    p = t.plan_rows.c
    row = uow.session.execute(
        select(p.plan_date, p.segment, p.reason)
        .where(p.case_id == case_id)
        .order_by(p.plan_date.desc())
        .limit(1)
    ).one_or_none()
    if row is not None:
        reason = json.loads(row.reason) if isinstance(row.reason, str) else row.reason
        scores = (reason or {}).get("scores") or {}
        ability, willingness = scores.get("ability"), scores.get("willingness")
        if not (reason or {}).get("assessed") and ability is not None and willingness is not None:
            segment = row.segment or reason.get("segment") or _segment(ability, willingness)
            return Estimate(float(ability), float(willingness), str(segment), "plan", row.plan_date)
    return _estimated(uow, case_id, today or floor_today())


def _segment(ability: float, willingness: float) -> str:
    index = (
        (0 if willingness >= THRESHOLD else 1)
        if ability >= THRESHOLD
        else (2 if willingness >= THRESHOLD else 3)
    )
    return SEGMENTS[index]


def _estimated(uow: UnitOfWork, case_id: int, today: date) -> Estimate:
    """segments.estimate on this one case's features, read with the plan's definitions (features.py)."""
    case, accounts = _case_and_accounts(uow, case_id)
    promises, paid, events = _recent_history(uow, case_id, today)
    one = _one_case(case, accounts, today, promises, paid, events)
    seg = estimate(one)
    return Estimate(
        round(float(seg.ability[0]), 4),
        round(float(seg.willingness[0]), 4),
        seg.names()[0],
        "estimate",
        today,
    )


def _case_and_accounts(uow: UnitOfWork, case_id: int) -> tuple[Any, Sequence[Any]]:
    """The case with its debtor's holds, and its open accounts with a balance."""
    s = uow.session
    c, d, a = t.cases.c, t.debtors.c, t.accounts.c
    case = s.execute(
        select(c.id, c.debtor_id, d.hardship, d.disputed)
        .join(t.debtors, d.id == c.debtor_id)
        .where(c.id == case_id)
    ).one()
    accounts = s.execute(
        select(a.balance, a.product, a.overdue_since).where(
            a.case_id == case_id, a.status == "open", a.balance > 0
        )
    ).all()
    return case, accounts


def _recent_history(uow: UnitOfWork, case_id: int, today: date) -> tuple[dict[str, int], Any, Sequence[Any]]:
    """The case's promises by status, its payments of the last 90 days (count, sum) and its contacts of
    the last 30, as of the end of the floor's day `today`."""
    s = uow.session
    a = t.accounts.c
    pr = t.promises.c
    counted = s.execute(select(pr.status, func.count()).where(pr.case_id == case_id).group_by(pr.status))
    promises: dict[str, int] = {str(status): int(n) for status, n in counted}
    now = day_start(today + timedelta(days=1), floor_zone())  # the end of the floor's day
    pay = t.payments.c
    paid = s.execute(
        select(func.count(), func.coalesce(func.sum(pay.amount), 0))
        .select_from(t.payments)
        .join(t.accounts, a.id == pay.account_id)
        .where(
            a.case_id == case_id,
            pay.status == "posted",  # a payment reversed since paid nothing
            pay.paid_at >= now - timedelta(days=90),
            pay.paid_at <= now,
        )
    ).one()
    i = t.interactions.c
    events = s.execute(
        select(i.channel, i.direction, i.outcome, i.party_id).where(
            i.case_id == case_id, i.at >= now - timedelta(days=30), i.outcome != Outcome.REFUSED_BY_GATE.value
        )
    ).all()
    return promises, paid, events


def _one_case(
    case: Any,
    accounts: Sequence[Any],
    today: date,
    promises: dict[str, int],
    paid: Any,
    events: Sequence[Any],
) -> Cases:
    """The one case as the planner's arrays; the features not read here are unknown (NaN) or empty.
    Long because it is one constructor call naming every feature of strategy/frames.Cases."""
    case_id = case.id
    largest = max(accounts, key=lambda r: r.balance, default=None)
    overdue = [r.overdue_since for r in accounts if r.overdue_since is not None]
    dpd = (today - min(overdue)).days if overdue else 0
    attempts = sum(1 for e in events if e.channel in ("call", "voicemail") and e.direction == "outbound")
    rpc = sum(1 for e in events if e.party_id is None and e.outcome in _RPC)
    # One case as the planner's arrays (strategy/frames.Cases), built directly: a Polars frame for a
    # single row would cost more than the reads.
    nan = float("nan")

    def f(value: float) -> F64:
        return np.array([value], dtype=np.float64)

    def b(value: bool) -> B:
        return np.array([value], dtype=np.bool_)

    def i8(value: int) -> I8:
        return np.array([value], dtype=np.int8)

    one = Cases(
        n=1,
        case_id=np.array([case_id], dtype=np.int64),
        debtor_id=np.array([case.debtor_id], dtype=np.int64),
        balance=f(float(sum(r.balance for r in accounts))),
        dpd=np.array([dpd], dtype=np.int32),
        product=[str(largest.product) if largest else "other"],
        product_code=i8(0),
        languages=[],
        language=i8(-1),
        zones=[],
        zone=i8(-1),
        currencies=[],
        currency=i8(-1),
        assigned=np.array([-1], dtype=np.int64),
        attempts_30d=f(attempts),
        rpc_30d=f(rpc),
        contacts_total=f(len(events)),
        days_since_contact=f(nan),
        promises_made=f(sum(promises.values())),
        promises_kept=f(promises.get("kept", 0)),
        promises_broken=f(promises.get("broken", 0) + promises.get("partly_kept", 0)),
        open_promise=b(False),
        payments_90d=f(paid[0]),
        paid_90d=f(float(paid[1])),
        hardship=b(bool(case.hardship)),
        disputed=b(bool(case.disputed)),
        has_mobile=b(False),
        has_email=b(False),
        has_wechat=b(False),
        has_address=b(False),
        district=[None],
        ability=f(nan),
        willingness=f(nan),
        promise_due_days=f(nan),
        promise_amount=f(nan),
        days_since_message=f(nan),
        days_since_attempt=f(nan),
        contacts_7d=f(nan),
    )
    return one
