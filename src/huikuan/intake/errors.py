"""The errors of intake: a file that cannot be read as a whole, and a bad mapping file."""

from __future__ import annotations

from collections.abc import Sequence

from huikuan.errors import HuikuanError


class PlacementFileError(HuikuanError):
    """A placement or payment file cannot be read as a whole (no rows are taken from it).

    `code` says which problem it is, for callers that branch on it: `unreadable` (cannot be opened),
    `empty`, `unsupported_format`, `undecodable`, `unreadable_xlsx`, `unreadable_parquet`,
    `unknown_sheet`, `no_header`, `missing_columns`, `bad_mapping`. `missing` names the required
    fields not found and `headers_seen` the headers that were (for `missing_columns`, `no_header`).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        missing: Sequence[str] = (),
        headers_seen: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.missing = tuple(missing)
        self.headers_seen = tuple(headers_seen)


class MappingError(PlacementFileError):
    """A creditor's mapping file (source header -> field) is unreadable or names an unknown field."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_mapping")
