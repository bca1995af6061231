"""The unit costs an administrator sets per channel (`huikuan reports costs set/list`, docs/reports.md
"Cost per channel"), and the cost per channel of a report's scope and period, read from the daily
counters: each day's attempts on a channel times the unit cost in force that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from huikuan.domain.costs import COST_CHANNELS, UnitCost, by_channel, channel_costs
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, require_admin
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.report_store import Scope, kept_sums, whole_weeks
from huikuan.storage.uow import UnitOfWork

MAX_UNIT_COST_MINOR = 10**9


@dataclass(frozen=True)
class SetCost:
    """One unit cost: `unit_cost_minor` per attempt on `channel`, in force from `effective_from`."""

    channel: str
    currency: str
    effective_from: date
    unit_cost_minor: int


def _checked(command: SetCost) -> SetCost:
    if command.channel not in COST_CHANNELS:
        raise InvalidInput("channel: expected one of {channels}", channels=", ".join(COST_CHANNELS))
    currency = command.currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput("currency: expected a three-letter code such as CNY")
    if not 0 <= command.unit_cost_minor <= MAX_UNIT_COST_MINOR:
        raise InvalidInput("unit cost: expected minor units from 0 to {most}", most=MAX_UNIT_COST_MINOR)
    return SetCost(command.channel, currency, command.effective_from, command.unit_cost_minor)


def set_cost(uow: UnitOfWork, viewer: Viewer | None, command: SetCost, now: datetime) -> dict[str, Any]:
    """Sets (or replaces) the unit cost of a channel and currency from a day on; audited; commits.
    `viewer` None: the command line."""
    if viewer is not None:
        require_admin(viewer)
    cost = _checked(command)
    c = t.channel_costs.c
    uow.begin_write()
    uow.session.execute(
        delete(t.channel_costs).where(
            c.channel == cost.channel, c.currency == cost.currency, c.effective_from == cost.effective_from
        )
    )
    user_id = viewer.user_id if viewer is not None else None
    uow.session.execute(
        insert(t.channel_costs).values(
            channel=cost.channel,
            currency=cost.currency,
            effective_from=cost.effective_from,
            unit_cost_minor=cost.unit_cost_minor,
            set_by=user_id,
            set_at=now,
        )
    )
    record(
        uow.session,
        at=now,
        user_id=user_id,
        action="channel_cost.set",
        entity=None,
        detail={
            "channel": cost.channel,
            "currency": cost.currency,
            "effective_from": cost.effective_from.isoformat(),
            "unit_cost_minor": cost.unit_cost_minor,
        },
    )
    uow.commit()
    return _as_dict(cost)


def _as_dict(cost: SetCost | UnitCost) -> dict[str, Any]:
    return {
        "channel": cost.channel,
        "currency": cost.currency,
        "effective_from": cost.effective_from.isoformat(),
        "unit_cost_minor": cost.unit_cost_minor,
    }


def unit_costs(conn: Connection) -> list[UnitCost]:
    """Every unit cost set, by channel, currency and day."""
    c = t.channel_costs.c
    query = select(c.channel, c.currency, c.effective_from, c.unit_cost_minor).order_by(
        c.channel, c.currency, c.effective_from
    )
    return [UnitCost(ch, cur, day, int(cost)) for ch, cur, day, cost in conn.execute(query)]


def list_costs(uow: UnitOfWork) -> list[dict[str, Any]]:
    return [_as_dict(cost) for cost in unit_costs(uow.session.connection())]


def costs_of(conn: Connection, scope: Scope, first: date, last: date) -> list[dict[str, Any]]:
    """Per channel and currency over first..last within the scope: attempts, contacts, net collected,
    cost, cost per contact and net collected per unit of cost (domain/costs.py). A cost is the unit cost
    in force on each day, so the counters are read by day, or by whole week where no unit cost changes
    within the week (the week's row counted at its Monday's cost)."""
    costs = unit_costs(conn)
    changes = {cost.effective_from for cost in costs}
    weeks = [
        monday
        for monday in whole_weeks(first, last)
        if not any(monday < day <= monday + timedelta(days=6) for day in changes)
    ]
    rows = [{**row, "channel": row["key"]} for row in kept_sums(conn, scope, first, last, "channel", weeks)]
    return channel_costs(by_channel(rows), costs)
