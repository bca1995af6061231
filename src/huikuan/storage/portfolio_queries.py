"""The portfolio reader's queries (storage/portfolio.py), written once with the few fragments where SQLite
and PostgreSQL differ, and the fast way their rows cross over:

- the interactions, the one table that grows without bound (10 rows per account and more), come out as
  ONE 64-bit integer per row, packed in SQL (`PortfolioSql.events`): quarter hours before `now`, case id,
  channel, outcome, direction and whether the debtor was the party. A 10,000,000-row history is then an
  80 MB column, unpacked (`decode_events`) and grouped by Polars, instead of 10,000,000 Python tuples or
  a GROUP BY that SQLite can only do with a temporary B-tree;
- every result set crosses over as text the database joins itself (`group_concat` on SQLite,
  `string_agg` on PostgreSQL: unit and record separators, parsed by Polars as CSV), which costs about
  half of fetching rows (or of COPY) per row (`fetch`), and the history in slices of its primary key
  (`event_slices`, `fetch_events`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection

from huikuan.domain.disputes import OPEN_DISPUTE
from huikuan.domain.enums import ContactStatus
from huikuan.domain.portfolio import CHANNEL_CODES, FLAG_BITS, OUTCOME_CODES, QUARTER

# The packed event: ((quarters before now) * 2^31 + case id) * 2^10 + channel * 2^7 + outcome * 2^2
# + outbound * 2 + debtor. 21 bits of quarters reach 59 years back (older events count as that old).
_CASE_BITS = 2**31
_LOW_BITS = 2**10
_MAX_AGE = 2**21 - 1
_PACKED = {"packed": pl.Int64}

UNUSABLE = tuple(
    s.value for s in (ContactStatus.WRONG_PARTY, ContactStatus.DISCONNECTED, ContactStatus.DO_NOT_CONTACT)
)


@contextmanager
def small_page_cache(conn: Connection, kib: int = 16_384) -> Iterator[None]:
    """SQLite's page cache held small while tables are scanned once (the engine's connections keep a
    large one for imports, and a scan would fill it for nothing), then put back."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def decode_events(slices: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """The packed interactions (slices read by fetch_events) unpacked: the Portfolio's events frame."""
    packed = pl.concat(slices) if slices else pl.DataFrame(schema=_PACKED)
    v = pl.col("packed")
    low = v % _LOW_BITS
    high = v // _LOW_BITS
    return packed.select(
        (high % _CASE_BITS).alias("case_id"),
        (high // _CASE_BITS).cast(pl.Int32).alias("age"),
        (low // 128).cast(pl.UInt8).alias("channel"),
        (low // 4 % 32).cast(pl.UInt8).alias("outcome"),
        (low // 2 % 2 == 1).alias("outbound"),
        (low % 2 == 1).alias("debtor"),
    )


class PortfolioSql:
    """The queries, written once with the few fragments where SQLite and PostgreSQL differ.

    Every value put into the text is an integer or an instant formatted here, never user input.
    """

    def __init__(self, dialect: str, now: datetime, creditor_ids: Sequence[int] | None) -> None:
        self.pg = dialect == "postgresql"
        self.now = now
        ids = None if creditor_ids is None else ",".join(str(int(i)) for i in creditor_ids)
        self.creditors = None if ids is None else ids or "NULL"

    def ts(self, at: datetime) -> str:
        at = at.astimezone(UTC)
        if self.pg:
            return f"TIMESTAMPTZ '{at.isoformat()}'"
        return f"'{at:%Y-%m-%d %H:%M:%S.%f}'"

    def num(self, expr: str) -> str:
        """A boolean as 0 or 1."""
        return f"CAST({expr} AS INTEGER)" if self.pg else f"({expr})"

    def epoch_seconds(self, col: str) -> str:
        if self.pg:
            return f"CAST(FLOOR(EXTRACT(EPOCH FROM {col})) AS BIGINT)"
        if sqlite3.sqlite_version_info >= (3, 38, 0):
            return f"unixepoch({col})"  # three times cheaper than strftime('%s')
        return f"CAST(strftime('%s', {col}) AS INTEGER)"

    def epoch_days(self, col: str) -> str:
        if self.pg:
            return f"({col} - DATE '1970-01-01')"
        return f"CAST(julianday({col}) - 2440587.5 AS INTEGER)"

    def nonempty_json(self, col: str) -> str:
        text = f"CAST({col} AS TEXT)" if self.pg else col
        return self.num(f"{text} NOT IN ('[]', '')")

    def of_creditors(self, col: str) -> str:
        return "" if self.creditors is None else f" AND {col} IN ({self.creditors})"

    def cases(self) -> str:
        # Disputed: the whole case (the debtor's flag) or one of its accounts, by an open dispute that
        # stops collection; either sends the case to the gate one by one (strategy/gating.py).
        open_disputes = ", ".join(f"'{s.value}'" for s in OPEN_DISPUTE)
        disputed = (
            "(d.disputed OR EXISTS (SELECT 1 FROM disputes x WHERE x.case_id = c.id "
            f"AND x.stops_collection AND x.status IN ({open_disputes})))"
        )
        flags = " + ".join(
            f"{self.num(disputed if name == 'disputed' else 'd.' + name)} * {bit}"
            for name, bit in FLAG_BITS.items()
            if name not in ("opted_out", "inconvenient", "held", "linked")
        )
        held = self.num(
            "EXISTS (SELECT 1 FROM holds h WHERE h.debtor_id = d.id AND h.ended_at IS NULL "
            "AND h.kind <> 'vulnerability')"
        )
        return (
            "SELECT c.id, c.debtor_id, c.creditor_id, c.assigned_user_id, d.language, d.time_zone, "
            f"d.address_country, d.address_region, {flags} + {self.nonempty_json('d.opt_out_channels')} * 64 "
            f"+ {self.nonempty_json('d.inconvenient_times')} * 128 + {held} * 512 "
            "+ CASE WHEN pm.debtor_id IS NULL THEN 0 ELSE 1024 END, c.ability, c.willingness "
            "FROM cases c JOIN debtors d ON d.id = c.debtor_id "
            "LEFT JOIN person_members pm ON pm.debtor_id = d.id "
            f"WHERE c.stage <> 'closed'{self.of_creditors('c.creditor_id')}"
        )

    def accounts(self) -> str:
        return (
            "SELECT a.case_id, a.id, a.balance, "
            f"{self.epoch_days('a.overdue_since')}, a.product, a.currency FROM accounts a "
            "WHERE a.status = 'open' AND a.balance > 0 AND a.case_id IS NOT NULL"
            f"{self.of_creditors('a.creditor_id')}"
        )

    def events(self, first_id: int | None = None, last_id: int | None = None) -> str:
        """One packed integer per interaction up to now (see _CASE_BITS), optionally in an id range."""
        now_quarter = int(self.now.timestamp()) // QUARTER
        channel = " ".join(f"WHEN '{k}' THEN {v}" for k, v in CHANNEL_CODES.items())
        outcome = " ".join(f"WHEN '{k}' THEN {v}" for k, v in OUTCOME_CODES.items())
        least = "LEAST" if self.pg else "MIN"
        age = f"{least}({now_quarter} - {self.epoch_seconds('i.at')} / {QUARTER}, {_MAX_AGE})"
        where = f"i.at <= {self.ts(self.now)}"
        if first_id is not None and last_id is not None:
            where += f" AND i.id BETWEEN {int(first_id)} AND {int(last_id)}"
        where += self._of_creditors("i.case_id")
        outbound = self.num("i.direction = 'outbound'")
        debtor = self.num("i.party_id IS NULL")
        return (
            f"SELECT ({age} * {_CASE_BITS} + i.case_id) * {_LOW_BITS}"
            f" + (CASE i.channel {channel} ELSE 0 END) * 128"
            f" + (CASE i.outcome {outcome} ELSE 0 END) * 4"
            f" + {outbound} * 2 + {debtor} AS packed "
            f"FROM interactions i WHERE {where}"
        )

    def contact_points(self) -> str:
        """The debtors' own contact points: phones with their number, the address with its first words."""
        unusable = ", ".join(f"'{s}'" for s in UNUSABLE)
        usable = self.num(f"cp.status NOT IN ({unusable})")
        return (
            f"SELECT cp.debtor_id, cp.kind, {usable}, "
            "CASE WHEN cp.kind IN ('mobile', 'landline') THEN cp.value "
            f"WHEN cp.kind = 'address' THEN replace(replace(substr(cp.value, 1, 64), {self.char(30)}, ' '), "
            f"{self.char(31)}, ' ') END "
            "FROM contact_points cp WHERE cp.party_id IS NULL"
            f"{self._of_creditors('cp.debtor_id', 'debtors')}"
        )

    def char(self, code: int) -> str:
        return f"chr({code})" if self.pg else f"char({code})"

    def promises(self, day: date) -> str:
        """Each promise: its case, 1 kept / 2 broken or partly kept / 3 pending and not yet due / 0 other,
        its amount and due date (days since 1970-01-01)."""
        day_text = f"DATE '{day.isoformat()}'" if self.pg else f"'{day.isoformat()}'"
        return (
            "SELECT p.case_id, CASE WHEN p.status = 'kept' THEN 1 "
            "WHEN p.status IN ('broken', 'partly_kept') THEN 2 "
            f"WHEN p.status = 'pending' AND p.due_date >= {day_text} THEN 3 ELSE 0 END, "
            f"p.amount, {self.epoch_days('p.due_date')} "
            f"FROM promises p WHERE 1 = 1{self._of_creditors('p.case_id')}"
        )

    def _of_creditors(self, col: str, table: str = "cases") -> str:
        """A filter keeping the rows whose `col` names a case (or debtor) of the chosen creditors."""
        if self.creditors is None:
            return ""
        return f" AND {col} IN (SELECT id FROM {table} WHERE creditor_id IN ({self.creditors}))"

    def payments(self) -> str:
        """Payments of the last 90 days with their case (payments first: there are few of them); a payment
        reversed since counts for nothing."""
        since = datetime.fromtimestamp(self.now.timestamp() - 90 * 86_400, UTC)
        return (
            "SELECT a.case_id, p.amount FROM payments p CROSS JOIN accounts a "
            f"WHERE a.id = p.account_id AND p.paid_at >= {self.ts(since)}"
            f" AND p.paid_at <= {self.ts(self.now)} AND p.status = 'posted'"
            f" AND a.case_id IS NOT NULL{self.of_creditors('p.creditor_id')}"
        )


def fetch(conn: Connection, sql: str, schema: dict[str, Any]) -> pl.DataFrame:
    """A query's rows as a frame: the rows joined into one text by the database (`group_concat` on
    SQLite, `string_agg` on PostgreSQL; unit and record separators), which it builds in C far faster
    than Python takes rows one by one (or than COPY sends them), and which Polars parses as CSV.

    The query returns integers, floats and text only (no booleans, dates or instants), in the order of
    `schema`; an empty text reads as null.
    """
    names = [f"c{i}" for i in range(len(schema))]
    if conn.dialect.name == "postgresql":
        row = " || chr(31) || ".join(f"coalesce(CAST({n} AS TEXT), '')" for n in names)
        joined = f"string_agg({row}, chr(30))"
    else:
        row = " || char(31) || ".join(f"ifnull({n}, '')" for n in names)
        joined = f"group_concat({row}, char(30))"
    text = conn.exec_driver_sql(f"WITH x({', '.join(names)}) AS ({sql}) SELECT {joined} FROM x").scalar()
    return _parse(text, schema)


# Interactions per text the database builds: a slice of ~20 MB.
EVENTS_PER_TEXT = 1_000_000


def event_slices(conn: Connection, rows: int = 2_500_000) -> list[tuple[int, int]]:
    """Ranges of interaction ids of about `rows` rows each, to be read side by side."""
    # Two sub-queries: SQLite reads a lone MIN or MAX off the primary key, but scans for both at once.
    lo, hi = conn.exec_driver_sql(
        "SELECT (SELECT MIN(id) FROM interactions), (SELECT MAX(id) FROM interactions)"
    ).one()
    if lo is None:
        return []
    return [(start, min(start + rows - 1, int(hi))) for start in range(int(lo), int(hi) + 1, rows)]


def fetch_events(conn: Connection, sql: PortfolioSql, first: int, last: int) -> pl.DataFrame:
    """The packed interactions with ids in [first, last], as texts of EVENTS_PER_TEXT rows joined in the
    database (`group_concat` on SQLite, `string_agg` on PostgreSQL: both cheaper than rows or COPY)."""
    joined = "string_agg(CAST(packed AS TEXT), chr(30))" if sql.pg else "group_concat(packed, char(30))"
    parts = []
    for start in range(first, last + 1, EVENTS_PER_TEXT):
        end = min(start + EVENTS_PER_TEXT - 1, last)
        text = conn.exec_driver_sql(f"SELECT {joined} FROM ({sql.events(start, end)}) AS x").scalar()
        parts.append(_parse(text, _PACKED))
    return pl.concat(parts) if parts else pl.DataFrame(schema=_PACKED)


def _parse(text: str | None, schema: dict[str, Any]) -> pl.DataFrame:
    if not text:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(
        text.encode(), has_header=False, separator="\x1f", eol_char="\x1e", quote_char=None, schema=schema
    )


__all__ = [
    "EVENTS_PER_TEXT",
    "PortfolioSql",
    "decode_events",
    "event_slices",
    "fetch",
    "fetch_events",
    "small_page_cache",
]
