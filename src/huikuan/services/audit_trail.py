"""Checking the audit trail (`huikuan audit verify`): the hash chain walked from its first row.

storage/audit.py owns the chain; this use case runs the walk in a read of its own and gives the result
as plain data for the command line (and its `--json`).
"""

from __future__ import annotations

from typing import Any

from huikuan.storage.audit import ChainCheck, ChainRow, check_chain
from huikuan.storage.uow import UnitOfWork


def verify_chain(uow: UnitOfWork) -> ChainCheck:
    """Walks the whole chain; the first row that does not match, if any, and where the chain ends."""
    try:
        return check_chain(uow.session)
    finally:
        uow.rollback()


def chain_report(check: ChainCheck) -> dict[str, Any]:
    """The check as JSON-ready data (instants in UTC, ISO 8601)."""
    broken = check.broken
    return {
        "ok": check.ok,
        "checked": check.checked,
        "verified_to": _row(check.verified_to),
        "last": _row(check.last),
        "head": {"seq": check.head_seq, "hash": check.head_hash},
        "broken": None if broken is None else {"problem": broken.problem, "row": _row(broken.row)},
    }


def _row(row: ChainRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "seq": row.seq,
        "at": row.at.isoformat(),
        "action": row.action,
        "hash": row.row_hash,
    }


__all__ = ["chain_report", "verify_chain"]
