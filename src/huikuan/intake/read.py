"""From a file on disk to a table of strings: format, encoding, delimiter and header row.

CSV bytes are decoded strictly (UTF-8, UTF-8 with BOM, then GB18030; UTF-16 only with its BOM) and
the encoding used is named; the delimiter is whichever of `,` tab `;` `|` makes a header appear; the
header is the record among the first 30 that names most canonical fields. Every cell comes back as
text (or null), each row with the record number the user sees in Excel.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import polars as pl

from huikuan.intake.errors import PlacementFileError
from huikuan.intake.headers import display_headers

HEADER_SEARCH_ROWS = 30
MIN_HEADER_SCORE = 2
DELIMITERS = (",", "\t", ";", "|")

_XLSX_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Scorer = Callable[[Sequence[str | None]], int]


@dataclass
class RawTable:
    """The cells of a file below its header, as strings.

    `frame` has a `row` column (Int64, the spreadsheet record number) and one Utf8 column per source
    column, named `c0`, `c1`..., in the order of `headers` (the report's names for them).
    """

    headers: list[str]
    raw_headers: list[str | None]
    frame: pl.DataFrame
    encoding: str
    delimiter: str | None
    header_row: int


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def read_table(path: Path, *, score: Scorer, sheet: str | None = None) -> RawTable:
    """Read a CSV, xlsx or Parquet file; raise PlacementFileError when it cannot be read as a table."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise PlacementFileError(f"cannot open {str(path)!r}: {exc.strerror}", code="unreadable") from exc
    if head.startswith(_XLSX_MAGIC):
        return _read_xlsx(path, score=score, sheet=sheet)
    if sheet is not None:
        raise PlacementFileError(
            f"a sheet ({sheet!r}) was named but {path.name} is not an xlsx workbook", code="unknown_sheet"
        )
    if head.startswith(_PARQUET_MAGIC):
        return _read_parquet(path)
    if head.startswith(_OLE_MAGIC):
        raise PlacementFileError(
            f"{path.name} is an old Excel .xls workbook; save it as .xlsx or CSV", code="unsupported_format"
        )
    return _read_csv(path.read_bytes(), score=score)


# --- CSV -----------------------------------------------------------------------------------------


def decode(data: bytes, utf8_error: int | None = None) -> tuple[str, str]:
    """(text, encoding name): UTF-8 strictly (BOM -> utf-8-sig), then GB18030 strictly.

    `utf8_error` is where UTF-8 is already known to fail, if it is.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(exc.start + 3, None) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise PlacementFileError(
                f"the file starts with a UTF-16 byte-order mark but byte offset {exc.start} is not UTF-16",
                code="undecodable",
            ) from exc
    if utf8_error is None:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            utf8_error = exc.start
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as gb_error:
        raise _undecodable(utf8_error, gb_error.start) from gb_error


def _undecodable(utf8_offset: int, gb_offset: int | None) -> PlacementFileError:
    message = f"the file is not UTF-8 (byte offset {utf8_offset} is not valid UTF-8)"
    if gb_offset is not None:
        message += f" nor GB18030/GBK (byte offset {gb_offset} is not valid GB18030)"
    return PlacementFileError(message + "; save it as UTF-8 or GBK", code="undecodable")


def _lines(text: str) -> Iterator[str]:
    """Physical lines with their endings, lazily (csv.reader pulls more for a quoted newline)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


@dataclass
class _HeadRecord:
    cells: list[str]
    chars_after: int  # characters of text consumed up to the end of this record


def _head_records(text: str, delimiter: str, limit: int) -> list[_HeadRecord]:
    consumed = 0

    def counting() -> Iterator[str]:
        nonlocal consumed
        for line in _lines(text):
            consumed += len(line)
            yield line

    records: list[_HeadRecord] = []
    reader = csv.reader(counting(), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        for cells in reader:
            records.append(_HeadRecord(cells, consumed))
            if len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def _best_header(rows: Sequence[Sequence[str | None]], score: Scorer) -> tuple[int, int]:
    """(index, score) of the earliest row that names most fields."""
    best, best_score = -1, 0
    for index, cells in enumerate(rows):
        s = score(cells)
        if s > best_score:
            best, best_score = index, s
    return best, best_score


def _no_header(rows: Sequence[Sequence[str | None]]) -> PlacementFileError:
    first = next((list(r) for r in rows if any((c or "").strip() for c in r)), [])
    seen = [c.strip() for c in first if c and c.strip()]
    return PlacementFileError(
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows: no row names at least "
        f"{MIN_HEADER_SCORE} known columns (first row seen: {', '.join(seen) or 'nothing'}); "
        "name the columns with a mapping file",
        code="no_header",
        headers_seen=seen,
    )


_HEAD_BYTES = 1 << 20


def _utf8_head(data: bytes) -> str | int:
    """The first MiB as UTF-8 (a character cut at the end is left out), or where it stops being UTF-8."""
    head = data[:_HEAD_BYTES]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(data) > len(head) and exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return head[: exc.start].decode("utf-8")
        return exc.start


def _read_csv(data: bytes, *, score: Scorer) -> RawTable:
    if not data or data.isspace():
        raise PlacementFileError("the file is empty", code="empty")
    plain_utf8 = not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    head = _utf8_head(data) if plain_utf8 else None
    if isinstance(head, str):
        # Most files are UTF-8: find the header in the first MiB and let Polars check the rest
        # (it refuses invalid UTF-8); only if it does is the whole file decoded here.
        try:
            return _parse_csv(head, "utf-8", data, score=score)
        except pl.exceptions.ComputeError as exc:
            if "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
                raise
    text, encoding = decode(data, head if isinstance(head, int) else None)
    if not text.strip():
        raise PlacementFileError("the file is empty", code="empty")
    return _parse_csv(text, encoding, data, score=score)


def _parse_csv(text: str, encoding: str, data: bytes, *, score: Scorer) -> RawTable:
    """`text` is the decoded file, or (UTF-8) a decoded head of it; `data` the file's bytes."""
    best: tuple[int, str, list[_HeadRecord], int] | None = None
    for delimiter in DELIMITERS:
        records = _head_records(text, delimiter, HEADER_SEARCH_ROWS)
        index, s = _best_header([r.cells for r in records], score)
        if best is None or s > best[3]:
            best = (index, delimiter, records, s)
    assert best is not None
    index, delimiter, records, s = best
    if s < MIN_HEADER_SCORE:
        raise _no_header([r.cells for r in _head_records(text, ",", HEADER_SEARCH_ROWS)])

    raw_headers: list[str | None] = list(records[index].cells)
    width = len(raw_headers)
    names = column_names(width)
    body_chars = records[index].chars_after
    if encoding in ("utf-8", "utf-8-sig"):
        bom = 3 if encoding == "utf-8-sig" else 0
        payload = data[bom + len(text[:body_chars].encode("utf-8")) :]
    else:
        payload = text[body_chars:].encode("utf-8")
    if payload:
        frame = pl.read_csv(
            payload,
            has_header=False,
            schema=dict.fromkeys(names, pl.String),
            separator=delimiter,
            quote_char='"',
            truncate_ragged_lines=True,
            raise_if_empty=False,
            missing_columns="insert",
        )
    else:
        frame = pl.DataFrame(schema=dict.fromkeys(names, pl.String))
    header_row = index + 1
    frame = frame.select(
        (pl.int_range(pl.len(), dtype=pl.Int64) + (header_row + 1)).alias("row"),
        *names,
    )
    return RawTable(display_headers(raw_headers), raw_headers, frame, encoding, delimiter, header_row)


# --- xlsx ----------------------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    """An Excel cell as the text the user sees (numbers to 15 significant digits, as Excel shows)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _read_xlsx(path: Path, *, score: Scorer, sheet: str | None) -> RawTable:
    import openpyxl  # imported here: only xlsx files need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise PlacementFileError(
            f"{path.name} cannot be read as an xlsx workbook: {exc}", code="unreadable_xlsx"
        ) from exc
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise PlacementFileError(
                f"{path.name} has no sheet {sheet!r} (its sheets: {', '.join(workbook.sheetnames)})",
                code="unknown_sheet",
            )
        rows: list[tuple[int, list[str | None]]] = []
        try:
            for cells in worksheet.iter_rows():
                number = next((c.row for c in cells if getattr(c, "row", None)), None)
                values = [_cell_text(c.value) for c in cells]
                if number is None:
                    number = rows[-1][0] + 1 if rows else 1
                rows.append((number, values))
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
            raise PlacementFileError(
                f"{path.name} cannot be read as an xlsx workbook: {exc}", code="unreadable_xlsx"
            ) from exc
    finally:
        workbook.close()

    # Rows without a single value at the end of a sheet are formatting, not records.
    while rows and all(v is None for v in rows[-1][1]):
        rows.pop()
    if not rows:
        raise PlacementFileError(f"the sheet {worksheet.title!r} of {path.name} is empty", code="empty")
    head = [cells for _, cells in rows[:HEADER_SEARCH_ROWS]]
    index, s = _best_header(head, score)
    if s < MIN_HEADER_SCORE:
        raise _no_header(head)
    raw_headers = rows[index][1]
    while raw_headers and (raw_headers[-1] is None or not raw_headers[-1].strip()):
        raw_headers = raw_headers[:-1]
    width = max(len(raw_headers), max((len(c) for _, c in rows[index + 1 :]), default=0))
    raw_headers = raw_headers + [None] * (width - len(raw_headers))
    names = column_names(width)
    body = rows[index + 1 :]
    columns: dict[str, list[str | None]] = {name: [] for name in names}
    for _, cells in body:
        for position, name in enumerate(names):
            columns[name].append(cells[position] if position < len(cells) else None)
    frame = pl.DataFrame(
        {"row": [number for number, _ in body], **columns},
        schema={"row": pl.Int64, **dict.fromkeys(names, pl.String)},
    )
    return RawTable(display_headers(raw_headers), raw_headers, frame, "xlsx", None, rows[index][0])


# --- Parquet -------------------------------------------------------------------------------------


def _as_text(series: pl.Series) -> pl.Series:
    dtype = series.dtype
    if dtype == pl.String:
        return series
    if dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return series.dt.strftime("%Y-%m-%d %H:%M:%S")
    return series.cast(pl.String)


def _read_parquet(path: Path) -> RawTable:
    try:
        source = pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for a corrupt file
        raise PlacementFileError(
            f"{path.name} cannot be read as a Parquet file: {exc}", code="unreadable_parquet"
        ) from exc
    raw_headers: list[str | None] = list(source.columns)
    names = column_names(len(raw_headers))
    try:
        columns = [
            _as_text(source.get_column(c)).alias(n) for c, n in zip(source.columns, names, strict=True)
        ]
    except pl.exceptions.PolarsError as exc:
        raise PlacementFileError(
            f"{path.name} has a column that cannot be read as text: {exc}", code="unreadable_parquet"
        ) from exc
    frame = pl.DataFrame(columns).select((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("row"), *names)
    return RawTable(display_headers(raw_headers), raw_headers, frame, "parquet", None, 1)
