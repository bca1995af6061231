"""Set-based writes for large loads: id allocation, inserts and updates from Polars frames.

SQLite gets `executemany` over plain tuples; PostgreSQL gets COPY. Both run inside the caller's
transaction, so a load is all or nothing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any

import polars as pl
from sqlalchemy import ClauseElement, Connection, Table, insert, text
from sqlalchemy.exc import IntegrityError

from huikuan.sealing import FORMAT as SEALED_FORMAT
from huikuan.storage.tables import metadata
from huikuan.storage.types import Sealed

_CHUNK = 50_000
# SQLite: rows per INSERT statement (one VALUES list), kept under the 32,766 bound parameters.
_ROWS_PER_STATEMENT = 200
# Below this many rows, inserting into the indexes directly is as quick as rebuilding them.
_DEFER_MIN_ROWS = 1_000
_MAX_PARAMETERS = 30_000
# SQLite page cache while loading a table: the loads append (secondary indexes are built afterwards),
# so the engine's 256 MB cache buys them no speed and would only add to peak memory. The reads keep
# the big cache: an unchanged re-import reads the creditor's rows through indexes, at random.
_LOAD_CACHE_KIB = 65_536


def allocate_ids(conn: Connection, table: Table, count: int) -> pl.Series:
    """Reserve `count` primary keys for rows the caller will insert in this transaction."""
    if count == 0:
        return pl.Series("id", [], dtype=pl.Int64)
    if conn.dialect.name == "postgresql":
        # One block of the sequence. The table lock (which plain reads pass) makes every other writer's
        # INSERT wait for this transaction, so no nextval() can land inside the block.
        conn.execute(text(f'LOCK TABLE "{table.name}" IN EXCLUSIVE MODE'))
        find = text("SELECT pg_get_serial_sequence(:t, 'id')")
        sequence = conn.execute(find, {"t": table.name}).scalar_one()
        last = conn.execute(
            text("SELECT setval(:s, nextval(:s) + :n - 1)"), {"s": sequence, "n": count}
        ).scalar_one()
        return pl.int_range(last - count + 1, last + 1, eager=True, dtype=pl.Int64).alias("id")
    # SQLite: the caller holds the write lock (BEGIN IMMEDIATE), so MAX(id) cannot move under us.
    start = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}")).scalar_one()
    return pl.int_range(start + 1, start + 1 + count, eager=True, dtype=pl.Int64).alias("id")


def _prepared(table: Table, frame: pl.DataFrame, dialect: str, *, defaults: bool = True) -> pl.DataFrame:
    """Encodes values for the driver; with `defaults`, fills the columns the frame lacks (for inserts)."""
    columns = []
    for col in table.columns:
        if col.name in frame.columns:
            expr = pl.col(col.name)
            dtype = frame.schema[col.name]
            if isinstance(col.type, Sealed):
                _refuse_plain(table, col.name, frame[col.name])
            if isinstance(dtype, pl.List | pl.Struct):
                expr = expr.map_elements(_json, return_dtype=pl.Utf8)
            elif dtype == pl.Boolean and dialect == "sqlite":
                expr = expr.cast(pl.Int8)
            elif dtype == pl.Date and dialect == "sqlite":
                expr = expr.dt.strftime("%Y-%m-%d")
            elif isinstance(dtype, pl.Datetime):
                fmt = "%Y-%m-%d %H:%M:%S.%6f" if dialect == "sqlite" else "%Y-%m-%d %H:%M:%S.%6f+00"
                expr = expr.dt.convert_time_zone("UTC").dt.strftime(fmt)
            columns.append(expr.alias(col.name))
        elif defaults and col.default is not None and not col.primary_key:
            value: Any = getattr(col.default, "arg", None)
            if callable(value):  # JSON columns: an empty list or object
                value = json.dumps(value(None))
            elif isinstance(value, bool) and dialect == "sqlite":
                value = int(value)
            columns.append(pl.lit(value).alias(col.name))
    return frame.select(columns)


def _refuse_plain(table: Table, name: str, values: pl.Series) -> None:
    """The bulk loads' side of storage.types.Sealed: a national ID reaches the database sealed."""
    sealed = values.drop_nulls().str.starts_with(f"{SEALED_FORMAT}:")
    if not sealed.all():
        raise ValueError(f"{table.name}.{name} is stored sealed: seal it first (storage/sealed.py)")


def driver_cursor(conn: Connection) -> Any:
    """The database driver's own cursor on `conn` (for what SQLAlchemy does not offer, such as COPY)."""
    driver: Any = conn.connection.driver_connection
    return driver.cursor()


def _json(value: Any) -> str:
    if isinstance(value, pl.Series):
        value = value.to_list()
    return json.dumps(value, ensure_ascii=False, default=str)


def insert_frame(conn: Connection, table: Table, frame: pl.DataFrame) -> int:
    """Inserts every row of the frame (columns named as the table's) and returns how many."""
    if frame.height == 0:
        return 0
    dialect = conn.dialect.name
    data = _prepared(table, frame, dialect)
    if dialect == "postgresql":
        _copy(conn, table, data)
    else:
        _sqlite_insert(conn, table, data)
    return frame.height


def _sqlite_insert(conn: Connection, table: Table, data: pl.DataFrame) -> None:
    """Many rows per INSERT, and a value every row shares written once into the statement.

    Binding a flat list of values costs the driver far less than a tuple a row, and a column that
    holds one value throughout (the creditor, a default such as `status`) is not bound at all.
    """
    distinct = data.select(pl.all().n_unique()).row(0, named=True)
    literals = {c: _sql_literal(data[c][0]) for c in data.columns if distinct[c] == 1 and data.height > 1}
    constant = {c: literal for c, literal in literals.items() if literal is not None}
    bound = [c for c in data.columns if c not in constant]
    if not bound:
        bound, constant = data.columns, {}
    names = ", ".join(f'"{c}"' for c in [*bound, *constant])
    row = "(" + ", ".join(["?"] * len(bound) + list(constant.values())) + ")"
    per = max(1, min(_ROWS_PER_STATEMENT, _MAX_PARAMETERS // len(bound)))
    width = per * len(bound)
    many = f'INSERT INTO "{table.name}" ({names}) VALUES ' + ", ".join([row] * per)
    cursor = driver_cursor(conn)
    for chunk in data.select(bound).iter_slices(_CHUNK):
        flat = list(chain.from_iterable(zip(*(s.to_list() for s in chunk.get_columns()), strict=True)))
        full = chunk.height // per * width
        cursor.executemany(many, (flat[i : i + width] for i in range(0, full, width)))
        rest = (len(flat) - full) // len(bound)
        if rest:
            tail = f'INSERT INTO "{table.name}" ({names}) VALUES ' + ", ".join([row] * rest)
            cursor.execute(tail, flat[full:])
    cursor.close()


def _sql_literal(value: Any) -> str | None:
    """NULL, an integer or a text as an SQLite literal; None for a value better left bound."""
    if value is None:
        return "NULL"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


@contextmanager
def deferred_indexes(conn: Connection, table: Table, incoming: int) -> Iterator[None]:
    """SQLite: a load that at least doubles a table builds its secondary indexes once, after the rows.

    Inserting rows one by one into an index with random keys (phone numbers, names) costs about twice
    as much as building the index from the finished table. DROP INDEX and CREATE INDEX run in the
    caller's transaction, so a kill or an error half-way rolls them back with the rows; readers keep
    seeing the old table with its indexes (WAL snapshot) until the commit. Unique indexes stay, so
    every constraint is checked row by row as before. PostgreSQL is left alone: there, dropping an
    index would lock the table against readers for the whole import.
    """
    if conn.dialect.name != "sqlite" or incoming < _DEFER_MIN_ROWS:
        yield
        return
    # MAX(id) bounds the row count and needs one index probe, where COUNT(*) scans the table.
    existing = conn.exec_driver_sql(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"').scalar_one()
    if incoming < existing:
        yield
        return
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
        " AND upper(sql) NOT LIKE 'CREATE UNIQUE%'",
        (table.name,),
    ).all()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        # CREATE INDEX sorts its keys in temporary files; held in memory (temp_store = MEMORY, this
        # project's default) they grow by reallocation and the sort takes twice as long.
        with sqlite_pragmas(conn, temp_store="FILE"):
            for _name, sql in indexes:
                conn.exec_driver_sql(sql)


@contextmanager
def sqlite_pragmas(conn: Connection, **settings: str | int) -> Iterator[None]:
    """SQLite: per-connection settings for the duration of a block, then back to what they were."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar_one() for name in settings}
    for name, value in settings.items():
        conn.exec_driver_sql(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        for name, value in before.items():
            conn.exec_driver_sql(f"PRAGMA {name} = {value}")


def load_frame(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Inserts a large frame as a load: a small page cache on SQLite, and its indexes built afterwards."""
    if frame.height == 0:
        return
    with sqlite_pragmas(conn, cache_size=-_LOAD_CACHE_KIB), deferred_indexes(conn, table, frame.height):
        insert_frame(conn, table, frame)


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Inserts these rows (a batch of a job: hundreds, each a dict of the table's columns): COPY on
    PostgreSQL, whose server then does a fraction of the work of an INSERT per row; SQLAlchemy's
    executemany elsewhere. A row a unique index refuses raises IntegrityError on both."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        insert_frame(conn, table, pl.DataFrame(rows, infer_schema_length=None))
    else:
        conn.execute(insert(table), rows)


def _copy(conn: Connection, table: Table, data: pl.DataFrame) -> None:
    from psycopg import errors

    quoted = ", ".join(f'"{c}"' for c in data.columns)
    cursor = driver_cursor(conn)
    sql = f"COPY \"{table.name}\" ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    try:
        with cursor.copy(sql) as copy:
            for chunk in data.iter_slices(_CHUNK * 4):
                buffer = io.BytesIO()
                chunk.write_csv(buffer, include_header=False, null_value="\\N", quote_style="necessary")
                copy.write(buffer.getvalue())
    except errors.IntegrityError as exc:  # as SQLAlchemy's own statements raise it
        raise IntegrityError(sql, None, exc) from exc
    finally:
        cursor.close()


def update_frame(conn: Connection, table: Table, frame: pl.DataFrame) -> int:
    """Updates rows by `id` with the frame's other columns; returns how many."""
    if frame.height == 0:
        return 0
    dialect = conn.dialect.name
    data = _prepared(table, frame, dialect, defaults=False)
    cols = [c for c in data.columns if c != "id"]
    data = data.select([*cols, "id"])
    mark = "?" if dialect == "sqlite" else "%s"
    sets = ", ".join(f'"{c}" = {mark}' for c in cols)
    sql = f'UPDATE "{table.name}" SET {sets} WHERE id = {mark}'
    cursor = driver_cursor(conn)
    for chunk in data.iter_slices(_CHUNK):
        cursor.executemany(sql, chunk.rows())
    cursor.close()
    return frame.height


def read_frame(conn: Connection, query: ClauseElement, schema: dict[str, Any]) -> pl.DataFrame:
    """Runs a query and returns its rows as a frame with the given schema (column order as selected).

    The rows come straight from the driver, without SQLAlchemy's per-value conversions, and are typed
    by Polars column by column: on SQLite dates arrive as ISO text and booleans as integers.
    """
    compiled: Any = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positiontup is not None:  # qmark drivers (SQLite) take the values in order
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = driver_cursor(conn)
    cursor.execute(str(compiled), params)
    rows = cursor.fetchall()
    cursor.close()
    if conn.dialect.name != "sqlite":
        return pl.DataFrame(rows, schema=schema, orient="row")

    def raw(dtype: Any) -> Any:
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            return pl.Utf8
        return pl.Int64 if dtype == pl.Boolean else dtype

    def typed(name: str, dtype: Any) -> pl.Expr:
        if dtype == pl.Date:
            return pl.col(name).str.to_date("%Y-%m-%d")
        if isinstance(dtype, pl.Datetime):  # stored as naive UTC text with microseconds
            parsed = pl.col(name).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")
            return parsed.dt.replace_time_zone("UTC")
        return pl.col(name).cast(dtype)

    frame = pl.DataFrame(rows, schema={name: raw(dtype) for name, dtype in schema.items()}, orient="row")
    return frame.with_columns(typed(name, dtype) for name, dtype in schema.items() if raw(dtype) != dtype)


__all__ = [
    "allocate_ids",
    "deferred_indexes",
    "insert_frame",
    "read_frame",
    "sqlite_pragmas",
    "update_frame",
    "metadata",
]
