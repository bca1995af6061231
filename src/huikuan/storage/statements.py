"""Statements' storage: the entries a statement covers (taken once, never again), the sums of their
lines, and their detail read back in chunks.

A statement covers the creditor's payment and reversal entries dated before its period's end that no
earlier statement covers; `statement_entries` (append-only, one row per entry) is that record, so a
correction posted later for an old month falls into the next statement. Coverage is taken with one
INSERT ... SELECT and the sums with one grouped query: a million payments never pass through Python
until the detail is written, chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, exists, func, insert, literal, select

from huikuan.domain.ledger import EntryKind
from huikuan.storage import tables as t
from huikuan.storage.bulk import read_frame

COVERED_KINDS = (EntryKind.PAYMENT.value, EntryKind.REVERSAL.value)

# The detail's columns as read (one row per covered payment or reversal entry).
DETAIL_SCHEMA: dict[str, Any] = {
    "entry_id": pl.Int64,
    "kind": pl.Utf8,
    "at": pl.Datetime("us", "UTC"),
    "currency": pl.Utf8,
    "reference": pl.Utf8,
    "amount": pl.Int64,
    "commission": pl.Int64,
    "source": pl.Utf8,
    "route": pl.Utf8,
    "account_ref": pl.Utf8,
    "debtor_name": pl.Utf8,
    "fees": pl.Int64,
    "interest": pl.Int64,
    "principal": pl.Int64,
}


def cover(conn: Connection, statement_id: int, creditor_id: int, end: datetime) -> None:
    """Takes into the statement every payment and reversal entry of the creditor dated before `end`
    that no statement covers yet."""
    e, se = t.ledger_entries.c, t.statement_entries.c
    taken = exists().where(se.entry_id == e.id)
    chosen = select(literal(statement_id), e.id).where(
        e.creditor_id == creditor_id, e.kind.in_(COVERED_KINDS), e.at < end, ~taken
    )
    conn.execute(insert(t.statement_entries).from_select(["statement_id", "entry_id"], chosen))


def add_entries(conn: Connection, statement_id: int, entry_ids: list[int]) -> None:
    if entry_ids:
        conn.execute(
            insert(t.statement_entries), [{"statement_id": statement_id, "entry_id": i} for i in entry_ids]
        )


def line_sums(conn: Connection, statement_id: int) -> list[dict[str, Any]]:
    """The covered payment and reversal entries' lines summed by currency, entry kind, the payment's
    source and route, and the books each line debits and credits."""
    e, se, ll, p = t.ledger_entries.c, t.statement_entries.c, t.ledger_lines.c, t.payments.c
    keys = (e.currency, e.kind, p.source, p.route, ll.debit_book, ll.credit_book)
    rows = conn.execute(
        select(*keys, func.sum(ll.amount).label("amount"))
        .select_from(
            t.statement_entries.join(t.ledger_entries, e.id == se.entry_id)
            .join(t.ledger_lines, ll.entry_id == e.id)
            .join(t.payments, p.id == e.payment_id)
        )
        .where(se.statement_id == statement_id, e.kind.in_(COVERED_KINDS))
        .group_by(*keys)
    ).all()
    return [dict(r._mapping) | {"amount": int(r.amount)} for r in rows]


def entry_counts(conn: Connection, statement_id: int) -> list[dict[str, Any]]:
    """How many payment and reversal entries the statement covers, by currency and kind."""
    e, se = t.ledger_entries.c, t.statement_entries.c
    rows = conn.execute(
        select(e.currency, e.kind, func.count().label("n"))
        .select_from(t.statement_entries.join(t.ledger_entries, e.id == se.entry_id))
        .where(se.statement_id == statement_id, e.kind.in_(COVERED_KINDS))
        .group_by(e.currency, e.kind)
    ).all()
    return [dict(r._mapping) for r in rows]


def _detail_query(statement_id: int) -> Any:
    e, se, p, a, d = (
        t.ledger_entries.c,
        t.statement_entries.c,
        t.payments.c,
        t.accounts.c,
        t.debtors.c,
    )
    pa = t.payment_allocations.c
    parts = (
        select(
            pa.payment_id,
            func.sum(pa.fees).label("fees"),
            func.sum(pa.interest).label("interest"),
            func.sum(pa.principal).label("principal"),
        )
        .group_by(pa.payment_id)
        .subquery()
    )
    return (
        select(
            e.id,
            e.kind,
            e.at,
            e.currency,
            p.external_ref,
            p.amount,
            p.commission,
            p.source,
            p.route,
            a.external_ref,
            d.name,
            func.coalesce(parts.c.fees, 0),
            func.coalesce(parts.c.interest, 0),
            func.coalesce(parts.c.principal, 0),
        )
        .select_from(
            t.statement_entries.join(t.ledger_entries, e.id == se.entry_id)
            .join(t.payments, p.id == e.payment_id)
            .join(t.accounts, a.id == p.account_id)
            .join(t.debtors, d.id == a.debtor_id)
            .outerjoin(parts, and_(parts.c.payment_id == p.id))
        )
        .where(se.statement_id == statement_id, e.kind.in_(COVERED_KINDS))
        .order_by(e.at, e.id)
    )


def detail_chunks(conn: Connection, statement_id: int, chunk: int = 50_000) -> Iterator[pl.DataFrame]:
    """The covered entries' detail (DETAIL_SCHEMA) in frames of at most `chunk` rows, in date order,
    read through a server-side cursor on PostgreSQL so that memory stays flat."""
    compiled: Any = _detail_query(statement_id).compile(
        dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
    )
    params: Any = compiled.params
    sqlite = conn.dialect.name == "sqlite"
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    dbapi: Any = conn.connection.dbapi_connection
    if not sqlite:
        # A cursor is planned for its first rows (cursor_tuple_fraction 0.1): nested loops in date order
        # that take minutes over a million rows. Every row is wanted: plan for all of them.
        conn.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    cursor = dbapi.cursor() if sqlite else dbapi.cursor(name=f"statement_{statement_id}_detail")
    raw = {k: (pl.Utf8 if isinstance(v, pl.Datetime) and sqlite else v) for k, v in DETAIL_SCHEMA.items()}
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(chunk):
            frame = pl.DataFrame(rows, schema=raw, orient="row")
            if sqlite:  # stored as naive UTC text
                frame = frame.with_columns(
                    pl.col("at")
                    .str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")
                    .dt.replace_time_zone("UTC")
                )
            yield frame
    finally:
        cursor.close()


def statement_rows(conn: Connection, creditor_id: int | None) -> list[dict[str, Any]]:
    """Statements, newest period first; one creditor's or (None) all."""
    s, c = t.statements.c, t.creditors.c
    query = (
        select(t.statements, c.code.label("creditor_code"), c.name.label("creditor_name"))
        .join(t.creditors, c.id == s.creditor_id)
        .order_by(s.period.desc(), c.code)
    )
    if creditor_id is not None:
        query = query.where(s.creditor_id == creditor_id)
    return [dict(r._mapping) for r in conn.execute(query).all()]


RECORDED_SCHEMA: dict[str, Any] = {
    "reference": pl.Utf8,
    "here_account": pl.Utf8,
    "here_amount": pl.Int64,
    "here_currency": pl.Utf8,
    "here_paid_at": pl.Datetime("us", "UTC"),
    "here_source": pl.Utf8,
}


def recorded_payments(conn: Connection, creditor_id: int) -> pl.DataFrame:
    """The creditor's payments recorded here that stand (not reversed), agency and direct alike."""
    p, a = t.payments.c, t.accounts.c
    query = (
        select(p.external_ref, a.external_ref, p.amount, p.currency, p.paid_at, p.source)
        .join(t.accounts, a.id == p.account_id)
        .where(p.creditor_id == creditor_id, p.status != "reversed")
    )
    return read_frame(conn, query, RECORDED_SCHEMA)
