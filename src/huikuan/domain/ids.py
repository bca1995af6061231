"""The ids of rows: whole numbers from 1 to MAX_ID, what a PostgreSQL BIGINT and a SQLite INTEGER hold.

An id sent in a request (a JSON body, a form field) outside that range names no row: the entry points
refuse it as invalid input before it reaches the database driver, which would fail on it (SQLite cannot
even bind it).
"""

from __future__ import annotations

MAX_ID = 2**63 - 1


def is_row_id(value: int) -> bool:
    """True when `value` could be the id of a row."""
    return 1 <= value <= MAX_ID
