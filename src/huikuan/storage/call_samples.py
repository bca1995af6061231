"""The reads and writes of the weekly call sample (services/call_review_sample.py): a week's answered calls
with their risk signals, which collectors have a sample for a week already, and the picks written.

A signal counts when it came after the call started and before the sample is drawn: a complaint received
or a dispute opened on the call's case, a cease hold set on its debtor or an opt-out recorded in the
debtor's facts (services/fact_history.py), or the call's own interaction ending in a refusal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, insert, or_, select

from huikuan.domain.call_review import Pick, SampleCall, signals_of
from huikuan.storage import tables as t

REFUSING_OUTCOMES = ("refuses", "disputes")


def _after(table_at: ColumnElement[Any], call_at: ColumnElement[Any], until: datetime) -> ColumnElement[bool]:
    """The instant lies after the call started and no later than the sample's."""
    return and_(table_at >= call_at, table_at <= until)


def week_calls(conn: Connection, start: datetime, end: datetime, until: datetime) -> list[SampleCall]:
    """The answered calls started in [start, end) with a collector, each with its risk signals as of
    `until`."""
    c = t.calls.c
    co, di, ho, fv, it = t.complaints.c, t.disputes.c, t.holds.c, t.fact_versions.c, t.interactions.c
    complaint = exists().where(co.case_id == c.case_id, _after(co.received_at, c.started_at, until))
    dispute = exists().where(di.case_id == c.case_id, _after(di.opened_at, c.started_at, until))
    cease = exists().where(
        ho.debtor_id == c.debtor_id, ho.kind == "cease", _after(ho.started_at, c.started_at, until)
    )
    opted = exists().where(
        fv.debtor_id == c.debtor_id,
        or_(fv.reason.like("inbound.opt_out%"), fv.reason == "preferences.set"),
        _after(fv.valid_from, c.started_at, until),
    )
    refused = exists().where(it.id == c.interaction_id, it.outcome.in_(REFUSING_OUTCOMES))
    rows = conn.execute(
        select(
            c.id,
            c.user_id,
            c.talk_seconds,
            complaint.label("complaint"),
            dispute.label("dispute"),
            or_(cease, opted).label("opt_out"),
            refused.label("refusal"),
        ).where(
            c.answered.is_(True),
            c.user_id.is_not(None),
            c.started_at >= start,
            c.started_at < end,
        )
    )
    out = []
    for r in rows:
        after = [name for name in ("complaint", "dispute", "opt_out", "refusal") if getattr(r, name)]
        talk = int(r.talk_seconds or 0)
        out.append(SampleCall(int(r.id), int(r.user_id), talk, signals_of(talk, after)))
    return out


def sampled_collectors(conn: Connection, week: str) -> set[int]:
    """The collectors who have a sample for the week already (it is drawn once)."""
    r = t.call_reviews.c
    return {int(u) for u in conn.execute(select(r.user_id).where(r.week == week).distinct()).scalars()}


def write_picks(conn: Connection, week: str, picks: Iterable[Pick], at: datetime) -> int:
    """The picks as call reviews awaiting a reviewer; a call already under review is left as it is."""
    chosen = list(picks)
    if not chosen:
        return 0
    c = t.calls.c
    ids = [p.call_id for p in chosen]
    cases = {
        int(r.id): (int(r.case_id), int(r.creditor_id))
        for r in conn.execute(
            select(c.id, c.case_id, t.cases.c.creditor_id)
            .join(t.cases, t.cases.c.id == c.case_id)
            .where(c.id.in_(ids))
        )
    }
    taken = set(
        conn.execute(select(t.call_reviews.c.call_id).where(t.call_reviews.c.call_id.in_(ids))).scalars()
    )
    rows = [
        {
            "call_id": p.call_id,
            "user_id": p.user_id,
            "case_id": cases[p.call_id][0],
            "creditor_id": cases[p.call_id][1],
            "week": week,
            "reason": p.reason,
            "risk_reasons": list(p.risk_reasons),
            "sampled_at": at,
            "comment": "",
        }
        for p in chosen
        if p.call_id not in taken
    ]
    if rows:
        conn.execute(insert(t.call_reviews), rows)
    return len(rows)
