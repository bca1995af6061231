"""Recall and closure files: one row per account the creditor takes back (recall) or closes, with a reason.

Columns (aliases: intake/header_aliases.py RECALL_ALIASES): the external reference and the reason are
required; `action` is `recall` (召回, 撤案, 退案; the default) or `close` (结案, 关闭); `recalled_on` is the
creditor's date of the recall (default: the day of the import). The same account twice: the second row is
skipped if it says the same, else it is a `duplicate_ref` error. An account the creditor never placed is
an `unknown_account` error, found when the rows meet the database (services/recalls.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from huikuan.intake.common import ErrorSink, duplicate_errors, ignored_columns, prepare, rejected_cells
from huikuan.intake.dates import dates
from huikuan.intake.headers import RECALL_FIELDS
from huikuan.intake.phones import check_region
from huikuan.intake.report import DUPLICATE_IN_FILE, RowError, SkippedRow
from huikuan.intake.values import clean, constant, references, required, text

RECALL_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "external_ref": pl.String(),
    "reason": pl.String(),
    "action": pl.String(),  # recall or close
    "recalled_on": pl.Date(),
}
REASON_MAX = 200
ACTIONS: dict[str, str] = {
    "recall": "recall", "recalled": "recall", "召回": "recall", "撤案": "recall", "退案": "recall",
    "撤回": "recall", "close": "close", "closed": "close", "closure": "close", "结案": "close",
    "关闭": "close", "销案": "close",
}  # fmt: skip


@dataclass
class ParsedRecalls:
    encoding: str
    columns: dict[str, str]
    ignored_columns: list[str]
    rows_read: int
    rows: pl.DataFrame
    errors: list[RowError] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    rejected_rows: int = 0
    rejected: pl.DataFrame = field(default_factory=pl.DataFrame)


def _order(column: str) -> int:
    return RECALL_FIELDS.index(column) if column in RECALL_FIELDS else len(RECALL_FIELDS)


def parse_recalls(
    path: Path, *, region: str, mapping: Mapping[str, str] | None = None, sheet: str | None = None
) -> ParsedRecalls:
    """Read a recall file into good rows, errors and skips (PlacementFileError for an unreadable file)."""
    check_region(region)
    prepared = prepare(Path(path), "recalls", ("external_ref",), mapping, sheet)
    frame, sources = prepared.frame, prepared.resolution.sources
    height, rows = frame.height, frame["row"]
    sink = ErrorSink(rows, _order)

    def raw(name: str) -> pl.Series:
        return frame[f"c{sources[name][0]}"]

    ref = prepared.cleaned_keys["external_ref"]
    sink.add("external_ref", raw("external_ref"), required(ref, references(ref).error))
    reason = text(clean(raw("reason")))
    too_long = pl.select(pl.when(reason.str.len_chars() > REASON_MAX).then(pl.lit("too_long"))).to_series()
    sink.add("reason", raw("reason"), required(reason, too_long.cast(pl.String)))
    if "action" in sources:
        words = clean(raw("action"))
        action = words.str.to_lowercase().replace_strict(ACTIONS, default=None, return_dtype=pl.String)
        unknown = pl.select(pl.when(words.is_not_null() & action.is_null()).then(pl.lit("unknown_action")))
        sink.add("action", raw("action"), unknown.to_series().cast(pl.String))
        action = action.fill_null("recall")
    else:
        action = constant("recall", height, pl.String)
    if "recalled_on" in sources:
        checked = dates(clean(raw("recalled_on")), region=region)
        sink.add("recalled_on", raw("recalled_on"), checked.error)
        recalled_on = checked.value
    else:
        recalled_on = constant(None, height, pl.Date)

    same, duplicate, first = _duplicates(ref, reason, action, rows)
    sink.add("external_ref", raw("external_ref"), duplicate, first.cast(pl.String))

    good = pl.DataFrame(
        {"row": rows, "external_ref": ref, "reason": reason, "action": action, "recalled_on": recalled_on}
    ).select(pl.col(name).cast(dtype) for name, dtype in RECALL_SCHEMA.items())
    repeated = set(rows.filter(same).to_list())
    skipped = sorted(
        [*prepared.skipped, *(SkippedRow(int(r), DUPLICATE_IN_FILE) for r in sorted(repeated))],
        key=lambda s: s.row,
    )
    errors = [e for e in sink.errors() if e.row not in repeated]
    bad = {e.row for e in errors}
    if bad or repeated:
        good = good.filter(~pl.col("row").is_in(sorted(bad | repeated)))
    return ParsedRecalls(
        encoding=prepared.table.encoding,
        columns=dict(prepared.resolution.columns),
        ignored_columns=ignored_columns(prepared),
        rows_read=prepared.table.frame.height,
        rows=good,
        errors=errors,
        skipped=skipped,
        rejected_rows=len(bad),
        rejected=rejected_cells(prepared, sorted(bad)),
    )


def _duplicates(
    ref: pl.Series, reason: pl.Series, action: pl.Series, rows: pl.Series
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """A reference repeated in the file: the same recall again (skipped), or a different one (an error,
    naming the first row); the repeats, the errors and the first rows."""
    signature = pl.select(
        pl.concat_str([pl.lit(ref), pl.lit(reason), pl.lit(action)], separator="\x1f", ignore_nulls=True)
    ).to_series()
    later, first = duplicate_errors(ref, rows)
    first_signature = (
        pl.DataFrame({"k": ref, "s": signature}).select(pl.col("s").first().over("k")).to_series()
    )
    same = later & (signature == first_signature)
    different = later & (signature != first_signature)
    duplicate = pl.select(pl.when(different).then(pl.lit("duplicate_ref"))).to_series().cast(pl.String)
    return same, duplicate, first
