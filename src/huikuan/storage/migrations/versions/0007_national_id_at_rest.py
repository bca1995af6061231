"""national IDs sealed at rest

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 09:00:00

`debtors.national_id` and `parties.national_id` hold the ID sealed with the data key (huikuan.sealing);
beside a debtor's, its keyed lookup hash (indexed with the creditor: intake matches debtors by it) and
its mask (the case page shows it without opening anything). The IDs already on file are sealed here.

The columns are swapped rather than altered (add the new one, fill it, drop the old, rename): SQLite
cannot change a column's type without copying the table, and with foreign keys on it cannot drop the
copied `debtors` that the other tables refer to. Both databases take the same statements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from huikuan.sealing import keyring, unseal
from huikuan.storage.sealed import national_id_columns

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAGE = 5_000


def _rewrite(table: str, into: str, convert: Callable[[str], dict[str, Any]]) -> None:
    """Sets each row's `into` to `convert(national_id)["national_id"]` (and any other column `convert`
    gives to its value), a page of rows at a time."""
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                f"SELECT id, national_id FROM {table} WHERE national_id IS NOT NULL AND id > :last "
                f"ORDER BY id LIMIT {_PAGE}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        values = [{"row_id": row_id, **convert(value)} for row_id, value in rows]
        sets = ", ".join(f"{into if k == 'national_id' else k} = :{k}" for k in values[0] if k != "row_id")
        conn.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :row_id"), values)
        last = rows[-1][0]


def _swap(table: str, filled: str) -> None:
    """`national_id` replaced by the column just filled, under the old name."""
    op.execute(f"ALTER TABLE {table} DROP COLUMN national_id")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {filled} TO national_id")


def upgrade() -> None:
    keys = keyring()
    op.execute("DROP INDEX ix_debtors_creditor_national_id")
    op.execute("ALTER TABLE debtors ADD COLUMN national_id_sealed VARCHAR(200)")
    op.execute("ALTER TABLE debtors ADD COLUMN national_id_hash VARCHAR(64)")
    op.execute("ALTER TABLE debtors ADD COLUMN national_id_masked VARCHAR(40)")
    _rewrite("debtors", "national_id_sealed", lambda v: national_id_columns(v, keys=keys))
    _swap("debtors", "national_id_sealed")
    op.execute("CREATE INDEX ix_debtors_creditor_national_id_hash ON debtors (creditor_id, national_id_hash)")

    op.execute("ALTER TABLE parties ADD COLUMN national_id_sealed VARCHAR(200)")
    _rewrite(
        "parties",
        "national_id_sealed",
        lambda v: {"national_id": national_id_columns(v, keys=keys)["national_id"]},
    )
    _swap("parties", "national_id_sealed")


def downgrade() -> None:
    keys = keyring()
    op.execute("ALTER TABLE parties ADD COLUMN national_id_plain VARCHAR(40)")
    _rewrite("parties", "national_id_plain", lambda v: {"national_id": unseal(v, keys=keys)})
    _swap("parties", "national_id_plain")

    op.execute("DROP INDEX ix_debtors_creditor_national_id_hash")
    op.execute("ALTER TABLE debtors ADD COLUMN national_id_plain VARCHAR(40)")
    _rewrite("debtors", "national_id_plain", lambda v: {"national_id": unseal(v, keys=keys)})
    _swap("debtors", "national_id_plain")
    op.execute("ALTER TABLE debtors DROP COLUMN national_id_masked")
    op.execute("ALTER TABLE debtors DROP COLUMN national_id_hash")
    op.execute("CREATE INDEX ix_debtors_creditor_national_id ON debtors (creditor_id, national_id)")
