"""The simulated history written in bulk: interactions, promises, arrangements, messages, holds, disputes
and the cases' state, as one load."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection

from huikuan.demo.recorder import CaseInput, CaseState, History
from huikuan.domain.days import day_start, local_day
from huikuan.domain.disputes import dispute_deadline
from huikuan.domain.enums import CaseStage
from huikuan.domain.model import bucket
from huikuan.services.clock import floor_zone
from huikuan.services.fact_history import keep_change, snapshots
from huikuan.storage import tables as t
from huikuan.storage.bulk import insert_frame, update_frame

_UTC = pl.Datetime("us", "UTC")
_INTERACTIONS: dict[str, Any] = {
    "case_id": pl.Int64,
    "debtor_id": pl.Int64,
    "party_id": pl.Int64,
    "contact_point_id": pl.Int64,
    "user_id": pl.Int64,
    "at": _UTC,
    "channel": pl.Utf8,
    "direction": pl.Utf8,
    "outcome": pl.Utf8,
    "goal": pl.Utf8,
    "goal_met": pl.Boolean,
    "notes": pl.Utf8,
    "duration_s": pl.Int64,
}
_PROMISES: dict[str, Any] = {
    "case_id": pl.Int64,
    "amount": pl.Int64,
    "currency": pl.Utf8,
    "due_date": pl.Date,
    "created_at": _UTC,
    "created_by": pl.Int64,
    "status": pl.Utf8,
    "paid_amount": pl.Int64,
    "resolved_at": _UTC,
}
# update_frame resets every defaulted column the frame lacks, so each one is given.
_DEBTORS: dict[str, Any] = {
    "id": pl.Int64,
    "birth_date": pl.Date,
    "language": pl.Utf8,
    "time_zone": pl.Utf8,
    "address_region": pl.Utf8,
    "cease": pl.Boolean,
    "disputed": pl.Boolean,
    "attorney": pl.Boolean,
    "deceased": pl.Boolean,
    "hardship": pl.Boolean,
    "bankruptcy": pl.Boolean,
    "employer_prohibits": pl.Boolean,
    "opt_out_channels": pl.List(pl.Utf8),
    "inconvenient_times": pl.List(pl.Utf8),
}
_CASES: dict[str, Any] = {
    "id": pl.Int64,
    "stage": pl.Utf8,
    "segment": pl.Utf8,
    "assigned_user_id": pl.Int64,
    "next_action_channel": pl.Utf8,
    "next_action_goal": pl.Utf8,
    "next_action_due_at": _UTC,
    "priority": pl.Int64,
}


def write_history(conn: Connection, history: History, cases: list[CaseInput], today: date) -> None:
    """The played history written in bulk: interactions and promises, then what it left of each debtor,
    hold, dispute, case and phone."""
    insert_frame(conn, t.interactions, pl.DataFrame(history.interactions, schema=_INTERACTIONS))
    insert_frame(conn, t.promises, pl.DataFrame(history.promises, schema=_PROMISES))
    states = history.states
    write_debtor_facts(conn, cases, states)
    write_holds(conn, cases, states)
    keep_fact_changes(conn, cases, states)
    write_disputes(conn, cases, states)
    rows = [case_row(c, states[c.case_id], today) for c in cases]
    update_frame(conn, t.cases, pl.DataFrame(rows, schema=_CASES, orient="row"))
    write_phone_statuses(conn, cases, states)


def write_debtor_facts(conn: Connection, cases: list[CaseInput], states: dict[int, CaseState]) -> None:
    """Each debtor's facts as generated and as its history left them (cease, dispute, hardship ...)."""
    rows: list[tuple[Any, ...]] = [
        (
            c.debtor_id,
            c.debtor.birth,
            c.debtor.language,
            c.debtor.zone,
            c.debtor.region,
            s.cease,
            s.disputed,
            False,
            False,
            s.hardship,
            False,
            s.employer_prohibits,
            [],
            [],
        )
        for c in cases
        for s in (states[c.case_id],)
    ]
    update_frame(conn, t.debtors, pl.DataFrame(rows, schema=_DEBTORS, orient="row"))


def write_phone_statuses(conn: Connection, cases: list[CaseInput], states: dict[int, CaseState]) -> None:
    """The debtors' phones the history found wrong or disconnected."""
    bad = [
        (c.phone_point, states[c.case_id].phone_status)
        for c in cases
        if c.phone_point is not None and states[c.case_id].phone_status
    ]
    update_frame(
        conn,
        t.contact_points,
        pl.DataFrame(
            [(point, status, "placement", False) for point, status in bad],
            schema={"id": pl.Int64, "status": pl.Utf8, "source": pl.Utf8, "consent": pl.Boolean},
            orient="row",
        ),
    )


def write_holds(conn: Connection, cases: list[CaseInput], states: dict[int, CaseState]) -> None:
    """The holds of the simulated history (services/holds.py keeps the debtor's flag columns equal to its
    holds): a cease request in writing, from the letter, until someone ends it; a hardship heard on a call,
    a pause of 30 days from the call (to the end of that local day)."""
    utc = pl.Datetime("us", "UTC")
    rows: list[tuple[Any, ...]] = []
    for c in cases:
        s = states[c.case_id]
        if s.facts_changed_at is None or not (s.cease or s.hardship):
            continue
        at = s.facts_changed_at
        if s.cease:
            rows.append((c.debtor_id, "cease", at, None, None, "debtor", s.collector))
        if s.hardship:
            until = local_day(at + timedelta(days=30), c.debtor.zone)
            ends = day_start(until + timedelta(days=1), c.debtor.zone)
            rows.append((c.debtor_id, "hardship", at, ends, until, "debtor", s.collector))
    frame = pl.DataFrame(
        rows,
        schema={
            "debtor_id": pl.Int64,
            "kind": pl.Utf8,
            "started_at": utc,
            "ends_at": utc,
            "until": pl.Date,
            "source": pl.Utf8,
            "set_by": pl.Int64,
        },
        orient="row",
    )
    insert_frame(conn, t.holds, frame)


def keep_fact_changes(conn: Connection, cases: list[CaseInput], states: dict[int, CaseState]) -> None:
    """The disputes, cease requests and hardships of the simulated history as versions of the debtors'
    facts, from the contact that raised them: before it the gate knew none (services/fact_history.py)."""
    changed = {c.debtor_id: s for c in cases if (s := states[c.case_id]).facts_changed_at is not None}
    for debtor_id, after in snapshots(conn, changed).items():
        state = changed[debtor_id]
        flags = {**after["debtor"]["flags"], "cease": False, "disputed": False, "holds": []}
        before = {**after, "debtor": {**after["debtor"], "flags": flags}}
        at = state.facts_changed_at
        assert at is not None
        reason = "contact.outcome"
        keep_change(conn, debtor_id, before, after, at=at, user_id=state.collector, reason=reason)


def write_disputes(conn: Connection, cases: list[CaseInput], states: dict[int, CaseState]) -> None:
    """A disputed debtor's dispute of its whole case, open (services/disputes.py keeps debtors.disputed
    equal to one existing): raised on the call, confirmed in writing, so that it stops collection."""
    utc = pl.Datetime("us", "UTC")
    zone = floor_zone()
    rows = [
        (
            c.debtor_id,
            c.case_id,
            "contact",
            True,
            "open",
            True,
            at,
            dispute_deadline(c.creditor.pack, local_day(at, zone)),
            "",
        )
        for c in cases
        if (at := states[c.case_id].disputed_at) is not None and states[c.case_id].disputed
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "debtor_id": pl.Int64,
            "case_id": pl.Int64,
            "via": pl.Utf8,
            "written": pl.Boolean,
            "status": pl.Utf8,
            "stops_collection": pl.Boolean,
            "opened_at": utc,
            "deadline": pl.Date,
            "notes": pl.Utf8,
        },
        orient="row",
    )
    insert_frame(conn, t.disputes, frame)


def case_row(c: CaseInput, state: CaseState, today: date) -> tuple[Any, ...]:
    balance = sum(b for _id, _ref, b in c.accounts)
    # Bigger balances first (by order of magnitude), then running promises and fresh cases.
    priority = len(str(balance // 100)) * 12 + {CaseStage.PROMISED: 20, CaseStage.NEW: 10}.get(state.stage, 0)
    if state.stage is CaseStage.CLOSED:
        priority = 0
    return (
        c.case_id,
        state.stage.value,
        bucket((today - c.overdue_since).days),
        state.collector,
        state.next_channel,
        state.next_goal,
        state.next_due,
        min(priority, 100),
    )
