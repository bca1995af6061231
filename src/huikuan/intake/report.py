"""What intake says about the rows it could not take: one error per bad cell, one note per skipped row."""

from __future__ import annotations

from dataclasses import dataclass

# Why a row was left out without being an error.
BLANK = "blank"
REPEATED_HEADER = "repeated_header"
TOTALS = "totals"
DUPLICATE_IN_FILE = "duplicate_in_file"


@dataclass(frozen=True, slots=True)
class RowError:
    """A cell that cannot be taken; its row is rejected.

    `row` is the record number the user sees in Excel (the header is `header_row`, the first data
    record `header_row + 1`); `column` is the canonical field; `value` the raw text of the cell;
    `code` a stable machine code; `reason` an English sentence (see `messages.reason_in` for others).
    `detail` carries what the sentence needs beyond the value (the first row of a duplicate, the
    bad number in a cell of several phones, the currency whose precision was exceeded).
    """

    row: int
    column: str
    value: str
    code: str
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row left out on purpose: `blank`, `repeated_header`, `totals` or (payments) `duplicate_in_file`."""

    row: int
    reason: str
