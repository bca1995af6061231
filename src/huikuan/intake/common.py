"""What placement and payment files share: reading and resolving the table, skipping non-records,
and turning per-cell error columns into `RowError`s."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import polars as pl

from huikuan.intake import messages
from huikuan.intake.errors import PlacementFileError
from huikuan.intake.headers import Kind, Resolution, column_letter, header_score, resolve
from huikuan.intake.read import RawTable, read_table
from huikuan.intake.report import RowError, SkippedRow
from huikuan.intake.skips import find_skips
from huikuan.intake.values import clean, constant

T = TypeVar("T")

# Polars lets go of the GIL while it computes, so the columns of a file are normalised side by side.
_POOL = ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2)), thread_name_prefix="intake")


def in_parallel(jobs: Iterable[Callable[[], T]]) -> list[T]:
    """Run independent jobs on the intake thread pool; results in the order of the jobs."""
    futures = [_POOL.submit(job) for job in jobs]
    return [f.result() for f in futures]


@dataclass
class Prepared:
    """A file read and resolved, with its non-records set aside."""

    table: RawTable
    resolution: Resolution
    frame: pl.DataFrame  # the records only: `row` and the raw `cN` columns
    skipped: list[SkippedRow]
    cleaned_keys: dict[str, pl.Series]  # cleaned key fields, records only


def prepare(
    path: Path,
    kind: Kind,
    keys: Sequence[str],
    mapping: Mapping[str, str] | None,
    sheet: str | None,
) -> Prepared:
    table = read_table(path, score=lambda cells: header_score(cells, kind, mapping), sheet=sheet)
    resolution = resolve(table.raw_headers, kind, mapping)
    missing = resolution.missing(kind)
    if missing:
        seen = [h for h, raw in zip(table.headers, table.raw_headers, strict=True) if raw and raw.strip()]
        raise PlacementFileError(
            f"required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)} "
            f"(headers seen in row {table.header_row}: {', '.join(seen)}); "
            "rename the columns or name them in a mapping file",
            code="missing_columns",
            missing=missing,
            headers_seen=seen,
        )
    frame = table.frame
    names = [c for c in frame.columns if c != "row"]
    cleaned = {k: clean(frame[f"c{resolution.sources[k][0]}"]) for k in keys}
    skips = find_skips(frame, names, table.raw_headers, list(cleaned.values()), kind, mapping)
    skipped_rows = frame.select("row").with_columns(reason=skips).filter(pl.col("reason").is_not_null())
    skipped = [SkippedRow(int(r), str(reason)) for r, reason in skipped_rows.iter_rows()]
    if skipped:
        keep = skips.is_null()
        frame = frame.filter(keep)
        cleaned = {k: v.filter(keep) for k, v in cleaned.items()}
    return Prepared(table, resolution, frame, skipped, cleaned)


def rejected_cells(prepared: Prepared, rows: pl.Series | list[int]) -> pl.DataFrame:
    """The cells of the given rows as the file has them: `row`, then one column per source header."""
    frame = prepared.frame
    wanted = frame.filter(pl.col("row").is_in(pl.Series(rows, dtype=pl.Int64).implode()))
    names = {
        f"c{i}": header if header != "row" else f"{header} ({column_letter(i)})"
        for i, header in enumerate(prepared.table.headers)
    }
    return wanted.rename(names, strict=False)


def ignored_columns(prepared: Prepared) -> list[str]:
    """Headers that feed no field, without blank-headed columns that hold nothing at all."""
    table = prepared.table
    shown_to_position = {h: i for i, h in enumerate(table.headers)}
    result = []
    for header in prepared.resolution.ignored:
        position = shown_to_position[header]
        raw = table.raw_headers[position]
        if not (raw and raw.strip()):
            column = table.frame[f"c{position}"]
            if not column.str.contains(r"\S").fill_null(False).any():
                continue
        result.append(header)
    return result


# (canonical column, raw cells, error code per row, detail per row)
ErrorEntry = tuple[str, pl.Series, pl.Series, pl.Series | None]


@dataclass
class Part:
    """What one normalisation job gives back: output columns and error columns."""

    values: dict[str, pl.Series]
    errors: list[ErrorEntry] = field(default_factory=list)


@dataclass
class ErrorSink:
    """Collects per-cell error columns over the records of one file."""

    rows: pl.Series
    order: Callable[[str], int]
    parts: list[pl.DataFrame] = field(default_factory=list)

    def add(
        self,
        column: str,
        raw: pl.Series,
        error: pl.Series,
        detail: pl.Series | None = None,
    ) -> None:
        if not error.is_not_null().any():
            return
        frame = pl.DataFrame(
            {
                "row": self.rows,
                "value": raw.cast(pl.String).fill_null(""),
                "code": error,
                "detail": (
                    detail.cast(pl.String) if detail is not None else constant(None, len(error), pl.String)
                ),
            }
        ).filter(pl.col("code").is_not_null())
        self.parts.append(
            frame.select(
                "row",
                column=pl.lit(column),
                order=pl.lit(self.order(column), pl.Int32),
                value="value",
                code="code",
                detail=pl.col("detail").fill_null(""),
            )
        )

    def bad_rows(self) -> pl.Series:
        """Row numbers that have at least one error."""
        if not self.parts:
            return pl.Series("row", [], dtype=pl.Int64)
        return pl.concat([p.select("row") for p in self.parts]).unique()["row"]

    def errors(self) -> list[RowError]:
        if not self.parts:
            return []
        frame = pl.concat(self.parts).sort("row", "order", maintain_order=True)
        return [
            RowError(
                row=int(row),
                column=column,
                value=value,
                code=code,
                reason=messages.reason(code, column, value, detail),
                detail=detail,
            )
            for row, column, value, code, detail in frame.select(
                "row", "column", "value", "code", "detail"
            ).iter_rows()
        ]


def duplicate_errors(key: pl.Series, rows: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(is a later occurrence of a key, the first row of that key) per row."""
    frame = pl.DataFrame({"k": key, "r": rows}).select(
        first=pl.when(pl.col("k").is_not_null()).then(pl.col("r").min().over("k")),
        r=pl.col("r"),
    )
    later = frame.select(pl.col("first").is_not_null() & (pl.col("first") != pl.col("r"))).to_series()
    return later, frame["first"]
