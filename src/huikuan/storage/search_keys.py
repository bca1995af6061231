"""Writes the search keys (issue 15) of debtors and of their phones, in bulk: the one place they are
computed from the stored values (domain/search_keys.py has the rules).

The placement writer loads its new debtors and points with their keys (`debtor_keys`, `point_keys`: the
same computation, without a second pass over a million rows). `write_search_keys` is called wherever
else a name or a phone is written: services/contact_points.py and services/holds.py (a point added),
the demo load (every debtor, at its end), the migration that brought the keys in (every row on file).
Anonymisation sets them to null with the values they were made from (`CLEARED_DEBTOR`, `CLEARED_POINT`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import polars as pl
from sqlalchemy import ColumnElement, Connection, Table, select, true

from huikuan.domain.search_keys import PHONE_KINDS, TAIL_DIGITS, name_key, name_pinyin, national_digits
from huikuan.storage import tables as t
from huikuan.storage.bulk import driver_cursor, read_frame, update_frame

_CHUNK = 5_000  # ids per IN list, rows per read and write
# The keys of an erased debtor and of its erased points (services/anonymise.py writes them).
CLEARED_DEBTOR = {"name_key": None, "name_pinyin": None}
CLEARED_POINT = {"phone_digits": None, "phone_last4": None}


def write_search_keys(
    conn: Connection,
    *,
    debtor_ids: Iterable[int] = (),
    point_ids: Iterable[int] = (),
    everything: bool = False,
) -> None:
    """Computes and writes the keys of these debtors (name) and contact points (phone); `everything`:
    of every debtor and every point on file. The caller's transaction holds the writes."""
    if everything:
        _write_debtors(conn, true())
        _write_points(conn, true())
        return
    for chunk in _chunks(debtor_ids):
        _write_debtors(conn, t.debtors.c.id.in_(chunk))
    for chunk in _chunks(point_ids):
        _write_points(conn, t.contact_points.c.id.in_(chunk))


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    batch: list[int] = []
    for value in ids:
        batch.append(int(value))
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_debtors(conn: Connection, which: ColumnElement[bool]) -> None:
    d = t.debtors.c
    last = 0
    while True:
        rows = read_frame(
            conn,
            select(d.id, d.name).where(which, d.id > last).order_by(d.id).limit(_CHUNK),
            {"id": pl.Int64, "name": pl.Utf8},
        )
        if rows.height == 0:
            return
        keyed = debtor_keys(rows["name"]).with_columns(rows["id"])
        _store(conn, t.debtors, keyed)
        last = int(rows["id"][-1])


def _write_points(conn: Connection, which: ColumnElement[bool]) -> None:
    cp = t.contact_points.c
    last = 0
    while True:
        rows = read_frame(
            conn,
            select(cp.id, cp.kind, cp.value).where(which, cp.id > last).order_by(cp.id).limit(_CHUNK),
            {"id": pl.Int64, "kind": pl.Utf8, "value": pl.Utf8},
        )
        if rows.height == 0:
            return
        keyed = point_keys(rows["kind"], rows["value"]).with_columns(rows["id"])
        _store(conn, t.contact_points, keyed)
        last = int(rows["id"][-1])


def _store(conn: Connection, table: Table, keyed: pl.DataFrame) -> None:
    """Writes the two key columns of `keyed` by id: on PostgreSQL through a temporary table loaded with
    COPY and one UPDATE (a row-by-row UPDATE would add minutes to a million-row import)."""
    if conn.dialect.name != "postgresql":
        update_frame(conn, table, keyed)
        return
    first, second = (c for c in keyed.columns if c != "id")
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS search_keys_in (id bigint, k1 text, k2 text)")
    conn.exec_driver_sql("TRUNCATE search_keys_in")
    buffer = io.BytesIO()
    keyed.select("id", first, second).write_csv(buffer, include_header=False, null_value="\\N")
    cursor = driver_cursor(conn)
    with cursor.copy("COPY search_keys_in (id, k1, k2) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
        copy.write(buffer.getvalue())
    cursor.close()
    conn.exec_driver_sql("ANALYZE search_keys_in")  # else the planner guesses, and scans the table
    conn.exec_driver_sql(
        f'UPDATE "{table.name}" AS t SET "{first}" = k.k1, "{second}" = k.k2 FROM search_keys_in AS k'
        " WHERE t.id = k.id"
    )


def debtor_keys(names: pl.Series) -> pl.DataFrame:
    """The keys of each name (columns name_key, name_pinyin), computed once per distinct name: what the
    placement writer loads with its new debtors, and what `write_search_keys` writes."""
    distinct = names.drop_nulls().unique().to_list()
    keys = {v: name_key(v) for v in distinct}
    spelled = {v: name_pinyin(v) for v in distinct}
    return pl.DataFrame(
        [
            names.replace_strict(keys, default=None, return_dtype=pl.Utf8).alias("name_key"),
            names.replace_strict(spelled, default=None, return_dtype=pl.Utf8).alias("name_pinyin"),
        ]
    )


def point_keys(kinds: pl.Series, values: pl.Series) -> pl.DataFrame:
    """The keys of each contact point (columns phone_digits, phone_last4; null unless a phone): what the
    placement writer loads with its new points, and what `write_search_keys` writes."""
    digits = [
        national_digits(v) if k in PHONE_KINDS else None
        for k, v in zip(kinds.to_list(), values.to_list(), strict=True)
    ]
    found = pl.Series("phone_digits", digits, dtype=pl.Utf8)
    tail = pl.when(found.str.len_chars() >= TAIL_DIGITS).then(found.str.slice(-TAIL_DIGITS))
    return pl.DataFrame([found]).with_columns(tail.alias("phone_last4"))


__all__ = ["CLEARED_DEBTOR", "CLEARED_POINT", "debtor_keys", "point_keys", "write_search_keys"]
