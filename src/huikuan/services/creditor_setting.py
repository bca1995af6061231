"""A creditor's setting kept as its one row of a table (the activity file's mapping, the monthly report's
recipients): replaced whole, the change audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, insert

from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork


def replace_setting(
    uow: UnitOfWork,
    table: Table,
    creditor_id: int,
    values: dict[str, Any] | None,
    *,
    user_id: int | None,
    action: str,
    detail: dict[str, Any],
) -> None:
    """Replaces the creditor's row of `table` with `values` (None: no row) and audits the change as `action`
    on the creditor; commits."""
    now = datetime.now(UTC)
    uow.begin_write()
    uow.session.execute(delete(table).where(table.c.creditor_id == creditor_id))
    if values:
        uow.session.execute(insert(table).values(creditor_id=creditor_id, updated_at=now, **values))
    record(
        uow.session,
        at=now,
        user_id=user_id,
        action=action,
        entity="creditor",
        entity_id=creditor_id,
        detail=detail,
    )
    uow.commit()


__all__ = ["replace_setting"]
