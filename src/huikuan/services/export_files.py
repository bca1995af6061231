"""The one writer of the lists people download (CSV and XLSX) and the audit of every download.

A list is given as its columns (a key, a header in English translated to the viewer's language, and
whether the cell is money) and its rows (dicts of the keys, already as the page shows them: masked where
the page masks, labels translated). The CSV is UTF-8 with a byte order mark (so that Excel reads the
Chinese) and goes through huikuan.spreadsheet (no formula ever runs); the XLSX is written by
huikuan.xlsx_stream, a chunk of rows at a time, which makes text cells safe the same way. An export is
audited with who, which list, its filters and its row count, never the data.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from huikuan.i18n import gettext
from huikuan.spreadsheet import csv_writer
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork
from huikuan.xlsx_stream import XlsxStream

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK_ROWS = 5_000  # rows turned into XLSX at once
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # an English msgid, translated when written
    money: bool = False  # exact decimal text; a number in the XLSX


def headers(columns: Iterable[Column], locale: str) -> list[str]:
    return [gettext(column.header, locale) for column in columns]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def csv_bytes(
    columns: tuple[Column, ...], rows: Iterable[Mapping[str, Any]], locale: str
) -> tuple[bytes, int]:
    """The rows as a CSV file (UTF-8 with BOM, CRLF, formula-safe) and their count."""
    fh = io.StringIO()
    fh.write(BOM)
    writer = csv_writer(fh)
    writer.writerow(headers(columns, locale))
    count = 0
    for row in rows:
        writer.writerow([_text(row.get(column.key)) for column in columns])
        count += 1
    return fh.getvalue().encode("utf-8"), count


def _chunks(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    chunk: list[Mapping[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def xlsx_bytes(
    columns: tuple[Column, ...], rows: Iterable[Mapping[str, Any]], locale: str, sheet: str
) -> tuple[bytes, int]:
    """The rows as an XLSX workbook (money as numbers, text formula-safe) and their count."""
    numbers = frozenset(i for i, column in enumerate(columns) if column.money)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "export.xlsx"
        with XlsxStream(path, gettext(sheet, locale), headers(columns, locale), numbers=numbers) as book:
            for chunk in _chunks(rows, CHUNK_ROWS):
                data = {c.key: [_text(row.get(c.key)) for row in chunk] for c in columns}
                book.append(pl.DataFrame(data, schema={c.key: pl.Utf8 for c in columns}))
        return path.read_bytes(), book.rows


def file_bytes(
    fmt: str, columns: tuple[Column, ...], rows: Iterable[Mapping[str, Any]], locale: str, sheet: str
) -> tuple[bytes, int]:
    if fmt == "xlsx":
        return xlsx_bytes(columns, rows, locale, sheet)
    return csv_bytes(columns, rows, locale)


def audit_export(
    uow: UnitOfWork,
    user_id: int | None,
    name: str,
    filters: Mapping[str, str],
    rows: int,
    fmt: str,
    now: datetime | None = None,
) -> None:
    """`export.downloaded` in the audit log: the list, its filters and the row count (never the data);
    a short write of its own."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    uow.begin_write()
    detail = {"list": name, "format": fmt, "filters": dict(filters), "rows": rows}
    record(uow.session, at=at, user_id=user_id, action="export.downloaded", entity="export", detail=detail)
    uow.commit()


__all__ = ["FORMATS", "Column", "audit_export", "csv_bytes", "file_bytes", "xlsx_bytes"]
