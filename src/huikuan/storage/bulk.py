"""Set-based writes for large loads: id allocation, inserts and updates from Polars frames.

SQLite gets `executemany` over plain tuples; PostgreSQL gets COPY. Both run inside the caller's
transaction, so a load is all or nothing.
"""

from __future__ import annotations

import io
import json
from typing import Any

import polars as pl
from sqlalchemy import ClauseElement, Connection, Table, text

from huikuan.storage.tables import metadata

_CHUNK = 50_000


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


def _driver_cursor(conn: Connection) -> Any:
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
    cols = data.columns
    if dialect == "postgresql":
        _copy(conn, table, data)
    else:
        placeholders = ", ".join("?" for _ in cols)
        quoted = ", ".join(f'"{c}"' for c in cols)
        sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({placeholders})'
        cursor = _driver_cursor(conn)
        for chunk in data.iter_slices(_CHUNK):
            cursor.executemany(sql, chunk.rows())
        cursor.close()
    return frame.height


def _copy(conn: Connection, table: Table, data: pl.DataFrame) -> None:
    quoted = ", ".join(f'"{c}"' for c in data.columns)
    cursor = _driver_cursor(conn)
    sql = f"COPY \"{table.name}\" ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with cursor.copy(sql) as copy:
        for chunk in data.iter_slices(_CHUNK * 4):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False, null_value="\\N", quote_style="necessary")
            copy.write(buffer.getvalue())
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
    cursor = _driver_cursor(conn)
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
    cursor = _driver_cursor(conn)
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


__all__ = ["allocate_ids", "insert_frame", "update_frame", "read_frame", "metadata"]
