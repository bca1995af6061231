"""The holds' bulk writes: a placement's scrub flags as holds, and the debtor's flag columns kept equal to
"an open hold of this kind exists" (table holds; the use cases are services/holds.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, exists, select, update

from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, insert_frame, read_frame, update_frame

# The debtor's boolean column kept equal to "an open hold of this kind exists".
FLAG_COLUMNS = ("cease", "attorney", "deceased", "hardship", "bankruptcy")
# A placement's scrub flag (intake/placement.py SCRUB_FLAGS) and the hold it sets; "dispute" sets the
# debtor's disputed flag instead (the dispute loop owns it).
SCRUB_HOLDS = {"bankrupt": "bankruptcy", "deceased": "deceased", "attorney": "attorney", "cease": "cease"}
SCRUB_COLUMNS = (*SCRUB_HOLDS, "dispute")
_CHUNK = 5_000


def sync_hold_flags(conn: Connection, debtor_ids: Sequence[int]) -> None:
    """Sets each debtor's flag columns from its open holds, one UPDATE per chunk of debtors."""
    h, d = t.holds.c, t.debtors.c
    values = {
        name: exists().where(h.debtor_id == d.id, h.kind == name, h.ended_at.is_(None))
        for name in FLAG_COLUMNS
    }
    ids = sorted(set(debtor_ids))
    for start in range(0, len(ids), _CHUNK):
        conn.execute(update(t.debtors).where(d.id.in_(ids[start : start + _CHUNK])).values(**values))


def scrubbed(frame: pl.DataFrame) -> pl.DataFrame:
    """Per debtor (debtor_id), whether any of its rows set each scrub flag; only debtors with one set."""
    present = [c for c in SCRUB_COLUMNS if c in frame.columns]
    if not present:
        return pl.DataFrame(schema={"debtor_id": pl.Int64, **dict.fromkeys(SCRUB_COLUMNS, pl.Boolean)})
    flags = frame.select("debtor_id", *(pl.col(c).fill_null(False) for c in present))
    flags = flags.filter(pl.any_horizontal(present)).group_by("debtor_id").agg(pl.col(present).any())
    absent = [pl.lit(False).alias(c) for c in SCRUB_COLUMNS if c not in present]
    return flags.with_columns(absent).select("debtor_id", *SCRUB_COLUMNS).sort("debtor_id")


def write_scrub_holds(conn: Connection, creditor_id: int, scrubs: pl.DataFrame, at: datetime) -> int:
    """The scrub flags as holds with source "import", open from `at` until ended: one bulk insert of the
    holds a debtor does not have open already; the flag columns follow. "dispute" sets `disputed`.
    Returns how many holds were set."""
    if scrubs.height == 0:
        return 0
    h, d = t.holds.c, t.debtors.c
    open_now = read_frame(
        conn,
        select(h.debtor_id, h.kind)
        .join(t.debtors, d.id == h.debtor_id)
        .where(d.creditor_id == creditor_id, h.ended_at.is_(None), h.kind.in_(sorted(SCRUB_HOLDS.values()))),
        {"debtor_id": pl.Int64, "kind": pl.Utf8},
    )
    wanted = pl.concat(
        [
            scrubs.filter(pl.col(flag)).select("debtor_id", pl.lit(kind).alias("kind"))
            for flag, kind in SCRUB_HOLDS.items()
        ]
    ).join(open_now, on=["debtor_id", "kind"], how="anti")
    if wanted.height:
        ids = allocate_ids(conn, t.holds, wanted.height)
        insert_frame(
            conn,
            t.holds,
            wanted.with_columns(
                ids,
                pl.lit(at).dt.convert_time_zone("UTC").alias("started_at"),
                pl.lit("import").alias("source"),
            ),
        )
    disputed = scrubs.filter(pl.col("dispute")).select(
        pl.col("debtor_id").alias("id"), pl.lit(True).alias("disputed")
    )
    update_frame(conn, t.debtors, disputed)
    sync_hold_flags(conn, wanted["debtor_id"].unique().to_list())
    return wanted.height
