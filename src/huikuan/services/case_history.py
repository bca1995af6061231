"""The case's history as its page reads it: the typed timeline entry, the interactions and plan rows of a
case, and readers of the JSON columns (a string on SQLite, a value on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import format_currency
from sqlalchemy import select

from huikuan.domain.money import Money
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class TimelineItem:
    """One entry of the case timeline, translated, with the filters it is shown under."""

    at: datetime
    kind: str  # interaction, promise, payment, reversal, message, letter, arrangement, plan, refusal, status
    ref_id: int
    label: str  # short, translated
    detail: str  # translated
    status: str | None = None
    amount: int | None = None
    currency: str | None = None
    by: str | None = None  # who: a user's name, or "the debtor", "the planner", "system", "the gate"
    groups: tuple[str, ...] = ()  # the FILTERS it is shown under
    note: str = ""  # what a person wrote on it
    reason: str = ""  # the gate's rules for a refusal, or the reason given, translated


def interactions(uow: UnitOfWork, case_id: int, *, limit: int | None = None) -> list[Any]:
    """The case's interactions, newest first, with who made them (the last `limit` only when given)."""
    i, u = t.interactions.c, t.users.c
    return list(
        uow.session.execute(
            select(
                i.id,
                i.at,
                i.channel,
                i.direction,
                i.outcome,
                i.goal,
                i.goal_note,
                i.goal_met,
                i.notes,
                i.duration_s,
                i.party_id,
                u.display_name.label("user_name"),
            )
            .select_from(t.interactions.outerjoin(t.users, u.id == i.user_id))
            .where(i.case_id == case_id)
            .order_by(i.at.desc(), i.id.desc())
            .limit(limit)
        ).all()
    )


def plan_rows(uow: UnitOfWork, case_id: int) -> list[Any]:
    """The daily plan's rows for the case, newest plan first, with whom each was planned for."""
    pl, u = t.plan_rows.c, t.users.c
    return list(
        uow.session.execute(
            select(
                pl.id,
                pl.plan_date,
                pl.action,
                pl.slot_start,
                pl.created_at,
                pl.p_pay,
                pl.expected_value,
                pl.segment,
                pl.reason,
                u.display_name.label("user_name"),
            )
            .select_from(t.plan_rows.outerjoin(t.users, u.id == pl.user_id))
            .where(pl.case_id == case_id)
            .order_by(pl.plan_date.desc())
        ).all()
    )


def latest_scores(plan: Sequence[Any]) -> dict[str, float]:
    """The planner's latest scores (ability, willingness, …) from the newest plan row's reason."""
    if not plan:
        return {}
    scores = json_dict(plan[0].reason).get("scores")
    if not isinstance(scores, dict):
        return {}
    return {k: float(v) for k, v in scores.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def money_formatter(locale: str) -> Callable[[int, str], str]:
    """A formatter of minor units in a currency for the locale."""

    def fmt(minor: int, currency: str) -> str:
        return format_currency(Money(int(minor), currency).amount, currency, locale=locale)

    return fmt


def json_list(value: Any) -> list[Any]:
    """A JSON column read as a list (empty when absent or not a list)."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return list(value) if isinstance(value, list) else []


def json_dict(value: Any) -> dict[str, Any]:
    """A JSON column read as a dict (empty when absent or not a dict)."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}
