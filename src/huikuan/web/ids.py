"""The ids in addresses (/cases/{case_id}, /approvals/{arrangement_id}, ...): every route types its path id
as `PathId`, so an id that no row can have (zero, negative, past the 64-bit integers of the database) is
refused as invalid input (422) before any query, instead of failing in the database driver (500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from huikuan.domain.ids import MAX_ID  # the largest id a BIGINT (PostgreSQL) or an INTEGER (SQLite) holds

PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row's id: 1 to 2^63-1")]

# The same bounds for an id in a query string, and text that a database can hold (PostgreSQL
# refuses the NUL character): refused as 422 before any query.
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
NO_NUL = r"^[^\x00]*$"
